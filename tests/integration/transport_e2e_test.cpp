// SPDX-License-Identifier: MIT
// The transport end to end on the local test relay (real postfix + dovecot, scripts/relay): a mail
// sent by our smtp::Session (authenticated submission) arrives through our imap::Session, woken by
// IDLE and read with fetch_since(), in both TLS modes (implicit TLS on both protocols, STARTTLS on
// both), with the relay's certificate verified against its CA. Also: a 20 MB attachment arrives
// byte-identical (one IMAP literal of 27+ MB), a wrong password is Errc::Auth on both protocols and
// the relay's certificate is refused by both when its CA is not trusted.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/encoding.h"
#include "imap/session.h"
#include "smtp/session.h"

#include "support/relay_env.h"

namespace dcbot {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;
using testsupport::RelayEnv;
using Clock = std::chrono::steady_clock;

// How long a sent mail may take to show up in the recipient's IMAP session.
constexpr auto kArrivalDeadline = seconds(90);

const RelayEnv& relay() {
  static const RelayEnv env = RelayEnv::from_environment().value();
  return env;
}

// Stores the coroutine's result: co_spawn's completion handler needs default-constructible values.
template <class T>
Task<void> store_into(Task<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

// Runs one coroutine to completion on its own io_context and returns its value; rethrows what it
// threw.
template <class T>
T run(Task<T> task) {
  asio::io_context io;
  std::optional<T> out;
  std::exception_ptr error;
  asio::co_spawn(io, store_into(std::move(task), &out),
                 [&error](std::exception_ptr e) { error = std::move(e); });
  io.run();
  if (error) {
    std::rethrow_exception(error);
  }
  return std::move(*out);
}

smtp::Options smtp_options(net::Security security) {
  smtp::Options o;
  o.host = relay().host;
  o.port = security == net::Security::Tls ? relay().smtps_port : relay().submission_port;
  o.security = security;
  o.tls.verify = true;
  o.tls.ca_file = relay().ca_cert;
  o.timeout = seconds(30);
  o.data_timeout = seconds(180);
  return o;
}

imap::SessionOptions imap_options(net::Security security) {
  imap::SessionOptions o;
  o.host = relay().host;
  o.port = security == net::Security::Tls ? relay().imaps_port : relay().imap_port;
  o.security = security;
  o.tls.verify = true;
  o.tls.ca_file = relay().ca_cert;
  o.connect_timeout = seconds(20);
  o.io_timeout = seconds(60);
  return o;
}

bool contains(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); })
         != haystack.end();
}

