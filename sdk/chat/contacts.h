// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"
#include "pgp/key.h"
#include "store/contacts.h"
#include "store/db.h"

// Key contacts (PROTOCOL.md §1.2): a contact is its key, keyed by fingerprint; the address is a
// routing hint and the relays come from the key's `relays@chatmail.at` notation.
namespace dcbot::chat {

// At most this many relay addresses are taken from a key's notation (§1.2).
inline constexpr std::size_t kMaxRelays = 5;

// The relay addresses to send to: the key's notation (at most kMaxRelays, entries without '@'
// skipped), else `fallback_addr`.
std::vector<std::string> relay_addresses(const pgp::Certificate& cert,
                                         std::string_view fallback_addr);

// Where a certificate was learned; decides what may change (§1.2, §1.8, §2).
enum class KeySource {
  Autocrypt,  // The signer's own (protected) Autocrypt header: may create and update.
  Gossip,     // Autocrypt-Gossip in a signed message: may create, may update the certificate.
  Keyupdate,  // Unsigned keyupdate: may only update an already-known key.
};

struct ImportResult {
  store::Contact contact;
  bool created = false;
  bool cert_updated = false;
};

// Stores `cert` (already verified: Certificate::parse checks every binding) for `addr`. The stored
// certificate is replaced only by one with a self-signature at least as new (the core re-signs on
// relay changes, §1.1). A new contact gets `name` as display name; an Autocrypt import also
// refreshes the routing address and relays. Errc::NotFound for a Keyupdate of an unknown key.
Result<ImportResult> import_key(store::Db& db, const pgp::Certificate& cert, std::string_view addr,
                                std::string_view name, KeySource source, std::int64_t now);

// The stored certificate of a contact, parsed; empty if the contact or its key is unknown.
// Errc::Parse/Crypto if the stored bytes no longer parse (never expected).
Result<std::optional<pgp::Certificate>> load_certificate(store::Db& db, std::string_view fpr);

// The contact's `-- ` status line (chat_contact_status), empty if none.
Result<std::string> contact_status(store::Db& db, std::string_view fpr);
Result<void> set_contact_status(store::Db& db, std::string_view fpr, std::string_view status,
                                std::int64_t now);

}  // namespace dcbot::chat
