// SPDX-License-Identifier: MIT
// The SMTP session against the local test relay (real postfix + dovecot, scripts/relay): implicit
// TLS and STARTTLS with the relay's certificate verified, without verification, a wrong password,
// the plain relay port and a 20 MB message. Arrival is checked in the recipient's maildir.
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "smtp/session.h"

#include "support/relay_env.h"

namespace dcbot::smtp {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using testsupport::RelayEnv;

template <class T>
T run(Task<T> task) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, std::move(task), [&out](std::exception_ptr e, T value) {
    if (e) {
      std::rethrow_exception(e);
    }
    out.emplace(std::move(value));
  });
  io.run();
  return std::move(*out);
}

const RelayEnv& relay() {
  static const RelayEnv env = RelayEnv::from_environment().value();
  return env;
}

std::string message_for(const std::string& from, const std::string& to, const std::string& token,
                        std::size_t body_bytes = 0) {
  std::string m = "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: dcbot smtp test\r\n"
                  + "Message-ID: <" + token + "@dcbot.test>\r\nMIME-Version: 1.0\r\n"
                  + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + token + "\r\n"
                  + ".a line starting with a dot\nbare lf line\n";
  // Filler lines of 76 characters, like base64 attachment data.
  const std::string line = std::string(76, 'A') + "\r\n";
  while (m.size() < body_bytes) {
    m += line;
  }
  return m;
}

