// SPDX-License-Identifier: MIT
#include "runtime/transport_config.h"

namespace dcbot::runtime {

namespace {

net::TlsOptions tls_options(const TransportConfig& config) {
  net::TlsOptions tls;
  tls.verify = config.tls_verify;
  tls.ca_file = config.ca_file;
  return tls;
}

}  // namespace

imap::SessionOptions TransportConfig::imap_options() const {
  imap::SessionOptions o;
  o.host = imap.host;
  o.security = imap.security;
  o.port = imap.port != 0 ? imap.port : (imap.security == net::Security::Tls ? 993 : 143);
  o.tls = tls_options(*this);
  o.connect_timeout = connect_timeout;
  o.io_timeout = io_timeout;
  return o;
}

smtp::Options TransportConfig::smtp_options() const {
  smtp::Options o;
  o.host = smtp.host;
  o.security = smtp.security;
  if (smtp.port != 0) {
    o.port = smtp.port;
  } else {
    switch (smtp.security) {
      case net::Security::Tls:
        o.port = 465;
        break;
      case net::Security::StartTls:
        o.port = 587;
        break;
      case net::Security::Plain:
        o.port = 25;
        break;
    }
  }
  o.tls = tls_options(*this);
  o.timeout = connect_timeout > io_timeout ? connect_timeout : io_timeout;
  return o;
}

}  // namespace dcbot::runtime