bool ends_with(const Bytes& raw, const std::string& tail) {
  return raw.size() >= tail.size()
         && std::equal(tail.begin(), tail.end(),
                       raw.end() - static_cast<std::ptrdiff_t>(tail.size()),
                       [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

// A complete header block (Date and Message-ID included, so postfix adds nothing below the
// Received lines it prepends) with CRLF line ends throughout, so the stored message ends with
// exactly these bytes.
std::string headers_for(const std::string& from, const std::string& to, const std::string& token) {
  return "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: dcbot transport e2e " + token
         + "\r\nDate: Mon, 23 Nov 2026 03:00:00 +0000\r\nMessage-ID: <" + token
         + "@dcbot.test>\r\nMIME-Version: 1.0\r\n";
}

std::string text_mail(const std::string& from, const std::string& to, const std::string& token) {
  return headers_for(from, to, token) + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + token
         + "\r\n.a line starting with a dot\r\n..two dots\r\n.\r\nlast line\r\n";
}

std::string unique_token(const char* what) {
  return std::string(what) + "-" + std::to_string(Clock::now().time_since_epoch().count());
}

// What the sending side saw.
struct Sent {
  smtp::SendReport report;
  bool tls = false;
};

// Connects, logs in as `from`, sends `message` to `to` and quits. Throws dcbot::Exception on any
// error, so that the awaitable operator `&&` in deliver() cancels the waiting receiver at once.
Task<Sent> send_mail(net::Security security, std::string from, std::string to, Bytes message) {
  auto executor = co_await asio::this_coro::executor;
  auto session = co_await smtp::Session::connect(executor, smtp_options(security));
  if (!session) {
    throw Exception(session.error().with_context("e2e: smtp connect"));
  }
  Sent out;
  out.tls = session->is_tls();
  auto login = co_await session->login(from, relay().password);
  if (!login) {
    throw Exception(login.error().with_context("e2e: smtp login"));
  }
  // Not a braced list in the call: GCC 12 rejects an initializer_list inside a co_await
  // expression ("array used as initializer").
  std::vector<std::string> recipients;
  recipients.push_back(std::move(to));
  auto report = co_await session->send(std::move(from), std::move(recipients), std::move(message));
  if (!report) {
    throw Exception(report.error().with_context("e2e: smtp send"));
  }
  out.report = std::move(*report);
  auto quit = co_await session->quit();
  if (!quit) {
    throw Exception(quit.error().with_context("e2e: smtp quit"));
  }
  co_return out;
}

// What the receiving side saw.
struct Received {
  imap::FetchedMail mail;
  // How often idle() returned NewMail before the mail was fetched.
  int new_mail_wakeups = 0;
};

// IDLEs on the selected mailbox and fetches whatever IDLE announces until a mail containing
// `token` arrives or `deadline` passes (Errc::Timeout).
Task<Received> wait_for_mail(imap::Session* session, std::string token,
                             Clock::time_point deadline) {
  Received out;
  while (true) {
    const auto now = Clock::now();
    if (now >= deadline) {
      throw Exception(make_error(Errc::Timeout, "e2e: no mail with " + token + " arrived"));
    }
    auto woke = co_await session->idle(deadline - now);
    if (!woke) {
      throw Exception(woke.error().with_context("e2e: imap idle"));
    }
    if (*woke == imap::IdleResult::Timeout) {
      continue;  // the loop's deadline check ends it
    }
    ++out.new_mail_wakeups;
    // Loop over batches: fetch_since() returns at most 64 mails per call.
    while (true) {
      auto mails = co_await session->fetch_since(session->last_seen_uid());
      if (!mails) {
        throw Exception(mails.error().with_context("e2e: imap fetch"));
      }
      if (mails->empty()) {
        break;
      }
      for (auto& mail : *mails) {
        if (contains(mail.raw, token)) {
          out.mail = std::move(mail);
          co_return out;
        }
      }
    }
  }
}

struct Delivery {
  Sent sent;
  Received received;
  bool inbox_was_empty = false;
};

// Opens `to`'s INBOX over IMAP (security `imap_security`) and fetches it empty, then, at the same
// time, IDLEs there and sends `message` from `from` over SMTP (security `smtp_security`). Returns
// when the mail containing `token` was fetched.
Task<Delivery> deliver(net::Security smtp_security, net::Security imap_security, std::string from,
                       std::string to, std::string token, Bytes message) {
  using namespace asio::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
  auto executor = co_await asio::this_coro::executor;
  auto session = co_await imap::Session::connect(executor, imap_options(imap_security));
  if (!session) {
    throw Exception(session.error().with_context("e2e: imap connect"));
  }
  auto login = co_await session->login(to, relay().password);
  if (!login) {
    throw Exception(login.error().with_context("e2e: imap login"));
  }
  auto box = co_await session->select("INBOX");
  if (!box) {
    throw Exception(box.error().with_context("e2e: imap select"));
  }
  auto before = co_await session->fetch_since(0);
  if (!before) {
    throw Exception(before.error().with_context("e2e: imap fetch"));
  }
  Delivery out;
  out.inbox_was_empty = before->empty();
  imap::Session* receiver = &*session;
  auto [sent, received] =
      co_await (send_mail(smtp_security, std::move(from), to, std::move(message))
                && wait_for_mail(receiver, std::move(token), Clock::now() + kArrivalDeadline));
  out.sent = std::move(sent);
  out.received = std::move(received);
  auto logout = co_await session->logout();
  if (!logout) {
    throw Exception(logout.error().with_context("e2e: imap logout"));
  }
  co_return out;
}

struct Mode {
  const char* name;
  net::Security security;
};

// Names the parameter in gtest's (and so ctest's) test names instead of its bytes.
void PrintTo(const Mode& mode, std::ostream* os) {
  *os << mode.name;
}

class TransportE2e : public ::testing::TestWithParam<Mode> {};

TEST_P(TransportE2e, MailSentBySmtpArrivesThroughImapIdle) {
  const auto security = GetParam().security;
  const std::string from = relay().fresh_address("e2efrom");
  const std::string to = relay().fresh_address("e2eto");
  const std::string token = unique_token(GetParam().name);
  const std::string message = text_mail(from, to, token);

  Delivery d = run(deliver(security, security, from, to, token, to_bytes(message)));

  EXPECT_TRUE(d.inbox_was_empty);
  EXPECT_TRUE(d.sent.tls);
  EXPECT_EQ(d.sent.report.accepted, std::vector<std::string>{to});
  EXPECT_TRUE(d.sent.report.rejected.empty());
  EXPECT_EQ(d.sent.report.reply.code, 250) << d.sent.report.reply.summary();
  // IDLE announced the mail (the receiver only fetches after idle() returned NewMail).
  EXPECT_GE(d.received.new_mail_wakeups, 1);
  EXPECT_GT(d.received.mail.uid, 0U);
  // The relay only prepends its trace headers: our message (dot-stuffed on the wire, unstuffed
  // by the server) is the exact tail of what IMAP returns.
  EXPECT_TRUE(ends_with(d.received.mail.raw, message)) << "fetched:\n"
                                                       << to_string(d.received.mail.raw);
}

// Both sessions refuse the relay's self-signed certificate when only the system CAs are trusted:
// the passing cases above really verified it against the relay's CA.
TEST_P(TransportE2e, RelayCertificateIsRefusedWithoutItsCa) {
  const auto security = GetParam().security;
  auto smtp_o = smtp_options(security);
  smtp_o.tls.ca_file.clear();
  auto imap_o = imap_options(security);
  imap_o.tls.ca_file.clear();
  auto [smtp_r, imap_r] = run(
      [](smtp::Options s,
         imap::SessionOptions i) -> Task<std::tuple<Result<smtp::Session>, Result<imap::Session>>> {
        auto executor = co_await asio::this_coro::executor;
        auto smtp_session = co_await smtp::Session::connect(executor, std::move(s));
        auto imap_session = co_await imap::Session::connect(executor, std::move(i));
        co_return std::make_tuple(std::move(smtp_session), std::move(imap_session));
      }(smtp_o, imap_o));
  ASSERT_FALSE(smtp_r.has_value());
  EXPECT_EQ(smtp_r.error().code, Errc::Io) << smtp_r.error().to_string();
  EXPECT_NE(smtp_r.error().message.find("certificate"), std::string::npos)
      << smtp_r.error().to_string();
  ASSERT_FALSE(imap_r.has_value());
  EXPECT_EQ(imap_r.error().code, Errc::Io) << imap_r.error().to_string();
  EXPECT_NE(imap_r.error().message.find("certificate"), std::string::npos)
      << imap_r.error().to_string();
}

TEST_P(TransportE2e, WrongPasswordIsAuthErrorOnBothProtocols) {
  const auto security = GetParam().security;
  const std::string user = relay().fresh_address("e2ewrongpw");
  auto [smtp_r, imap_r] =
      run([](net::Security sec, std::string u) -> Task<std::tuple<Result<>, Result<>>> {
        auto executor = co_await asio::this_coro::executor;
        auto smtp_session = co_await smtp::Session::connect(executor, smtp_options(sec));
        if (!smtp_session) {
          co_return std::make_tuple(Result<>(smtp_session.error()),
                                    Result<>(make_error(Errc::Internal, "imap not tried")));
        }
        auto smtp_login = co_await smtp_session->login(u, "not-the-password");
        auto imap_session = co_await imap::Session::connect(executor, imap_options(sec));
        if (!imap_session) {
          co_return std::make_tuple(std::move(smtp_login), Result<>(imap_session.error()));
        }
        auto imap_login = co_await imap_session->login(u, "not-the-password");
        co_return std::make_tuple(std::move(smtp_login), std::move(imap_login));
      }(security, user));
  ASSERT_FALSE(smtp_r.has_value());
  EXPECT_EQ(smtp_r.error().code, Errc::Auth) << smtp_r.error().to_string();
  ASSERT_FALSE(imap_r.has_value());
  EXPECT_EQ(imap_r.error().code, Errc::Auth) << imap_r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(Modes, TransportE2e,
                         ::testing::Values(Mode{"ImplicitTls", net::Security::Tls},
                                           Mode{"StartTls", net::Security::StartTls}),
                         [](const ::testing::TestParamInfo<Mode>& param_info) {
                           return param_info.param.name;
                         });

// 20 MiB of random bytes as a base64 attachment: one IMAP literal of about 28 MB.
TEST(TransportE2eLarge, TwentyMegabyteAttachmentArrivesByteIdentical) {
  const std::string from = relay().fresh_address("e2ebigfrom");
  const std::string to = relay().fresh_address("e2ebigto");
  const std::string token = unique_token("big");

  Bytes attachment(std::size_t{20} << 20);
  std::mt19937_64 rng{std::random_device{}()};
  for (std::size_t i = 0; i < attachment.size(); i += 8) {
    auto word = rng();
    for (std::size_t j = 0; j < 8; ++j) {
      attachment[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
  }
  const std::string encoded = base64_encode(attachment);
  std::string wrapped;
  wrapped.reserve(encoded.size() + encoded.size() / 38 + 2);
  for (std::size_t pos = 0; pos < encoded.size(); pos += 76) {
    wrapped.append(encoded, pos, 76);
    wrapped += "\r\n";
  }
  const std::string boundary = "e2e-boundary-" + token;
  const std::string message = headers_for(from, to, token)
                              + "Content-Type: multipart/mixed; boundary=\"" + boundary
                              + "\"\r\n\r\n--" + boundary
                              + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + token
                              + "\r\n--" + boundary
                              + "\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Disposition: attachment; filename=\"random.bin\"\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n"
                              + wrapped + "--" + boundary + "--\r\n";

  Delivery d =
      run(deliver(net::Security::Tls, net::Security::Tls, from, to, token, to_bytes(message)));

  EXPECT_TRUE(d.sent.tls);
  EXPECT_EQ(d.sent.report.accepted, std::vector<std::string>{to});
  const Bytes& raw = d.received.mail.raw;
  ASSERT_GT(raw.size(), message.size());
  EXPECT_TRUE(ends_with(raw, message))
      << "fetched " << raw.size() << " bytes, sent " << message.size();
  // The attachment, cut out of what IMAP returned and decoded, is the original bytes.
  const std::string text = to_string(raw);
  const std::string part_start = "Content-Transfer-Encoding: base64\r\n\r\n";
  const auto begin = text.find(part_start);
  ASSERT_NE(begin, std::string::npos);
  const auto body = begin + part_start.size();
  const auto end = text.find("--" + boundary + "--", body);
  ASSERT_NE(end, std::string::npos);
  auto decoded = base64_decode(std::string_view(text).substr(body, end - body));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
  ASSERT_EQ(decoded->size(), attachment.size());
  EXPECT_TRUE(*decoded == attachment);
}

}  // namespace
}  // namespace dcbot
