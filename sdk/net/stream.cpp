// SPDX-License-Identifier: MIT
#include "net/stream.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/error.h"

namespace dcbot::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);
// Large writes are cut into chunks so that each gets its own deadline.
constexpr std::size_t kWriteChunk = std::size_t{64} * 1024;

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct Stream::Impl {
  explicit Impl(const asio::any_io_executor& executor)
      : context(ssl::context::tls_client), tls(executor, context) {}

  ssl::context context;
  ssl::stream<tcp::socket> tls;
  bool is_tls = false;
  std::string host;
  TlsOptions options;
  Duration io_timeout = kDefaultIoTimeout;

  tcp::socket& socket() { return tls.next_layer(); }
};

namespace {

Task<Result<tcp::resolver::results_type>> resolve(asio::any_io_executor executor, std::string host,
                                                  std::string port) {
  tcp::resolver resolver(executor);
  auto [ec, results] = co_await resolver.async_resolve(host, port, kUseAwaitable);
  if (ec) {
    co_return to_error(ec, "resolve " + host);
  }
  co_return results;
}

Task<Result<>> connect_socket(tcp::socket* socket, tcp::resolver::results_type endpoints) {
  auto [ec, endpoint] = co_await asio::async_connect(*socket, endpoints, kUseAwaitable);
  if (ec) {
    co_return to_error(ec, "connect");
  }
  (void)endpoint;
  boost::system::error_code ignored;
  socket->set_option(tcp::no_delay(true), ignored);
  co_return Result<>{};
}

Task<Result<>> handshake(ssl::stream<tcp::socket>* tls) {
  auto [ec] = co_await tls->async_handshake(ssl::stream_base::client, kUseAwaitable);
  if (ec) {
    Error error = to_error(ec, "tls handshake");
    // Name the certificate problem, which OpenSSL's error string only hints at.
    long verify = SSL_get_verify_result(tls->native_handle());
    if (verify != X509_V_OK) {
      error.message += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    co_return error;
  }
  co_return Result<>{};
}

Task<Result<Bytes>> read_once(ssl::stream<tcp::socket>* tls, bool is_tls, std::size_t max_bytes) {
  Bytes data(max_bytes);
  auto [ec, n] =
      is_tls ? co_await tls->async_read_some(asio::buffer(data), kUseAwaitable)
             : co_await tls->next_layer().async_read_some(asio::buffer(data), kUseAwaitable);
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    co_return make_error(Errc::Io, "read: connection closed");
  }
  if (ec) {
    co_return to_error(ec, "read");
  }
  data.resize(n);
  co_return data;
}

Task<Result<>> write_once(ssl::stream<tcp::socket>* tls, bool is_tls, const std::uint8_t* data,
                          std::size_t size) {
  auto buffer = asio::buffer(data, size);
  auto [ec, n] = is_tls ? co_await asio::async_write(*tls, buffer, kUseAwaitable)
                        : co_await asio::async_write(tls->next_layer(), buffer, kUseAwaitable);
  if (ec) {
    co_return to_error(ec, "write");
  }
  (void)n;
  co_return Result<>{};
}

// with_timeout() doesn't know what it timed out; the operations' own errors already say it.
Error name_timeout(const Error& error, std::string_view what) {
  return error.code == Errc::Timeout || error.code == Errc::Cancelled ? error.with_context(what)
                                                                      : error;
}

Result<> configure_context(ssl::context& context, const TlsOptions& options) {
  // Chatmail relays require TLS 1.3 on submission; nothing older than 1.2 is acceptable anywhere.
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!options.verify) {
    context.set_verify_mode(ssl::verify_none, ec);
    return Result<>{};
  }
  if (options.ca_file.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    context.load_verify_file(options.ca_file, ec);
  }
  if (ec) {
    return make_error(Errc::Config,
                      "tls: cannot load ca file '" + options.ca_file + "': " + ec.message());
  }
  context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) {
    return to_error(ec, "tls: set verify mode");
  }
  return Result<>{};
}

}  // namespace

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Stream::Stream(Stream&&) noexcept = default;

Stream& Stream::operator=(Stream&&) noexcept = default;

Stream::~Stream() = default;

