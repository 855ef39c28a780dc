// SPDX-License-Identifier: MIT
#include "runtime/sender.h"

#include <chrono>
#include <cstdint>
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
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "store/schema.h"

namespace dcbot::runtime {
namespace {

using std::chrono::seconds;

TEST(RetryDelay, DoublesFromMinWithJitterInUpperHalf) {
  for (int attempts = 0; attempts < 5; ++attempts) {
    const auto base = seconds(30) * (1 << attempts);
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), 0), base / 2) << attempts;
    const auto span = static_cast<std::uint64_t>((base - base / 2).count());
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), span), base) << attempts;
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), span + 1), base / 2) << attempts;
  }
}

TEST(RetryDelay, StaysWithinBounds) {
  for (std::uint64_t r = 0; r < 2000; r += 7) {
    for (int attempts = 0; attempts < 40; ++attempts) {
      auto d = retry_delay(attempts, seconds(30), seconds(3600), r * 0x9E3779B97F4A7C15ULL);
      ASSERT_GE(d, seconds(15));
      ASSERT_LE(d, seconds(3600));
    }
  }
}

TEST(RetryDelay, CapsAtMax) {
  EXPECT_EQ(retry_delay(100, seconds(30), seconds(600), 0), seconds(300));
  EXPECT_EQ(retry_delay(100, seconds(30), seconds(600), 300), seconds(600));
}

TEST(RetryDelay, ZeroMinStillWaits) {
  EXPECT_GE(retry_delay(0, seconds(0), seconds(0), 12345), seconds(0));
  EXPECT_LE(retry_delay(0, seconds(0), seconds(0), 12345), seconds(1));
}

namespace asio = boost::asio;
using asio::ip::tcp;

Task<bool> write_text(tcp::socket* socket, std::string text) {
  auto [ec, n] =
      co_await asio::async_write(*socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
  (void)n;
  co_return !ec;
}

// A scripted SMTP server for one connection at a time: every command gets "250 ok" except RCPT,
// which gets `rcpt_reply`, and DATA, which gets 354 and then 250 after the body.
Task<void> fake_smtp(tcp::acceptor* acceptor, std::string rcpt_reply, int* sessions,
                     int* transactions, int* rcpts) {
  while (true) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
    ++*sessions;
    std::string buffer;
    auto reply = [&socket](std::string text) {
      return write_text(&socket, std::move(text));
    };
    if (!co_await reply("220 fake\r\n")) {
      continue;
    }
    bool in_data = false;
    while (true) {
      auto [rec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                      in_data ? "\r\n.\r\n" : "\r\n",
                                                      asio::as_tuple(asio::use_awaitable));
      if (rec) {
        break;
      }
      std::string line = buffer.substr(0, n);
      buffer.erase(0, n);
      std::string answer = "250 ok\r\n";
      if (in_data) {
        in_data = false;
      } else if (line.rfind("MAIL", 0) == 0) {
        ++*transactions;
      } else if (line.rfind("RCPT", 0) == 0) {
        ++*rcpts;
        answer = rcpt_reply + "\r\n";
      } else if (line.rfind("DATA", 0) == 0) {
        answer = "354 go on\r\n";
        in_data = true;
      } else if (line.rfind("QUIT", 0) == 0) {
        (void)co_await reply("221 bye\r\n");
        break;
      }
      if (!co_await reply(answer)) {
        break;
      }
    }
  }
}

