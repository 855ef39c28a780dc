// SPDX-License-Identifier: MIT
#include "net/stream.h"

#include <chrono>
#include <cstdint>
#include <exception>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "net/line_reader.h"
#include "net/timeout.h"

#include <unistd.h>

namespace dcbot::net {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Runs `task` (and whatever else was spawned on `io`) to completion and returns its value.
template <class T>
T run(asio::io_context& io, Task<T> task) {
  std::optional<T> out;
  // Stopping the context when the task is done abandons servers still waiting for a client.
  asio::co_spawn(io, std::move(task), [&out, &io](std::exception_ptr e, T value) {
    if (e) {
      std::rethrow_exception(e);
    }
    out.emplace(std::move(value));
    io.stop();
  });
  io.run();
  return std::move(*out);
}

tcp::acceptor listen(asio::io_context& io) {
  return tcp::acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
}

std::uint16_t port_of(const tcp::acceptor& acceptor) {
  return acceptor.local_endpoint().port();
}

// Accepts one client, sends `pieces` one write at a time (with a short pause in between, so the
// client sees them as separate reads), then keeps the connection open until the client closes.
Task<void> serve_pieces(tcp::acceptor acceptor, std::vector<std::string> pieces) {
  auto [ec, socket] = co_await acceptor.async_accept(kAwait);
  if (ec) {
    co_return;
  }
  asio::steady_timer timer(socket.get_executor());
  for (const auto& piece : pieces) {
    (void)co_await asio::async_write(socket, asio::buffer(piece), kAwait);
    timer.expires_after(milliseconds(5));
    (void)co_await timer.async_wait(kAwait);
  }
  char byte = 0;
  (void)co_await socket.async_read_some(asio::buffer(&byte, 1), kAwait);
}

Task<Result<std::vector<std::string>>> read_lines(std::uint16_t port, int count) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto stream, co_await Stream::connect(executor, "127.0.0.1", port, Security::Plain));
  LineReader reader(std::move(stream));
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    DCBOT_CO_TRY(auto line, co_await reader.read_line());
    lines.push_back(std::move(line));
  }
  reader.stream().close();
  co_return lines;
}

TEST(LineReader, SplitsCrlfAndBareLfLines) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_pieces(std::move(acceptor), {"one\r\ntwo\nthree\r\n\r\n"}),
                 asio::detached);
  auto lines = run(io, read_lines(port, 4));
  ASSERT_TRUE(lines) << lines.error().to_string();
  EXPECT_EQ(*lines, (std::vector<std::string>{"one", "two", "three", ""}));
}

TEST(LineReader, JoinsLineSplitAcrossReads) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_pieces(std::move(acceptor), {"250-hel", "lo\r", "\n250 ok\r\n"}),
                 asio::detached);
  auto lines = run(io, read_lines(port, 2));
  ASSERT_TRUE(lines) << lines.error().to_string();
  EXPECT_EQ(*lines, (std::vector<std::string>{"250-hello", "250 ok"}));
}

Task<Result<std::string>> read_line_then_literal(std::uint16_t port, std::size_t max_length) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto stream, co_await Stream::connect(executor, "127.0.0.1", port, Security::Plain));
  LineReader reader(std::move(stream));
  DCBOT_CO_TRY(auto line, co_await reader.read_line(max_length));
  DCBOT_CO_TRY(auto literal, co_await reader.read_exact(5));
  DCBOT_CO_TRY(auto rest, co_await reader.read_line(max_length));
  reader.stream().close();
  co_return line + "|" + to_string(literal) + "|" + rest;
}

TEST(LineReader, ReadsExactLiteralAfterLine) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_pieces(std::move(acceptor), {"* 1 FETCH {5}\r\nab", "c\r\n)\r\n"}),
                 asio::detached);
  auto out = run(io, read_line_then_literal(port, 100));
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, "* 1 FETCH {5}|abc\r\n|)");
}

TEST(LineReader, RejectsLineLongerThanMaximum) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io,
                 serve_pieces(std::move(acceptor), {std::string(50, 'x'), std::string(60, 'y')}),
                 asio::detached);
  auto out = run(io, read_line_then_literal(port, 100));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Protocol);
}

TEST(LineReader, AcceptsLineOfExactlyMaximumLength) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_pieces(std::move(acceptor), {std::string(10, 'x') + "\r\n12345z\n"}),
                 asio::detached);
  auto out = run(io, read_line_then_literal(port, 10));
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, std::string(10, 'x') + "|12345|z");
}

TEST(Stream, ClosedConnectionIsIoError) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  // The server accepts, sends one line and closes.
  asio::co_spawn(
      io,
      [](tcp::acceptor a) -> Task<void> {
        auto [ec, socket] = co_await a.async_accept(kAwait);
        if (!ec) {
          (void)co_await asio::async_write(socket, asio::buffer(std::string("bye\r\n")), kAwait);
        }
      }(std::move(acceptor)),
      asio::detached);
  auto out = run(io, read_lines(port, 2));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Io);
  EXPECT_NE(out.error().message.find("connection closed"), std::string::npos);
}

TEST(Stream, ConnectRefusedIsIoError) {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    auto acceptor = listen(io);
    port = port_of(acceptor);
  }
  auto out = run(io, read_lines(port, 1));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Io);
  EXPECT_NE(out.error().message.find("connect 127.0.0.1:"), std::string::npos);
}

Task<Result<std::string>> read_with_short_timeout(std::uint16_t port) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto stream, co_await Stream::connect(executor, "127.0.0.1", port, Security::Plain));
  stream.set_io_timeout(milliseconds(100));
  LineReader reader(std::move(stream));
  auto line = co_await reader.read_line();
  reader.stream().close();
  co_return line;
}

