// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "dcbot/result.h"

// The local test relay (real postfix + dovecot on loopback) as seen by a test: the values that
// `scripts/relay start` writes to `$DCBOT_RELAY_DIR/relay.env`. Independent of the RPC peer, so
// integration tests of the SDK itself can use it too.
namespace dcbot::testsupport {

struct RelayEnv {
  // The folder holding relay.env (the relay's state dir).
  std::string dir;
  // Where the relay listens (an IP address or a name that resolves to loopback).
  std::string host;
  // The mail domain: every `<anything>@<domain>` logs in with `password`.
  std::string domain;
  std::string password;
  // IMAP with implicit TLS (self-signed cert) and plain/STARTTLS IMAP.
  std::uint16_t imaps_port = 0;
  std::uint16_t imap_port = 0;
  // SMTP with implicit TLS (self-signed cert), submission (STARTTLS) and relay-to-relay SMTP.
  std::uint16_t smtps_port = 0;
  std::uint16_t submission_port = 0;
  std::uint16_t smtp_port = 0;
  // An address whose mail is captured raw, the maildir root and the relay's CA certificate.
  std::string capture_addr;
  std::string maildir_root;
  std::string ca_cert;
  // Every KEY=VALUE pair of relay.env, including keys not named above.
  std::map<std::string, std::string, std::less<>> values;

  // Parses relay.env text: `KEY=VALUE` lines; blank lines, `#` comments, a leading `export ` and
  // quotes around the value are allowed. Errc::Parse on a malformed line or port, Errc::Config when
  // a required key (host, domain, password, IMAPS and SMTPS ports) is missing.
  [[nodiscard]] static Result<RelayEnv> parse(std::string_view text);

  // Reads `<relay_dir>/relay.env`. Errc::NotFound if the file is absent.
  [[nodiscard]] static Result<RelayEnv> load(std::string_view relay_dir);

  // load($DCBOT_RELAY_DIR). Errc::Config if the variable is unset (the test was not started by
  // ctest with the relay fixture).
  [[nodiscard]] static Result<RelayEnv> from_environment();

  // A fresh, unique address at the relay's domain: `<prefix><12 random [a-z0-9]>@<domain>`. The
  // relay creates the mailbox on first login.
  [[nodiscard]] std::string fresh_address(std::string_view prefix) const;

  // The value of an arbitrary key, or "" if absent.
  [[nodiscard]] std::string value(std::string_view key) const;
};

}  // namespace dcbot::testsupport
