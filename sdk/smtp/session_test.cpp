// SPDX-License-Identifier: MIT
#include "smtp/session.h"

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::smtp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// One exchange of the fake server: the line it expects from the client (a prefix; "<body>" reads
// a DATA body up to the lone dot) and what it answers. The first step's `expect` is empty: the
// greeting.
struct Step {
  std::string expect;
  std::string answer;
};

struct Transcript {
  std::vector<std::string> received;  // client lines (a DATA body as one string)
  std::string mismatch;               // the first unexpected client line, if any
};

Task<void> fake_server(tcp::acceptor acceptor, std::vector<Step> script,
                       std::shared_ptr<Transcript> transcript) {
  auto [ec, socket] = co_await acceptor.async_accept(kAwait);
  if (ec) {
    co_return;
  }
  std::string buffer;
  auto read_line = [](tcp::socket* s, std::string* buf) -> Task<std::optional<std::string>> {
    auto [err, n] = co_await asio::async_read_until(*s, asio::dynamic_buffer(*buf), "\r\n", kAwait);
    if (err) {
      co_return std::nullopt;
    }
    std::string line = buf->substr(0, n - 2);
    buf->erase(0, n);
    co_return line;
  };
  for (const auto& step : script) {
    if (!step.expect.empty()) {
      std::string got;
      if (step.expect == "<body>") {
        for (;;) {
          auto line = co_await read_line(&socket, &buffer);
          if (!line || *line == ".") {
            break;
          }
          got += *line + "\r\n";
        }
      } else {
        auto line = co_await read_line(&socket, &buffer);
        if (!line) {
          co_return;
        }
        got = *line;
        if (got.rfind(step.expect, 0) != 0 && transcript->mismatch.empty()) {
          transcript->mismatch = got + " (expected " + step.expect + ")";
        }
      }
      transcript->received.push_back(got);
    }
    (void)co_await asio::async_write(socket, asio::buffer(step.answer), kAwait);
  }
  // Wait for the client to hang up.
  char byte = 0;
  (void)co_await socket.async_read_some(asio::buffer(&byte, 1), kAwait);
}

template <class T>
T run(asio::io_context& io, Task<T> task) {
  std::optional<T> out;
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

const std::string kGreeting = "220 fake.example ESMTP\r\n";
const std::string kEhlo =
    "250-fake.example\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n";

Options plain_options(std::uint16_t port) {
  Options options;
  options.host = "127.0.0.1";
  options.port = port;
  options.security = net::Security::Plain;
  options.timeout = std::chrono::seconds(5);
  return options;
}

// What a client scenario returns: the error or report, and the session's last failure.
struct Outcome {
  Result<SendReport> result = make_error(Errc::Internal, "not run");
  std::optional<Failure> failure;
};

enum class Scenario { LoginAndSend, LoginOnly, LoginWithLogin, SendOnly };

Task<Outcome> client(Options options, Scenario scenario, std::vector<std::string> recipients,
                     std::string message) {
  Outcome out;
  auto executor = co_await asio::this_coro::executor;
  auto session = co_await Session::connect(executor, std::move(options));
  if (!session) {
    out.result = session.error();
    co_return out;
  }
  if (scenario != Scenario::SendOnly) {
    auto mechanism =
        scenario == Scenario::LoginWithLogin ? AuthMechanism::Login : AuthMechanism::Auto;
    auto login = co_await session->login("bot@fake.example", "secret", mechanism);
    if (!login) {
      out.result = login.error();
      out.failure = session->last_failure();
      co_return out;
    }
  }
  if (scenario == Scenario::LoginOnly || scenario == Scenario::LoginWithLogin) {
    out.result = SendReport{};
    (void)co_await session->quit();
    co_return out;
  }
  out.result = co_await session->send("bot@fake.example", std::move(recipients), to_bytes(message));
  out.failure = session->last_failure();
  (void)co_await session->quit();
  co_return out;
}

struct Run {
  Outcome outcome;
  std::shared_ptr<Transcript> transcript;
};

Run run_scenario(std::vector<Step> script, Scenario scenario, std::vector<std::string> recipients,
                 std::string message) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = acceptor.local_endpoint().port();
  auto transcript = std::make_shared<Transcript>();
  asio::co_spawn(io, fake_server(std::move(acceptor), std::move(script), transcript),
                 asio::detached);
  auto outcome =
      run(io, client(plain_options(port), scenario, std::move(recipients), std::move(message)));
  return {std::move(outcome), transcript};
}