TEST(Stream, SilentServerTimesOut) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_pieces(std::move(acceptor), {}), asio::detached);
  auto start = std::chrono::steady_clock::now();
  auto out = run(io, read_with_short_timeout(port));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Timeout);
  EXPECT_EQ(out.error().message, "read: timed out after 100 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

Task<Result<int>> quick() {
  co_return 7;
}

Task<Result<int>> never_on_time() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  auto [ec] = co_await timer.async_wait(kAwait);
  if (ec) {
    co_return make_error(Errc::Cancelled, "cancelled");
  }
  co_return 1;
}

TEST(WithTimeout, PassesResultThrough) {
  asio::io_context io;
  auto out = run(io, with_timeout(quick(), milliseconds(100)));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, 7);
}

TEST(WithTimeout, CancelsSlowOperation) {
  asio::io_context io;
  auto out = run(io, with_timeout(never_on_time(), milliseconds(20)));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Timeout);
}

// A self-signed certificate for 127.0.0.1 and localhost, like the test relay's.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

const TestCert& test_cert() {
  static const TestCert cert = [] {
    TestCert out;
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* x509 = X509_new();
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x509), 86400);
    X509_set_pubkey(x509, key);
    X509_NAME* name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("dcbot test"), -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    X509_add_ext(x509, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x509, key, EVP_sha256());
    BIO* cert_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cert_bio, x509);
    out.cert_pem = bio_string(cert_bio);
    BIO* key_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = bio_string(key_bio);
    BIO_free(cert_bio);
    BIO_free(key_bio);
    X509_free(x509);
    EVP_PKEY_free(key);
    // One file per process: ctest runs the cases as parallel processes, each with its own key.
    out.cert_file =
        std::string(DCBOT_BINARY_DIR) + "/net_test_cert." + std::to_string(::getpid()) + ".pem";
    std::ofstream(out.cert_file) << out.cert_pem;
    return out;
  }();
  return cert;
}

// A TLS server: optionally greets in plain text first (STARTTLS style), then handshakes, sends
// one line and waits for the client to close.
Task<void> serve_tls(tcp::acceptor acceptor, bool greet_plain) {
  ssl::context context(ssl::context::tls_server);
  const auto& cert = test_cert();
  context.use_certificate_chain(asio::buffer(cert.cert_pem));
  context.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  auto [ec, socket] = co_await acceptor.async_accept(kAwait);
  if (ec) {
    co_return;
  }
  if (greet_plain) {
    (void)co_await asio::async_write(socket, asio::buffer(std::string("ready\r\n")), kAwait);
  }
  ssl::stream<tcp::socket> tls(std::move(socket), context);
  auto [hs] = co_await tls.async_handshake(ssl::stream_base::server, kAwait);
  if (hs) {
    co_return;
  }
  (void)co_await asio::async_write(tls, asio::buffer(std::string("secret\r\n")), kAwait);
  char byte = 0;
  (void)co_await tls.async_read_some(asio::buffer(&byte, 1), kAwait);
}

Task<Result<std::string>> tls_client(std::uint16_t port, Security security, TlsOptions options) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto stream,
               co_await Stream::connect(executor, "127.0.0.1", port, security, options));
  LineReader reader(std::move(stream));
  std::string seen;
  if (security == Security::StartTls) {
    DCBOT_CO_TRY(auto greeting, co_await reader.read_line());
    seen = greeting + "|";
    DCBOT_CO_TRY(co_await reader.start_tls());
  }
  bool tls = reader.stream().is_tls();
  DCBOT_CO_TRY(auto line, co_await reader.read_line());
  reader.stream().close();
  co_return seen + line + (tls ? " (tls)" : " (plain)");
}

Result<std::string> tls_exchange(Security security, TlsOptions options) {
  asio::io_context io;
  auto acceptor = listen(io);
  auto port = port_of(acceptor);
  asio::co_spawn(io, serve_tls(std::move(acceptor), security == Security::StartTls),
                 asio::detached);
  return run(io, tls_client(port, security, std::move(options)));
}

TEST(Stream, TlsVerifiedAgainstCaFile) {
  auto out =
      tls_exchange(Security::Tls, {.verify = true, .ca_file = test_cert().cert_file, .host = ""});
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, "secret (tls)");
}

TEST(Stream, TlsVerifiesDnsNameFromOptions) {
  auto out = tls_exchange(Security::Tls,
                          {.verify = true, .ca_file = test_cert().cert_file, .host = "localhost"});
  ASSERT_TRUE(out) << out.error().to_string();
}

TEST(Stream, TlsRejectsHostMismatch) {
  auto out =
      tls_exchange(Security::Tls,
                   {.verify = true, .ca_file = test_cert().cert_file, .host = "relay.example.org"});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Io);
  EXPECT_NE(out.error().message.find("hostname mismatch"), std::string::npos)
      << out.error().message;
}

TEST(Stream, TlsRejectsUntrustedCertificateByDefault) {
  auto out = tls_exchange(Security::Tls, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Io);
  EXPECT_NE(out.error().message.find("certificate"), std::string::npos) << out.error().message;
}

TEST(Stream, TlsWithoutVerificationAcceptsSelfSigned) {
  auto out = tls_exchange(Security::Tls, {.verify = false, .ca_file = "", .host = ""});
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, "secret (tls)");
}

TEST(Stream, StartTlsUpgradesPlainConnection) {
  auto out = tls_exchange(Security::StartTls,
                          {.verify = true, .ca_file = test_cert().cert_file, .host = ""});
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, "ready|secret (tls)");
}

TEST(Stream, MissingCaFileIsConfigError) {
  auto out =
      tls_exchange(Security::Tls, {.verify = true, .ca_file = "/nonexistent/ca.pem", .host = ""});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::Config);
}

}  // namespace
}  // namespace dcbot::net
