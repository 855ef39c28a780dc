// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"

// RFC 5322 §3.4 addresses (From, To, Cc, Chat-Group-Past-Members) and §3.6.4 message identifiers
// (Message-ID, In-Reply-To, References, Chat-Edit, Chat-Delete).
namespace dcbot::mime {

// One mailbox. `name` is the decoded display name (RFC 2047 words decoded, also inside quoted
// strings as the core writes them), `addr` the addr-spec without angle brackets, `group` the name
// of the RFC 5322 group it was listed in (empty outside groups).
struct Mailbox {
  std::string name;
  std::string addr;
  std::string group;

  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

// Parses an address list. Groups are flattened: `"hidden-recipients": ;` yields no mailboxes.
// Errc::Parse if an entry has no address (a bare phrase without "@", or empty "<>").
Result<std::vector<Mailbox>> parse_address_list(std::string_view raw);

// Parses exactly one mailbox (From). Errc::Parse if there is none or more than one.
Result<Mailbox> parse_mailbox(std::string_view raw);

// Renders `"Name" <addr>`, or `<addr>` without a name. Non-ASCII names are written as quoted
// RFC 2047 B words (`"=?utf-8?B?...?=" <addr>`), like the core's mail-builder.
std::string format_mailbox(const Mailbox& mailbox);

// Renders mailboxes separated by ", "; an empty list becomes `"hidden-recipients": ;` (§3.1).
std::string format_address_list(const std::vector<Mailbox>& mailboxes);

// The ids in a Message-ID / In-Reply-To / References value, without angle brackets, in order
// (duplicates kept). Tolerates missing brackets by taking whitespace-separated words.
std::vector<std::string> parse_message_ids(std::string_view raw);

// "<id>".
std::string format_message_id(std::string_view id);

}  // namespace dcbot::mime