std::string plain_token() {
  std::string token("\0bot@fake.example\0secret", 24);
  return base64_encode(as_bytes(token));
}

TEST(SmtpSession, SendsPipelinedWithPerRecipientFailures) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", kEhlo},
          {"AUTH PLAIN " + plain_token(), "235 2.7.0 Authentication successful\r\n"},
          {"MAIL FROM:<bot@fake.example> SIZE=", "250 2.1.0 Ok\r\n"},
          {"RCPT TO:<a@fake.example>", "250 2.1.5 Ok\r\n"},
          {"RCPT TO:<b@fake.example>", "550 5.1.1 <b@fake.example>: user unknown\r\n"},
          {"DATA", "354 End data with <CR><LF>.<CR><LF>\r\n"},
          {"<body>", "250 2.0.0 Ok: queued as 123\r\n"},
          {"QUIT", "221 2.0.0 Bye\r\n"},
      },
      Scenario::LoginAndSend, {"a@fake.example", "b@fake.example"},
      "Subject: hi\n\n.dot line\nend");
  EXPECT_EQ(r.transcript->mismatch, "");
  ASSERT_TRUE(r.outcome.result) << r.outcome.result.error().to_string();
  const auto& report = *r.outcome.result;
  EXPECT_EQ(report.accepted, (std::vector<std::string>{"a@fake.example"}));
  ASSERT_EQ(report.rejected.size(), 1u);
  EXPECT_EQ(report.rejected[0].address, "b@fake.example");
  EXPECT_EQ(report.rejected[0].reply.code, 550);
  EXPECT_EQ(report.rejected[0].reply.disposition(), Disposition::Permanent);
  EXPECT_EQ(report.reply.text(), "Ok: queued as 123");
  ASSERT_GE(r.transcript->received.size(), 7u);
  EXPECT_EQ(r.transcript->received[2], "MAIL FROM:<bot@fake.example> SIZE=26");
  EXPECT_EQ(r.transcript->received[6], "Subject: hi\r\n\r\n..dot line\r\nend\r\n");
}

TEST(SmtpSession, WrongPasswordIsAuthErrorWithServerText) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", kEhlo},
          {"AUTH PLAIN ", "535 5.7.8 Error: authentication failed: bad password\r\n"},
      },
      Scenario::LoginOnly, {}, "");
  ASSERT_FALSE(r.outcome.result);
  EXPECT_EQ(r.outcome.result.error().code, Errc::Auth);
  EXPECT_NE(r.outcome.result.error().message.find("authentication failed"), std::string::npos);
  ASSERT_TRUE(r.outcome.failure);
  EXPECT_EQ(r.outcome.failure->reply.code, 535);
  EXPECT_EQ(r.outcome.failure->disposition(), Disposition::Permanent);
}

TEST(SmtpSession, LogsInWithLoginMechanism) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", kEhlo},
          {"AUTH LOGIN", "334 VXNlcm5hbWU6\r\n"},
          {base64_encode(as_bytes("bot@fake.example")), "334 UGFzc3dvcmQ6\r\n"},
          {base64_encode(as_bytes("secret")), "235 2.7.0 ok\r\n"},
          {"QUIT", "221 bye\r\n"},
      },
      Scenario::LoginWithLogin, {}, "");
  EXPECT_EQ(r.transcript->mismatch, "");
  ASSERT_TRUE(r.outcome.result) << r.outcome.result.error().to_string();
}

