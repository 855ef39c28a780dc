// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "store/db.h"

// Repositories of the bot's own account: settings and own keys. Like every repository they borrow
// the Db (which must outlive them), take value structs and return Results; transactions are the
// caller's (store::Txn around several calls).
namespace dcbot::store {

// The `config` table: the account's own settings as text key/value pairs (addr, display name,
// configured servers...). Keys are chosen by the chat engine.
class Settings {
 public:
  explicit Settings(Db& db) : db_(&db) {}

  // Empty if the key is not set.
  Result<std::optional<std::string>> get(std::string_view key);
  Result<void> set(std::string_view key, std::string_view value);
  Result<void> remove(std::string_view key);

  // Integer settings; Errc::Parse if the stored text is not an integer.
  Result<std::optional<std::int64_t>> get_int(std::string_view key);
  Result<void> set_int(std::string_view key, std::int64_t value);

 private:
  Db* db_;
};

// One of the bot's OpenPGP keys.
struct OwnKey {
  std::string fingerprint{};
  std::string secret_armored{};  // The transferable secret key, ASCII-armored.
  Bytes public_cert{};           // The binary transferable public key (what Autocrypt sends).
  std::int64_t created = 0;
  bool is_default = false;

  friend bool operator==(const OwnKey&, const OwnKey&) = default;
};

// The `own_keys` table. At most one key is the default (enforced by a unique index).
class OwnKeys {
 public:
  explicit OwnKeys(Db& db) : db_(&db) {}

  // Inserts a new key; Errc::Io if the fingerprint exists. With is_default set, the previous
  // default loses the flag: wrap the call in a Txn to make both changes atomic.
  Result<void> add(const OwnKey& key);
  Result<std::optional<OwnKey>> get(std::string_view fingerprint);
  Result<std::optional<OwnKey>> default_key();
  Result<std::vector<OwnKey>> list();
  // Makes `fingerprint` the default; Errc::NotFound if there is no such key.
  Result<void> set_default(std::string_view fingerprint);

 private:
  Db* db_;
};

}  // namespace dcbot::store
