// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"

// SecureJoin invite links (PROTOCOL.md §5.1; core `securejoin.rs` get_securejoin_qr, `qr.rs`):
// building the `https://i.delta.chat/#<FPR>&v=3&...` link and parsing every form a scanner
// accepts. Pure functions; only generate_token() reads the system's random source.
namespace dcbot::chat {

// What an invite is for: a 1:1 contact (`i=`), a group (`x=` + `i=` + `g=`) or a broadcast
// channel (`x=` + `j=` + `b=`).
enum class InviteKind { Contact, Group, Channel };

// A parsed or to-be-formatted invite. Text fields hold decoded UTF-8.
struct Invite {
  InviteKind kind = InviteKind::Contact;
  std::string fingerprint;          // 40 upper-case hex characters (v4).
  std::string invitenumber;         // `i=` (or `j=`); may be empty in a v3 link.
  std::string auth;                 // `s=`.
  std::string addr;                 // `a=`: the inviter's primary relay address.
  std::vector<std::string> relays;  // `r=`: further published relay addresses.
  std::string name;                 // `n=`: the inviter's display name.
  std::string grpid;                // `x=`: group or channel id.
  std::string group_name;           // `g=` or `b=`.
  // `v=3` present, or `s=` without `i`/`j` (§5.1): the joiner uses the v3 flow.
  bool v3 = true;

  // `addr` followed by `relays`: every address the joiner sends its first step to (§5.2).
  std::vector<std::string> addrs() const;

  friend bool operator==(const Invite&, const Invite&) = default;
};

// Names in invite links are cut to this many characters (§5.1): contact links, and the chat
// name of group/channel links; the inviter name of group/channel links is cut to 16.
inline constexpr std::size_t kInviteNameMax = 25;
inline constexpr std::size_t kInviteInviterNameMax = 16;

// A token is 11..32 characters of the URL-safe base64 alphabet (core `validate_id`).
bool is_valid_token(std::string_view token);

// A fresh INVITENUMBER or AUTH: 18 random bytes as 24 URL-safe base64 characters (core
// `create_id`).
std::string generate_token();

// `name` cut to `max_chars` Unicode characters: longer names keep max_chars - 1 characters and
// get a trailing '_' (a '.' or "..." would confuse linkifiers).
std::string shorten_invite_name(std::string_view name, std::size_t max_chars);

// Percent-encodes everything but ASCII letters, digits, '.' and '_' (core
// DISALLOWED_CHARACTERS); with `space_as_plus` the encoded spaces become '+' (names).
std::string invite_percent_encode(std::string_view text, bool space_as_plus);

// The link as 2.62 writes it: `https://i.delta.chat/#FPR[&v=3][&x=ID]&i|j=INV&s=AUTH&a=ADDR
// [&r=A2,A3]&n=NAME[&g|b=CHAT]`; `v=3` only when invite.v3. Names are shortened and encoded
// here. Preconditions (checked): a valid fingerprint and tokens.
std::string format_invite(const Invite& invite);

// Parses `https://i.delta.chat/#...`, `https://i.delta.chat#...` and `OPENPGP4FPR:FPR#...`
// (scheme case-insensitive, `%23` accepted for '#'). The fingerprint is upper-cased; names are
// decoded ('+' is a space, a trailing '_' of a shortened name becomes '…'). Errc::Parse for any
// other text, a bad fingerprint, an invalid token, a missing `a=`, or an invite that carries
// neither `s=` nor an invitenumber.
Result<Invite> parse_invite(std::string_view text);

}  // namespace dcbot::chat
