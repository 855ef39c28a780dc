// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "dcbot/result.h"

// Account URLs as Delta Chat's QR codes carry them (PROTOCOL.md §7.2): `dclogin:` (an existing
// account with its servers) and `DCACCOUNT:` (a new account on a chatmail relay). Input comes
// from the operator or a scanned code, so it is parsed defensively (fuzz target account_url).
namespace dcbot::config {

// What an account URL resolves to: an address, its password and, for dclogin:, servers.
struct AccountSetup {
  std::string addr{};
  std::string password{};
  std::optional<ServerConfig> imap{};
  std::optional<ServerConfig> smtp{};
  bool tls_verify = true;
  // True for DCACCOUNT: the address and password were invented here; the chatmail relay creates
  // the account at the first login.
  bool created = false;
};

// `n` random bytes (a CSPRNG in production).
using RandomBytes = std::function<std::string(std::size_t n)>;

// The longest URL accepted.
inline constexpr std::size_t kMaxAccountUrl = 4096;

// Parses `dclogin:user@host/?p=PW&v=1&ih=&ip=&is=&iu=&ipw=&sh=&sp=&ss=&su=&spw=&ic=` (also
// `dclogin://...`, scheme case-insensitive; percent-encoded values), `DCACCOUNT:host` and
// `DCACCOUNT:https://host/...`. For DCACCOUNT a random 9-character local part (a-z, 0-9, as
// chatmail relays require) and a random 24-character password are made from `random`; no request
// is sent (chatmail relays create the account at the first login; token-based account servers
// that need the HTTP request are not supported). Errc::Parse names what is wrong.
Result<AccountSetup> parse_account_url(std::string_view url, const RandomBytes& random);

}  // namespace dcbot::config