Task<Result<Stream>> Stream::connect(asio::any_io_executor executor, std::string host,
                                     std::uint16_t port, Security security, TlsOptions tls,
                                     Duration timeout) {
  auto impl = std::make_unique<Impl>(executor);
  impl->host = host;
  impl->options = std::move(tls);
  if (security != Security::Plain) {
    DCBOT_CO_TRY(configure_context(impl->context, impl->options));
  }
  const std::string where = host + ":" + std::to_string(port);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto endpoints = co_await with_timeout(resolve(executor, host, std::to_string(port)), timeout);
  if (!endpoints) {
    co_return endpoints.error().with_context("connect " + where);
  }
  auto left = std::max<Duration>(deadline - std::chrono::steady_clock::now(), Duration::zero());
  auto connected = co_await with_timeout(connect_socket(&impl->socket(), *endpoints), left);
  if (!connected) {
    co_return connected.error().with_context("connect " + where);
  }
  Stream stream(std::move(impl));
  if (security == Security::Tls) {
    auto tls_done = co_await stream.start_tls();
    if (!tls_done) {
      co_return tls_done.error().with_context("connect " + where);
    }
  }
  co_return std::move(stream);
}

Task<Result<>> Stream::start_tls() {
  if (impl_->is_tls) {
    co_return make_error(Errc::Protocol, "tls: stream is already encrypted");
  }
  SSL* ssl = impl_->tls.native_handle();
  const std::string& name = impl_->options.host.empty() ? impl_->host : impl_->options.host;
  const bool ip = is_ip_address(name);
  // RFC 6066 §3: SNI carries DNS names only, never literal IP addresses.
  // SSL_set_tlsext_host_name() is a macro with an old-style cast; this is its expansion.
  if (!ip
      && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(name.c_str()))
             != 1) {
    co_return make_error(Errc::Io, "tls: cannot set sni '" + name + "'");
  }
  // The SSL object copied the context's verify mode when it was created, before
  // configure_context() ran: set it on the connection itself.
  boost::system::error_code ec;
  impl_->tls.set_verify_mode(impl_->options.verify
                                 ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                 : ssl::verify_none,
                             ec);
  if (ec) {
    co_return to_error(ec, "tls: set verify mode");
  }
  if (impl_->options.verify) {
    // RFC 6125 host name check (or RFC 5280 IP SAN match) done by OpenSSL during verification.
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str())
                : SSL_set1_host(ssl, name.c_str());
    if (ok != 1) {
      co_return make_error(Errc::Io, "tls: cannot set expected host '" + name + "'");
    }
  }
  auto done = co_await with_timeout(handshake(&impl_->tls), impl_->io_timeout);
  if (!done) {
    co_return name_timeout(done.error(), "tls handshake");
  }
  impl_->is_tls = true;
  co_return Result<>{};
}

Task<Result<Bytes>> Stream::read_some(std::size_t max_bytes) {
  DCBOT_CHECK(max_bytes > 0, "read_some needs room");
  auto data =
      co_await with_timeout(read_once(&impl_->tls, impl_->is_tls, max_bytes), impl_->io_timeout);
  if (!data) {
    co_return name_timeout(data.error(), "read");
  }
  co_return data;
}

Task<Result<>> Stream::write_all(Bytes data) {
  for (std::size_t offset = 0; offset < data.size(); offset += kWriteChunk) {
    std::size_t size = std::min(kWriteChunk, data.size() - offset);
    auto done = co_await with_timeout(
        write_once(&impl_->tls, impl_->is_tls, data.data() + offset, size), impl_->io_timeout);
    if (!done) {
      co_return name_timeout(done.error(), "write");
    }
  }
  co_return Result<>{};
}

void Stream::close() {
  if (!impl_) {
    return;
  }
  boost::system::error_code ignored;
  impl_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket().close(ignored);
}

bool Stream::is_open() const {
  return impl_ && impl_->tls.next_layer().is_open();
}

bool Stream::is_tls() const {
  return impl_ && impl_->is_tls;
}

const std::string& Stream::host() const {
  return impl_->host;
}

asio::any_io_executor Stream::executor() const {
  return impl_->tls.get_executor();
}

Duration Stream::io_timeout() const {
  return impl_->io_timeout;
}

void Stream::set_io_timeout(Duration timeout) {
  impl_->io_timeout = timeout;
}

}  // namespace dcbot::net
