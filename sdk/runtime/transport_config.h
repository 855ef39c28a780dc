// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "imap/session.h"
#include "net/stream.h"
#include "smtp/session.h"

// Where and how one account reaches its relay. The runtime's own type: the cli maps the YAML
// account section (config::AccountConfig) onto it, so runtime does not depend on config.
namespace dcbot::runtime {

// One server of a transport.
struct ServerSettings {
  std::string host{};
  std::uint16_t port = 0;  // 0: the default of `security` (IMAP 993/143, SMTP 465/587).
  net::Security security = net::Security::Tls;
  std::string user{};  // Login name; the account address when empty.
  // SMTP only: false sends without AUTH (relay-to-relay port 25 in tests).
  bool authenticate = true;
};

// An account's transport: its address, password and both servers.
struct TransportConfig {
  std::string addr{};
  std::string password{};
  ServerSettings imap{};
  ServerSettings smtp{};
  // Strict certificate checks; false only for self-signed test relays.
  bool tls_verify = true;
  // PEM file of trusted CAs instead of the system store (test relays); empty: system store.
  std::string ca_file{};
  net::Duration connect_timeout = std::chrono::seconds(30);
  // Deadline of each single read, write and command reply.
  net::Duration io_timeout = std::chrono::seconds(60);

  // The IMAP session options these settings describe.
  [[nodiscard]] imap::SessionOptions imap_options() const;
  // The SMTP session options these settings describe.
  [[nodiscard]] smtp::Options smtp_options() const;

  [[nodiscard]] const std::string& imap_user() const {
    return imap.user.empty() ? addr : imap.user;
  }

  [[nodiscard]] const std::string& smtp_user() const {
    return smtp.user.empty() ? addr : smtp.user;
  }
};

}  // namespace dcbot::runtime
