// SPDX-License-Identifier: MIT
// dcbot::Storage (plugin key-value storage in the bot's database) and the Bot's timers.
#include "dcbot/storage.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "runtime/bot.h"
#include "store/db.h"

namespace dcbot::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(DCBOT_BINARY_DIR) / "storage-test" / info->name();
    fs::remove_all(dir_);
    reopen();
  }

  void reopen() {
    bot_.reset();
    BotOptions options;
    options.transport.addr = "kv@relay.test";
    options.transport.imap.host = "127.0.0.1";
    options.transport.smtp.host = "127.0.0.1";
    options.data_dir = dir_;
    auto bot = open_bot(io_.get_executor(), options);
    ASSERT_TRUE(bot) << bot.error().to_string();
    bot_ = std::move(*bot);
  }

  store::Db& db() { return bot_->impl().engine->db(); }

  boost::asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<Bot> bot_;
};

TEST_F(StorageTest, SetGetEraseKeysAndNamespaces) {
  Storage a = bot_->storage("karma");
  Storage b = bot_->storage("other");
  ASSERT_TRUE(a.set("alice", "3"));
  ASSERT_TRUE(a.set("bob", std::string("\0binary\xff", 8)));
  ASSERT_TRUE(b.set("alice", "elsewhere"));
  EXPECT_EQ(a.get("alice")->value(), "3");
  EXPECT_EQ(a.get("bob")->value(), std::string("\0binary\xff", 8));
  EXPECT_EQ(b.get("alice")->value(), "elsewhere");
  EXPECT_FALSE(a.get("carol")->has_value());
  EXPECT_EQ(*a.keys(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(*a.keys("b"), (std::vector<std::string>{"bob"}));
  EXPECT_TRUE(*a.erase("alice"));
  EXPECT_FALSE(*a.erase("alice"));
  ASSERT_TRUE(a.clear());
  EXPECT_TRUE(a.keys()->empty());
  EXPECT_EQ(b.get("alice")->value(), "elsewhere");
  EXPECT_EQ(a.plugin(), "karma");
}

TEST_F(StorageTest, KeysAndValuesAreBounded) {
  Storage kv = bot_->storage("p");
  EXPECT_EQ(kv.set("", "x").error().code, Errc::InvalidArgument);
  EXPECT_EQ(kv.get(std::string(Storage::kMaxKey + 1, 'k')).error().code, Errc::InvalidArgument);
  EXPECT_TRUE(kv.set(std::string(Storage::kMaxKey, 'k'), "ok"));
  EXPECT_EQ(kv.set("big", std::string(Storage::kMaxValue + 1, 'v')).error().code,
            Errc::InvalidArgument);
  EXPECT_TRUE(kv.set("big", std::string(Storage::kMaxValue, 'v')));
}

TEST_F(StorageTest, ValuesSurviveAReopen) {
  ASSERT_TRUE(bot_->storage("p").set("k", "v"));
  reopen();
  EXPECT_EQ(bot_->storage("p").get("k")->value(), "v");
}

TEST_F(StorageTest, WritesInsideAMailTransactionRollBackWithIt) {
  Storage kv = bot_->storage("p");
  {
    auto txn = store::Txn::begin(db());
    ASSERT_TRUE(txn);
    ASSERT_TRUE(kv.set("k", "from a handler that never committed"));
    EXPECT_TRUE(kv.get("k")->has_value());
  }  // Rolled back, as after a crash.
  EXPECT_FALSE(kv.get("k")->has_value());
}

TEST_F(StorageTest, MigrationsRunOnceInOrder) {
  Storage kv = bot_->storage("p");
  EXPECT_EQ(*kv.version(), 0);
  int runs = 0;
  auto step1 = [&runs](Storage& s) -> Result<> {
    ++runs;
    return s.set("schema", "1");
  };
  ASSERT_TRUE(kv.migrate(1, step1));
  ASSERT_TRUE(kv.migrate(1, step1));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(*kv.version(), 1);
  reopen();
  Storage again = bot_->storage("p");
  ASSERT_TRUE(again.migrate(1, step1));
  EXPECT_EQ(runs, 1);
  ASSERT_TRUE(again.migrate(2, [](Storage& s) { return s.set("schema", "2"); }));
  EXPECT_EQ(*again.version(), 2);
  EXPECT_EQ(again.get("schema")->value(), "2");
}

TEST_F(StorageTest, AFailingMigrationIsUndone) {
  Storage kv = bot_->storage("p");
  auto failing = [](Storage& s) -> Result<> {
    DCBOT_TRY(s.set("half", "done"));
    return make_error(Errc::Internal, "step failed");
  };
  auto r = kv.migrate(1, failing);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "step failed");
  EXPECT_FALSE(kv.get("half")->has_value());
  EXPECT_EQ(*kv.version(), 0);

  auto throwing = [](Storage& s) -> Result<> {
    (void)s.set("half", "done");
    throw std::runtime_error("boom");
  };
  EXPECT_EQ(kv.migrate(1, throwing).error().code, Errc::Internal);
  EXPECT_FALSE(kv.get("half")->has_value());

  // Inside an open transaction only the failed step is undone.
  auto txn = store::Txn::begin(db());
  ASSERT_TRUE(txn);
  ASSERT_TRUE(kv.set("before", "kept"));
  ASSERT_FALSE(kv.migrate(1, failing));
  EXPECT_FALSE(kv.get("half")->has_value());
  EXPECT_EQ(kv.get("before")->value(), "kept");
  ASSERT_TRUE(txn->commit());
  EXPECT_EQ(kv.get("before")->value(), "kept");
}

TEST_F(StorageTest, TimersFireAndCancel) {
  int once = 0;
  int repeated = 0;
  int cancelled = 0;
  bot_->after(1ms, [&] { ++once; });
  TimerId never = bot_->after(5ms, [&] { ++cancelled; });
  bot_->cancel_timer(never);
  bot_->cancel_timer(12345);  // Unknown: a no-op.
  TimerId every = 0;
  every = bot_->every(1ms, [&] {
    if (++repeated == 3) {
      bot_->cancel_timer(every);
    }
  });
  bot_->every(2ms, [] { throw std::runtime_error("a throwing timer keeps running"); });
  bot_->after(50ms, [&] { bot_->stop(); });
  io_.run_for(10s);
  EXPECT_TRUE(io_.stopped()) << "stop() must end every timer so the io_context runs out";
  EXPECT_EQ(once, 1);
  EXPECT_EQ(repeated, 3);
  EXPECT_EQ(cancelled, 0);
  EXPECT_TRUE(bot_->impl().timers.empty());
  // After stop() new timers never fire.
  int late = 0;
  bot_->after(1ms, [&] { ++late; });
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(late, 0);
}

}  // namespace
}  // namespace dcbot::runtime
