// SPDX-License-Identifier: MIT
#include "store/account.h"

#include <charconv>

#include <fmt/format.h>

namespace dcbot::store {
namespace {

constexpr std::string_view kKeyColumns =
    "fingerprint, secret_armored, public_cert, created, is_default";

OwnKey read_key(const Stmt& s) {
  return OwnKey{.fingerprint = s.column_text(0),
                .secret_armored = s.column_text(1),
                .public_cert = s.column_blob(2),
                .created = s.column_int64(3),
                .is_default = s.column_int64(4) != 0};
}

Result<std::vector<OwnKey>> query_keys(Db& db, std::string_view where, std::string_view arg) {
  DCBOT_TRY(auto stmt, db.cached(fmt::format("SELECT {} FROM own_keys {}", kKeyColumns, where)));
  if (!arg.empty()) {
    DCBOT_TRY(stmt->bind(1, arg));
  }
  std::vector<OwnKey> out;
  while (true) {
    DCBOT_TRY(Step s, stmt->step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(read_key(*stmt));
  }
}

}  // namespace

Result<std::optional<std::string>> Settings::get(std::string_view key) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT value FROM config WHERE key = ?"));
  DCBOT_TRY(stmt->bind_all(key));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(stmt->column_text(0));
}

Result<void> Settings::set(std::string_view key, std::string_view value) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO config(key, value) VALUES(?, ?) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  DCBOT_TRY(stmt->bind_all(key, value));
  return stmt->run();
}

Result<void> Settings::remove(std::string_view key) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM config WHERE key = ?"));
  DCBOT_TRY(stmt->bind_all(key));
  return stmt->run();
}

Result<std::optional<std::int64_t>> Settings::get_int(std::string_view key) {
  DCBOT_TRY(auto text, get(key));
  if (!text) {
    return std::optional<std::int64_t>();
  }
  std::int64_t v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || p != end) {
    return make_error(Errc::Parse,
                      fmt::format("store: config {}: not an integer: \"{}\"", key, *text));
  }
  return std::optional<std::int64_t>(v);
}

Result<void> Settings::set_int(std::string_view key, std::int64_t value) {
  return set(key, std::to_string(value));
}

Result<void> OwnKeys::add(const OwnKey& key) {
  if (key.is_default) {
    DCBOT_TRY(db_->exec("UPDATE own_keys SET is_default = 0 WHERE is_default = 1"));
  }
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO own_keys(fingerprint, secret_armored, public_cert, "
                                   "created, is_default) VALUES(?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(key.fingerprint, key.secret_armored, key.public_cert, key.created,
                           key.is_default));
  return stmt->run();
}

Result<std::optional<OwnKey>> OwnKeys::get(std::string_view fingerprint) {
  DCBOT_TRY(auto keys, query_keys(*db_, "WHERE fingerprint = ?", fingerprint));
  if (keys.empty()) {
    return std::optional<OwnKey>();
  }
  return std::optional<OwnKey>(std::move(keys.front()));
}

Result<std::optional<OwnKey>> OwnKeys::default_key() {
  DCBOT_TRY(auto keys, query_keys(*db_, "WHERE is_default = 1", {}));
  if (keys.empty()) {
    return std::optional<OwnKey>();
  }
  return std::optional<OwnKey>(std::move(keys.front()));
}

Result<std::vector<OwnKey>> OwnKeys::list() {
  return query_keys(*db_, "ORDER BY created, fingerprint", {});
}

Result<void> OwnKeys::set_default(std::string_view fingerprint) {
  DCBOT_TRY(auto existing, get(fingerprint));
  if (!existing) {
    return make_error(Errc::NotFound, fmt::format("store: no own key {}", fingerprint));
  }
  DCBOT_TRY(db_->exec("UPDATE own_keys SET is_default = 0 WHERE is_default = 1"));
  DCBOT_TRY(auto stmt, db_->cached("UPDATE own_keys SET is_default = 1 WHERE fingerprint = ?"));
  DCBOT_TRY(stmt->bind_all(fingerprint));
  return stmt->run();
}

}  // namespace dcbot::store