TEST(SmtpSession, RateLimitAfterBodyIsTransient) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", "250-fake.example\r\n250 AUTH PLAIN\r\n"},
          {"MAIL FROM:<bot@fake.example>", "250 ok\r\n"},
          {"RCPT TO:<a@fake.example>", "250 ok\r\n"},
          {"DATA", "354 go\r\n"},
          {"<body>", "450 4.7.1 <bot@fake.example>: Too much mail\r\n"},
          {"QUIT", "221 bye\r\n"},
      },
      Scenario::SendOnly, {"a@fake.example"}, "x");
  EXPECT_EQ(r.transcript->mismatch, "");
  ASSERT_FALSE(r.outcome.result);
  const auto& error = r.outcome.result.error();
  EXPECT_EQ(error.code, Errc::Protocol);
  EXPECT_NE(error.message.find("450 4.7.1"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("transient"), std::string::npos) << error.message;
  ASSERT_TRUE(r.outcome.failure);
  EXPECT_TRUE(r.outcome.failure->reply.is_rate_limited());
  EXPECT_EQ(disposition_of(error, r.outcome.failure), Disposition::Transient);
}

TEST(SmtpSession, AllRecipientsRefusedResetsAndReportsTransientFirst) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", "250-fake.example\r\n250 AUTH PLAIN\r\n"},
          {"MAIL FROM:", "250 ok\r\n"},
          {"RCPT TO:<a@", "550 5.1.1 no such user\r\n"},
          {"RCPT TO:<b@", "451 4.3.0 try later\r\n"},
          {"RSET", "250 ok\r\n"},
          {"QUIT", "221 bye\r\n"},
      },
      Scenario::SendOnly, {"a@fake.example", "b@fake.example"}, "x");
  EXPECT_EQ(r.transcript->mismatch, "");
  ASSERT_FALSE(r.outcome.result);
  ASSERT_TRUE(r.outcome.failure);
  EXPECT_EQ(r.outcome.failure->reply.code, 451);
  EXPECT_NE(r.outcome.failure->command.find("b@fake.example"), std::string::npos);
  EXPECT_EQ(disposition_of(r.outcome.result.error(), r.outcome.failure), Disposition::Transient);
}

TEST(SmtpSession, MailFromRefusedIsPermanent) {
  auto r = run_scenario(
      {
          {"", kGreeting},
          {"EHLO ", "250-fake.example\r\n250 AUTH PLAIN\r\n"},
          {"MAIL FROM:", "553 5.7.1 Invalid FROM\r\n"},
          {"QUIT", "221 bye\r\n"},
      },
      Scenario::SendOnly, {"a@fake.example"}, "x");
  EXPECT_EQ(r.transcript->mismatch, "");
  ASSERT_FALSE(r.outcome.result);
  EXPECT_EQ(disposition_of(r.outcome.result.error(), r.outcome.failure), Disposition::Permanent);
  EXPECT_EQ(r.outcome.failure->command, "mail from");
}

TEST(SmtpSession, RejectedGreetingFailsConnect) {
  auto r = run_scenario({{"", "554 5.3.2 go away\r\n"}}, Scenario::SendOnly, {"a@x"}, "x");
  ASSERT_FALSE(r.outcome.result);
  EXPECT_EQ(r.outcome.result.error().code, Errc::Protocol);
  EXPECT_NE(r.outcome.result.error().message.find("go away"), std::string::npos);
}

TEST(SmtpSession, StartTlsNotOfferedIsRefused) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto options = plain_options(acceptor.local_endpoint().port());
  options.security = net::Security::StartTls;
  auto transcript = std::make_shared<Transcript>();
  asio::co_spawn(io,
                 fake_server(std::move(acceptor), {{"", kGreeting}, {"EHLO ", kEhlo}}, transcript),
                 asio::detached);
  auto outcome = run(io, client(options, Scenario::SendOnly, {"a@x"}, "x"));
  ASSERT_FALSE(outcome.result);
  EXPECT_EQ(outcome.result.error().code, Errc::Unsupported);
}

TEST(SmtpSession, RejectsInjectedAddress) {
  auto r = run_scenario({{"", kGreeting}, {"EHLO ", kEhlo}}, Scenario::SendOnly,
                        {"a@x>\r\nRCPT TO:<evil@x"}, "x");
  ASSERT_FALSE(r.outcome.result);
  EXPECT_EQ(r.outcome.result.error().code, Errc::InvalidArgument);
}

}  // namespace
}  // namespace dcbot::smtp
