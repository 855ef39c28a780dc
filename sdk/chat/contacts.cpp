// SPDX-License-Identifier: MIT
#include "chat/contacts.h"

#include "chat/autocrypt.h"
#include "mime/header.h"

namespace dcbot::chat {

std::vector<std::string> relay_addresses(const pgp::Certificate& cert,
                                         std::string_view fallback_addr) {
  std::vector<std::string> out;
  for (const auto& relay : cert.relays()) {
    if (out.size() == kMaxRelays) {
      break;
    }
    const auto at = relay.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == relay.size()
        || relay.find_first_of(" \t\r\n<>,;") != std::string::npos) {
      continue;
    }
    out.push_back(mime::to_lower(relay));
  }
  if (out.empty() && !fallback_addr.empty()) {
    out.push_back(mime::to_lower(fallback_addr));
  }
  return out;
}

Result<ImportResult> import_key(store::Db& db, const pgp::Certificate& cert, std::string_view addr,
                                std::string_view name, KeySource source, std::int64_t now) {
  store::Contacts contacts(db);
  const std::string fpr = cert.fingerprint_hex();
  DCBOT_TRY(auto existing, contacts.get(fpr));
  ImportResult result;
  if (!existing) {
    if (source == KeySource::Keyupdate) {
      // §1.8: keyupdates are unsigned and may never introduce a new identity.
      return make_error(Errc::NotFound, "chat: keyupdate for an unknown key");
    }
    store::Contact c;
    c.fingerprint = fpr;
    c.addr = mime::to_lower(addr);
    c.display_name = std::string(name);
    c.public_cert = cert.serialize();
    c.last_seen = source == KeySource::Autocrypt ? now : 0;
    c.relay_addrs = relay_addresses(cert, {});
    DCBOT_TRY(contacts.upsert(c));
    result.contact = std::move(c);
    result.created = true;
    result.cert_updated = true;
    return result;
  }
  store::Contact c = std::move(*existing);
  bool replace = !c.public_cert.has_value();
  if (!replace) {
    auto old = pgp::Certificate::parse(*c.public_cert);
    replace = !old || cert.self_signature_time() >= old->self_signature_time();
  }
  if (replace) {
    c.public_cert = cert.serialize();
    c.relay_addrs = relay_addresses(cert, {});
    result.cert_updated = true;
  }
  if (source == KeySource::Autocrypt) {
    c.addr = mime::to_lower(addr);
    c.last_seen = now;
  } else if (c.addr.empty()) {
    c.addr = mime::to_lower(addr);
  }
  DCBOT_TRY(contacts.upsert(c));
  result.contact = std::move(c);
  return result;
}

Result<std::optional<pgp::Certificate>> load_certificate(store::Db& db, std::string_view fpr) {
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(fpr));
  if (!contact || !contact->public_cert) {
    return std::optional<pgp::Certificate>();
  }
  DCBOT_TRY(auto cert, pgp::Certificate::parse(*contact->public_cert));
  return std::optional<pgp::Certificate>(std::move(cert));
}

Result<std::string> contact_status(store::Db& db, std::string_view fpr) {
  DCBOT_TRY(auto stmt, db.cached("SELECT status FROM chat_contact_status WHERE fingerprint = ?"));
  DCBOT_TRY(stmt->bind_all(fpr));
  DCBOT_TRY(auto step, stmt->step());
  if (step == store::Step::Row) {
    return stmt->column_text(0);
  }
  return std::string();
}

Result<void> set_contact_status(store::Db& db, std::string_view fpr, std::string_view status,
                                std::int64_t now) {
  DCBOT_TRY(auto stmt, db.cached("INSERT INTO chat_contact_status(fingerprint, status, updated) "
                                 "VALUES(?, ?, ?) ON CONFLICT(fingerprint) DO UPDATE SET "
                                 "status = excluded.status, updated = excluded.updated"));
  DCBOT_TRY(stmt->bind_all(fpr, status, now));
  return stmt->run();
}

}  // namespace dcbot::chat
