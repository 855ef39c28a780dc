// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "dcbot/result.h"

// Autocrypt and Autocrypt-Gossip header values (PROTOCOL.md §2; Autocrypt Level 1 §2.1).
namespace dcbot::chat {

struct AutocryptHeader {
  std::string addr;  // Lower-cased.
  bool prefer_mutual = false;
  bool verified = false;  // `_verified=1` (gossip only).
  Bytes keydata;          // The binary certificate; not yet verified.
};

// Parses `addr=...; [prefer-encrypt=...;] keydata=...`. Attributes are split on ';' and trimmed;
// `addr` and `keydata` are required (whitespace inside keydata is ignored); prefer-encrypt other
// than "mutual" counts as no preference; an unknown attribute not starting with '_' makes the
// header invalid. Errc::Parse for every invalid header.
Result<AutocryptHeader> parse_autocrypt(std::string_view raw);

// ASCII-case-insensitive address comparison (addresses are routing hints, §1.2).
bool same_addr(std::string_view a, std::string_view b);

}  // namespace dcbot::chat
