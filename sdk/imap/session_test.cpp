// SPDX-License-Identifier: MIT
#include "imap/session.h"

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

// Session against a scripted loopback server (plain TCP): exact command bytes, continuation
// handling, responses dribbled out a few bytes at a time, and dropped connections.
namespace dcbot::imap {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// One exchange: the exact line (CRLF included) the client must send, then the server's reply.
struct Step {
  std::string expect;
  std::string reply;
};

// Serves one connection: greeting, then the steps; replies go out in 3-byte writes. Closes after.
asio::awaitable<void> serve(tcp::acceptor* acceptor, std::string greeting, std::vector<Step> steps,
                            std::vector<std::string>* received) {
  tcp::socket socket = co_await acceptor->async_accept(asio::use_awaitable);
  auto dribble = [](tcp::socket* s, std::string text) -> asio::awaitable<void> {
    for (std::size_t i = 0; i < text.size(); i += 3) {
      co_await asio::async_write(
          *s, asio::buffer(text.data() + i, std::min<std::size_t>(3, text.size() - i)),
          asio::use_awaitable);
    }
  };
  co_await dribble(&socket, greeting);
  std::string buffer;
  for (auto& step : steps) {
    std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n",
                                                    asio::use_awaitable);
    received->push_back(buffer.substr(0, n));
    buffer.erase(0, n);
    co_await dribble(&socket, step.reply);
  }
}

template <class T>
asio::awaitable<void> store_into(asio::awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

class ImapSession : public ::testing::Test {
 protected:
  // Starts the scripted server, then runs `client` to completion.
  template <class T>
  T run(std::string greeting, std::vector<Step> steps, asio::awaitable<T> client) {
    asio::co_spawn(io_, serve(&acceptor_, std::move(greeting), steps, &received_),
                   [](std::exception_ptr) {});
    std::optional<T> out;
    asio::co_spawn(io_, store_into(std::move(client), &out), asio::detached);
    io_.run_for(std::chrono::seconds(20));
    io_.restart();
    expected_ = std::move(steps);
    if (!out) {
      throw std::runtime_error("the client coroutine did not finish within 20 s");
    }
    return std::move(*out);
  }

  // Checks that the client sent exactly the scripted commands.
  void expect_commands() {
    ASSERT_EQ(received_.size(), expected_.size());
    for (std::size_t i = 0; i < expected_.size(); ++i) {
      EXPECT_EQ(received_[i], expected_[i].expect);
    }
  }

  SessionOptions options() {
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor_.local_endpoint().port();
    o.security = net::Security::Plain;
    o.io_timeout = std::chrono::seconds(5);
    return o;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::vector<std::string> received_;
  std::vector<Step> expected_;
};

asio::awaitable<Result<std::vector<FetchedMail>>> login_select_fetch(SessionOptions options,
                                                                     std::string password) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto s, co_await Session::connect(executor, options));
  DCBOT_CO_TRY(co_await s.login("bot", password));
  DCBOT_CO_TRY(auto box, co_await s.select("INBOX"));
  if (box.uid_validity != 7 || box.uid_next != 12 || box.exists != 2) {
    co_return make_error(Errc::Internal, "wrong mailbox state");
  }
  co_return co_await s.fetch_since(10);
}

TEST_F(ImapSession, LogsInWithLiteralSelectsAndFetches) {
  std::string body = "Subject: x\r\n\r\n* 9 EXISTS\r\na4 OK fake\r\n";
  auto mails = run(
      "* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] hi\r\n",
      {{"a1 LOGIN bot {3}\r\n", "+ go\r\n"},
       {"p\xc3\xa4\r\n", "a1 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE] in\r\n"},
       {"a2 SELECT INBOX\r\n",
        "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 12] n\r\na2 OK [READ-WRITE] s\r\n"},
       // "11:*" also matches the highest UID 9 when nothing is newer; it must be filtered.
       {"a3 UID SEARCH UID 11:*\r\n", "* SEARCH 11 9\r\na3 OK done\r\n"},
       {"a4 UID FETCH 11 (UID BODY.PEEK[])\r\n",
        "* 2 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 BODY[] {" + std::to_string(body.size())
            + "}\r\n" + body + ")\r\na4 OK done\r\n"}},
      login_select_fetch(options(), "p\xc3\xa4"));
  ASSERT_TRUE(mails.has_value()) << mails.error().to_string();
  ASSERT_EQ(mails->size(), 1U);
  EXPECT_EQ((*mails)[0].uid, 11U);
  EXPECT_EQ(to_string((*mails)[0].raw), body);
  expect_commands();
}

asio::awaitable<Result<>> login_only(SessionOptions options) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto s, co_await Session::connect(executor, options));
  co_return co_await s.login("bot", "secret");
}

TEST_F(ImapSession, RefusedLoginIsAuthError) {
  auto r = run("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n",
               {{"a1 LOGIN bot secret\r\n", "a1 NO [AUTHENTICATIONFAILED] no\r\n"}},
               login_only(options()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Auth);
  expect_commands();
}

TEST_F(ImapSession, DroppedConnectionIsIoError) {
  auto r = run("* OK [CAPABILITY IMAP4rev1] hi\r\n", {{"a1 LOGIN bot secret\r\n", "* 1 EXI"}},
               login_only(options()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Io) << r.error().to_string();
}

TEST_F(ImapSession, GarbageFromServerIsParseError) {
  auto r = run("* OK [CAPABILITY IMAP4rev1] hi\r\n", {{"a1 LOGIN bot secret\r\n", "}}}\r\n"}},
               login_only(options()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Parse) << r.error().to_string();
}

TEST_F(ImapSession, ByeGreetingIsIoError) {
  auto r = run("* BYE too busy\r\n", {}, login_only(options()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Io);
}

asio::awaitable<Result<IdleResult>> idle_twice(SessionOptions options) {
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto s, co_await Session::connect(executor, options));
  DCBOT_CO_TRY(auto first, co_await s.idle(std::chrono::milliseconds(100)));
  if (first != IdleResult::Timeout) {
    co_return make_error(Errc::Internal, "first idle should time out");
  }
  co_return co_await s.idle(std::chrono::seconds(10));
}

TEST_F(ImapSession, IdleSendsDoneOnTimeoutAndReturnsOnExists) {
  auto r = run("* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n",
               {{"a1 IDLE\r\n", "+ idling\r\n"},
                {"DONE\r\n", "a1 OK idle done\r\n"},
                {"a2 IDLE\r\n", "+ idling\r\n* 3 EXISTS\r\n"},
                {"DONE\r\n", "a2 OK idle done\r\n"}},
               idle_twice(options()));
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, IdleResult::NewMail);
  expect_commands();
}

}  // namespace
}  // namespace dcbot::imap