class SenderFake : public ::testing::Test {
 protected:
  void run_with(std::string rcpt_reply, int recipients = 1, int max_recipients = 50) {
    auto db = store::open_store(":memory:");
    ASSERT_TRUE(db.has_value());
    db_.emplace(std::move(*db));
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    TransportConfig t;
    t.addr = "bot@fake.test";
    t.smtp = ServerSettings{.host = "127.0.0.1",
                            .port = acceptor.local_endpoint().port(),
                            .security = net::Security::Plain,
                            .authenticate = false};
    t.connect_timeout = seconds(5);
    t.io_timeout = seconds(5);
    SenderOptions o;
    o.send_per_minute = 0;
    o.max_recipients = max_recipients;
    SenderCallbacks callbacks;
    callbacks.on_failed = [this](const DeliveryFailure& f) {
      failures_.push_back(f);
    };
    callbacks.on_sent = [this](const store::OutboxItem& item) {
      sent_.push_back(item.id);
    };
    Sender sender(io_.get_executor(), *db_, t, o, callbacks);
    StopSignal stop(io_.get_executor());
    std::vector<std::string> to;
    for (int i = 0; i < recipients; ++i) {
      to.push_back("peer" + std::to_string(i) + "@fake.test");
    }
    id_ = *store::Outbox(*db_).enqueue(store::NewOutboxItem{.chat_id = 1,
                                                            .rfc724_mid = "m1@fake.test",
                                                            .envelope_from = "bot@fake.test",
                                                            .recipients = to,
                                                            .raw = Bytes{'h', 'i', '\r', '\n'},
                                                            .created_at = 1});
    int sessions = 0;
    asio::co_spawn(io_,
                   fake_smtp(&acceptor, std::move(rcpt_reply), &sessions, &transactions_, &rcpts_),
                   asio::detached);
    asio::co_spawn(io_, sender.run(&stop), asio::detached);
    auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(20));
      auto row = store::Outbox(*db_).get(id_);
      if (row && *row && ((*row)->attempts > 0 || (*row)->state != store::OutboxState::Queued)) {
        break;
      }
    }
    stop.request();
    acceptor.close();
    io_.run_for(seconds(2));
    EXPECT_GE(sessions, 1);
    row_ = **store::Outbox(*db_).get(id_);
  }

  asio::io_context io_;
  std::optional<store::Db> db_;
  std::int64_t id_ = 0;
  store::OutboxItem row_;
  std::vector<DeliveryFailure> failures_;
  std::vector<std::int64_t> sent_;
  int transactions_ = 0;
  int rcpts_ = 0;
};

TEST_F(SenderFake, ManyRecipientsAreSentInChunks) {
  // PROTOCOL.md §7.1: recipients are chunked per transaction; 5 with a maximum of 2 -> 3 mails.
  run_with("250 ok", 5, 2);
  EXPECT_EQ(row_.state, store::OutboxState::Sent);
  EXPECT_EQ(transactions_, 3);
  EXPECT_EQ(rcpts_, 5);
  EXPECT_EQ(row_.attempts, 0);
  EXPECT_EQ(sent_, std::vector<std::int64_t>{id_});
  EXPECT_TRUE(failures_.empty());
}

TEST_F(SenderFake, SendsAndMarksSent) {
  run_with("250 ok");
  EXPECT_EQ(row_.state, store::OutboxState::Sent);
  EXPECT_EQ(sent_, std::vector<std::int64_t>{id_});
  EXPECT_TRUE(failures_.empty());
}

TEST_F(SenderFake, RateLimitReplyIsRetriedLater) {
  const auto before =
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  run_with("450 4.7.1 Too much mail from bot@fake.test");
  EXPECT_EQ(row_.state, store::OutboxState::Queued);
  EXPECT_EQ(row_.attempts, 1);
  EXPECT_GE(row_.next_attempt_at, before + 15);
  EXPECT_NE(row_.last_error.find("4.7.1"), std::string::npos) << row_.last_error;
  EXPECT_TRUE(failures_.empty());
  EXPECT_TRUE(sent_.empty());
}

TEST_F(SenderFake, Code550IsTransientLikeTheCore) {
  run_with("550 5.5.0 milter says no");
  EXPECT_EQ(row_.state, store::OutboxState::Queued);
  EXPECT_EQ(row_.attempts, 1);
  EXPECT_TRUE(failures_.empty());
}

TEST_F(SenderFake, PermanentRefusalFailsAndReports) {
  run_with("550 5.1.1 unknown user");
  EXPECT_EQ(row_.state, store::OutboxState::Failed);
  ASSERT_EQ(failures_.size(), 1U);
  EXPECT_EQ(failures_[0].outbox_id, id_);
  EXPECT_EQ(failures_[0].rfc724_mid, "m1@fake.test");
  EXPECT_NE(failures_[0].error.find("5.1.1"), std::string::npos) << failures_[0].error;
}

}  // namespace
}  // namespace dcbot::runtime
