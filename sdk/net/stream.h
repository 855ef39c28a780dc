// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "net/task.h"
#include "net/timeout.h"

namespace dcbot::net {

// How a connection is secured. Tls is implicit TLS (IMAPS 993, SMTPS 465); StartTls connects in
// plain text and the protocol session calls Stream::start_tls() after its STARTTLS command; Plain
// never encrypts and is meant for loopback tests only.
enum class Security { Tls, StartTls, Plain };

// TLS settings. Verification is strict by default: the peer's chain must lead to a trusted CA
// (the system store, or only `ca_file` when set) and the certificate must match `host` (a DNS
// name, or an IP address checked against the IP SANs). `verify = false` accepts any certificate
// and exists for self-signed test relays only.
struct TlsOptions {
  bool verify = true;
  // PEM file with the trusted CA certificate(s); empty means the system default paths.
  std::string ca_file;
  // Name sent as SNI and checked against the certificate; empty means the host connected to.
  std::string host;
};

inline constexpr Duration kDefaultConnectTimeout = std::chrono::seconds(30);
inline constexpr Duration kDefaultIoTimeout = std::chrono::seconds(60);

// A connected TCP byte stream, plain or TLS. It owns the socket (and its TLS state), lives on the
// executor it was connected on and is used by one coroutine at a time: at most one read and one
// write may be pending. Every read, write and handshake is bounded by io_timeout(); a timed out
// or cancelled stream should be closed and reconnected (the TLS state is then unusable).
class Stream {
 public:
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  // Resolves `host`, connects to `port` and, for Security::Tls, does the TLS handshake.
  // Errors: Errc::Timeout (the whole connect took longer than `timeout`), Errc::Io (resolve,
  // refused, TLS handshake or certificate verification failed), Errc::Config (unreadable ca_file).
  static Task<Result<Stream>> connect(boost::asio::any_io_executor executor, std::string host,
                                      std::uint16_t port, Security security, TlsOptions tls,
                                      Duration timeout = kDefaultConnectTimeout);

  // The same with default TlsOptions (strict verification against the system CAs). Not a default
  // argument: GCC 12 miscompiles class-type default arguments of coroutines (the parameter copy
  // aliases the caller's temporary).
  static Task<Result<Stream>> connect(boost::asio::any_io_executor executor, std::string host,
                                      std::uint16_t port, Security security) {
    return connect(std::move(executor), std::move(host), port, security, TlsOptions{});
  }

  // Upgrades a plain stream to TLS with the options given to connect() (RFC 3207, RFC 9051 §6.2.1).
  // The caller must have consumed everything the server sent before (no buffered plaintext).
  Task<Result<>> start_tls();

  // Reads whatever is available, at most `max_bytes` (> 0), waiting up to io_timeout() for at
  // least one byte. End of stream is Errc::Io ("connection closed").
  Task<Result<Bytes>> read_some(std::size_t max_bytes);

  // Writes all of `data`; each chunk of it gets io_timeout().
  Task<Result<>> write_all(Bytes data);

  // Closes the socket; pending operations complete with Errc::Cancelled. Idempotent.
  void close();

  [[nodiscard]] bool is_open() const;
  [[nodiscard]] bool is_tls() const;
  // The host name given to connect().
  [[nodiscard]] const std::string& host() const;
  [[nodiscard]] boost::asio::any_io_executor executor() const;

  [[nodiscard]] Duration io_timeout() const;
  // Sets the deadline of each later read, write and handshake (e.g. 29 min around IMAP IDLE).
  void set_io_timeout(Duration timeout);

 private:
  struct Impl;
  explicit Stream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcbot::net
