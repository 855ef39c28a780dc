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

namespace dcbot::store {

// Stored as integers: never renumber.
enum class VerifiedState : std::int64_t {
  Unverified = 0,
  // SecureJoin completed (PROTOCOL.md §5.5), directly or introduced by `verifier_fingerprint`.
  Verified = 1,
};

// A key contact. Contacts are identified by their key fingerprint; the address is only a routing
// hint, and relay_addrs holds further relays announced in the key's notation.
struct Contact {
  std::string fingerprint{};
  std::string addr{};
  std::string display_name{};
  std::optional<Bytes> public_cert{};  // The binary transferable public key, once known.
  VerifiedState verified = VerifiedState::Unverified;
  std::optional<std::string> verifier_fingerprint{};  // Who verified it (our own fpr: directly).
  bool is_bot = false;
  bool blocked = false;
  std::int64_t last_seen = 0;
  std::vector<std::string> relay_addrs{};

  friend bool operator==(const Contact&, const Contact&) = default;
};

// The `contacts` table.
class Contacts {
 public:
  explicit Contacts(Db& db) : db_(&db) {}

  // Inserts the contact or replaces every field of the one with the same fingerprint.
  Result<void> upsert(const Contact& contact);
  Result<std::optional<Contact>> get(std::string_view fingerprint);
  // Contacts whose address matches case-insensitively, most recently seen first.
  Result<std::vector<Contact>> find_by_addr(std::string_view addr);
  Result<std::vector<Contact>> list();

  // Narrow updates for the hot paths; Errc::NotFound if the contact does not exist.
  Result<void> set_verified(std::string_view fingerprint, VerifiedState state,
                            const std::optional<std::string>& verifier_fingerprint);
  Result<void> set_blocked(std::string_view fingerprint, bool blocked);
  Result<void> touch(std::string_view fingerprint, std::int64_t last_seen);

 private:
  Result<void> expect_one_change(std::string_view fingerprint);

  Db* db_;
};

}  // namespace dcbot::store