// Waits up to 30 s for a mail containing `token` in `address`'s maildir; returns its content.
std::optional<std::string> wait_for_mail(const std::string& address, const std::string& token) {
  std::string lower = address;
  for (auto& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const fs::path maildir = fs::path(relay().maildir_root) / lower / "Maildir";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const char* sub : {"new", "cur"}) {
      std::error_code ec;
      for (fs::directory_iterator it(maildir / sub, ec), end; !ec && it != end; it.increment(ec)) {
        std::ifstream in(it->path(), std::ios::binary);
        std::stringstream content;
        content << in.rdbuf();
        if (content.str().find(token) != std::string::npos) {
          return content.str();
        }
      }
    }
    // Delivery (postfix -> LMTP -> maildir) is asynchronous: poll the file system.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::string unique_token(const char* what) {
  return std::string(what) + "-"
         + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

Options options_for(std::uint16_t port, net::Security security, bool verify) {
  Options options;
  options.host = relay().host;
  options.port = port;
  options.security = security;
  options.tls.verify = verify;
  if (verify) {
    options.tls.ca_file = relay().ca_cert;
  }
  options.timeout = std::chrono::seconds(30);
  return options;
}

struct Sent {
  Result<SendReport> report = make_error(Errc::Internal, "not run");
  bool tls = false;
  std::optional<Failure> failure;
};

Task<Sent> send_one(Options options, std::string user, std::string password, std::string from,
                    std::vector<std::string> to, std::string message) {
  Sent out;
  auto executor = co_await asio::this_coro::executor;
  auto session = co_await Session::connect(executor, std::move(options));
  if (!session) {
    out.report = session.error();
    co_return out;
  }
  out.tls = session->is_tls();
  if (!user.empty()) {
    auto login = co_await session->login(std::move(user), std::move(password));
    if (!login) {
      out.report = login.error();
      out.failure = session->last_failure();
      co_return out;
    }
  }
  out.report = co_await session->send(std::move(from), std::move(to), to_bytes(message));
  out.failure = session->last_failure();
  auto quit = co_await session->quit();
  if (out.report && !quit) {
    out.report = quit.error();
  }
  co_return out;
}

void send_and_check(net::Security security, std::uint16_t port, bool verify, const char* what) {
  const auto& env = relay();
  const std::string from = env.fresh_address("sender");
  const std::string to = env.fresh_address("rcpt");
  const std::string token = unique_token(what);
  auto sent = run(send_one(options_for(port, security, verify), from, env.password, from, {to},
                           message_for(from, to, token)));
  ASSERT_TRUE(sent.report) << sent.report.error().to_string();
  EXPECT_TRUE(sent.tls);
  EXPECT_EQ(sent.report->accepted, std::vector<std::string>{to});
  auto mail = wait_for_mail(to, token);
  ASSERT_TRUE(mail) << "no mail with " << token << " for " << to;
  // Dot-stuffing was undone by the server and bare LFs arrived as line ends.
  EXPECT_NE(mail->find("\n.a line starting with a dot"), std::string::npos);
  EXPECT_NE(mail->find("bare lf line"), std::string::npos);
}

TEST(SmtpRelay, SendsOverImplicitTlsWithVerifiedCertificate) {
  send_and_check(net::Security::Tls, relay().smtps_port, true, "smtps");
}

TEST(SmtpRelay, SendsOverStartTlsWithVerifiedCertificate) {
  send_and_check(net::Security::StartTls, relay().submission_port, true, "starttls");
}

TEST(SmtpRelay, SendsOverImplicitTlsWithoutVerification) {
  send_and_check(net::Security::Tls, relay().smtps_port, false, "noverify");
}

TEST(SmtpRelay, RefusesRelayCertificateWithoutItsCa) {
  auto options = options_for(relay().smtps_port, net::Security::Tls, true);
  options.tls.ca_file.clear();  // system CAs only: the relay's self-signed cert is not trusted
  const auto& env = relay();
  auto sent = run(send_one(options, "", "", env.fresh_address("s"), {env.fresh_address("r")}, "x"));
  ASSERT_FALSE(sent.report);
  EXPECT_EQ(sent.report.error().code, Errc::Io);
  EXPECT_NE(sent.report.error().message.find("certificate"), std::string::npos)
      << sent.report.error().message;
}

TEST(SmtpRelay, WrongPasswordIsAuthErrorWithServerText) {
  const auto& env = relay();
  const std::string from = env.fresh_address("wrongpw");
  auto sent = run(send_one(options_for(env.smtps_port, net::Security::Tls, true), from,
                           "not-the-password", from, {env.fresh_address("r")}, "x"));
  ASSERT_FALSE(sent.report);
  EXPECT_EQ(sent.report.error().code, Errc::Auth) << sent.report.error().to_string();
  ASSERT_TRUE(sent.failure);
  EXPECT_EQ(sent.failure->reply.code / 100, 5);
  EXPECT_NE(sent.report.error().message.find(sent.failure->reply.lines.front()), std::string::npos);
}

TEST(SmtpRelay, SendsWithoutAuthOnPlainRelayPort) {
  const auto& env = relay();
  const std::string from = env.fresh_address("plain");
  const std::string to = env.fresh_address("rcpt");
  const std::string token = unique_token("plain");
  auto sent = run(send_one(options_for(env.smtp_port, net::Security::Plain, false), "", "", from,
                           {to}, message_for(from, to, token)));
  ASSERT_TRUE(sent.report) << sent.report.error().to_string();
  EXPECT_FALSE(sent.tls);
  EXPECT_TRUE(wait_for_mail(to, token));
}

TEST(SmtpRelay, SendsTwentyMegabyteMessage) {
  const auto& env = relay();
  const std::string from = env.fresh_address("big");
  const std::string to = env.fresh_address("rcpt");
  const std::string token = unique_token("big");
  const std::size_t size = 20 * 1024 * 1024;
  auto sent = run(send_one(options_for(env.smtps_port, net::Security::Tls, true), from,
                           env.password, from, {to}, message_for(from, to, token, size)));
  ASSERT_TRUE(sent.report) << sent.report.error().to_string();
  auto mail = wait_for_mail(to, token);
  ASSERT_TRUE(mail);
  // The maildir stores LF line ends, so the file is a little smaller than what went on the wire.
  EXPECT_GT(mail->size(), 20'000'000u);
}

TEST(SmtpRelay, ReportsRefusedRecipientAlongsideAcceptedOne) {
  const auto& env = relay();
  const std::string from = env.fresh_address("mixed");
  const std::string to = env.fresh_address("rcpt");
  const std::string token = unique_token("mixed");
  // Without AUTH the relay port refuses foreign domains (reject_unauth_destination).
  auto sent = run(send_one(options_for(env.smtp_port, net::Security::Plain, false), "", "", from,
                           {"nobody@unknown-domain.invalid", to}, message_for(from, to, token)));
  ASSERT_TRUE(sent.report) << sent.report.error().to_string();
  EXPECT_EQ(sent.report->accepted, std::vector<std::string>{to});
  ASSERT_EQ(sent.report->rejected.size(), 1u);
  EXPECT_EQ(sent.report->rejected[0].address, "nobody@unknown-domain.invalid");
  EXPECT_EQ(sent.report->rejected[0].reply.disposition(), Disposition::Permanent)
      << sent.report->rejected[0].reply.summary();
  EXPECT_TRUE(wait_for_mail(to, token));
}

}  // namespace
}  // namespace dcbot::smtp
