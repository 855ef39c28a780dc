// SPDX-License-Identifier: MIT
#include "store/contacts.h"

#include <utility>

#include "store/lines.h"

#include <fmt/format.h>

namespace dcbot::store {
namespace {

constexpr std::string_view kColumns =
    "fingerprint, addr, display_name, public_cert, verified, verifier_fingerprint, is_bot, "
    "blocked, last_seen, relay_addrs";

Contact read_contact(const Stmt& s) {
  Contact c;
  c.fingerprint = s.column_text(0);
  c.addr = s.column_text(1);
  c.display_name = s.column_text(2);
  if (!s.column_is_null(3)) {
    c.public_cert = s.column_blob(3);
  }
  c.verified = static_cast<VerifiedState>(s.column_int64(4));
  c.verifier_fingerprint = s.column_optional_text(5);
  c.is_bot = s.column_int64(6) != 0;
  c.blocked = s.column_int64(7) != 0;
  c.last_seen = s.column_int64(8);
  c.relay_addrs = split_lines(s.column_text(9));
  return c;
}

Result<std::vector<Contact>> read_all(Stmt& stmt) {
  std::vector<Contact> out;
  while (true) {
    DCBOT_TRY(Step s, stmt.step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(read_contact(stmt));
  }
}

}  // namespace

Result<void> Contacts::upsert(const Contact& c) {
  DCBOT_TRY(
      auto stmt,
      db_->cached(fmt::format(
          "INSERT INTO contacts({}) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(fingerprint) DO UPDATE SET addr = excluded.addr, "
          "display_name = excluded.display_name, public_cert = excluded.public_cert, "
          "verified = excluded.verified, verifier_fingerprint = excluded.verifier_fingerprint, "
          "is_bot = excluded.is_bot, blocked = excluded.blocked, "
          "last_seen = excluded.last_seen, relay_addrs = excluded.relay_addrs",
          kColumns)));
  DCBOT_TRY(stmt->bind_all(c.fingerprint, c.addr, c.display_name, c.public_cert, c.verified,
                           c.verifier_fingerprint, c.is_bot, c.blocked, c.last_seen,
                           join_lines(c.relay_addrs)));
  return stmt->run();
}

Result<std::optional<Contact>> Contacts::get(std::string_view fingerprint) {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM contacts WHERE fingerprint = ?", kColumns)));
  DCBOT_TRY(stmt->bind_all(fingerprint));
  DCBOT_TRY(auto all, read_all(*stmt));
  if (all.empty()) {
    return std::optional<Contact>();
  }
  return std::optional<Contact>(std::move(all.front()));
}

Result<std::vector<Contact>> Contacts::find_by_addr(std::string_view addr) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format("SELECT {} FROM contacts WHERE addr = ? COLLATE "
                                               "NOCASE ORDER BY last_seen DESC, fingerprint",
                                               kColumns)));
  DCBOT_TRY(stmt->bind_all(addr));
  return read_all(*stmt);
}

Result<std::vector<Contact>> Contacts::list() {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM contacts ORDER BY fingerprint", kColumns)));
  return read_all(*stmt);
}

Result<void> Contacts::expect_one_change(std::string_view fingerprint) {
  if (db_->changes() == 0) {
    return make_error(Errc::NotFound, fmt::format("store: no contact {}", fingerprint));
  }
  return {};
}

Result<void> Contacts::set_verified(std::string_view fingerprint, VerifiedState state,
                                    const std::optional<std::string>& verifier_fingerprint) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE contacts SET verified = ?, verifier_fingerprint = ? "
                                   "WHERE fingerprint = ?"));
  DCBOT_TRY(stmt->bind_all(state, verifier_fingerprint, fingerprint));
  DCBOT_TRY(stmt->run());
  return expect_one_change(fingerprint);
}

Result<void> Contacts::set_blocked(std::string_view fingerprint, bool blocked) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE contacts SET blocked = ? WHERE fingerprint = ?"));
  DCBOT_TRY(stmt->bind_all(blocked, fingerprint));
  DCBOT_TRY(stmt->run());
  return expect_one_change(fingerprint);
}

Result<void> Contacts::touch(std::string_view fingerprint, std::int64_t last_seen) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE contacts SET last_seen = max(last_seen, ?) "
                                   "WHERE fingerprint = ?"));
  DCBOT_TRY(stmt->bind_all(last_seen, fingerprint));
  DCBOT_TRY(stmt->run());
  return expect_one_change(fingerprint);
}

}  // namespace dcbot::store
