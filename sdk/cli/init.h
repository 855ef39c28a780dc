// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "config/account_url.h"
#include "dcbot/result.h"
#include "runtime/transport_config.h"

// `dcbot init`: an account (from an address and password, a dclogin: URL, or a new DCACCOUNT:
// account on a chatmail relay) checked by logging in, then written as a new bot config.
namespace dcbot::cli {

struct InitOptions {
  std::string config_path{};
  std::string url{};  // dclogin: / DCACCOUNT:; or addr + password below.
  std::string addr{};
  std::string password{};
  std::string name{};
  bool offline = false;  // Write the config without logging in.
};

// `n` bytes from the system CSPRNG (crypto::random_bytes) as a string: the randomness
// config::parse_account_url invents DCACCOUNT: credentials from.
std::string csprng_string(std::size_t n);

// The bot config YAML for `setup` (the password lives in `password_file`, relative to the
// config), with data_dir ./data/<local part>, the display name and the builtin echo plugin.
std::string render_config(const config::AccountSetup& setup, const std::string& password_file,
                          const std::string& name);

// Logs in to IMAP and SMTP with `transport` (a chatmail relay creates a DCACCOUNT: account at the
// first login). Errc::Auth when refused, Errc::Io / Timeout when unreachable.
Result<> verify_login(const runtime::TransportConfig& transport);

// The whole command; returns the exit code (0, 1 runtime failure, 2 usage).
int cmd_init(const InitOptions& options);

}  // namespace dcbot::cli
