// SPDX-License-Identifier: MIT
// runtime::Engine (Fetcher, Sender, processing loop) against the local test relay: real postfix
// and dovecot on loopback. Mails are injected through the relay's unauthenticated inbound SMTP
// port with smtp::Session; the relay's maildirs show what the server still holds or received.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "runtime/engine.h"
#include "smtp/session.h"
#include "store/mailbox.h"

#include "support/relay_env.h"

namespace dcbot::runtime {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testsupport::RelayEnv;

Bytes to_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

std::string to_string(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// The Message-ID header value of a raw mail ("" if none).
std::string message_id(const Bytes& raw) {
  const std::string text = to_string(raw);
  auto pos = text.find("\r\nMessage-ID: ");
  if (pos == std::string::npos) {
    return "";
  }
  pos += 14;
  return text.substr(pos, text.find("\r\n", pos) - pos);
}

// Sends `mails` to `to` over one unauthenticated session on the relay's inbound port.
Task<Result<>> inject_mails(RelayEnv env, std::string to, std::vector<std::string> mails) {
  smtp::Options o;
  o.host = env.host;
  o.port = env.smtp_port;
  o.security = net::Security::Plain;
  o.timeout = seconds(20);
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto session, co_await smtp::Session::connect(executor, o));
  const std::vector<std::string> recipients{to};
  for (auto& mail : mails) {
    DCBOT_CO_TRY(co_await session.send("sender@" + env.domain, recipients, to_bytes(mail)));
  }
  (void)co_await session.quit();
  co_return Result<>{};
}

// Counts the files of a maildir (new/ and cur/); 0 if it does not exist yet.
std::size_t maildir_count(const RelayEnv& env, const std::string& addr) {
  std::string lower = addr;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t n = 0;
  for (const char* sub : {"new", "cur"}) {
    fs::path dir = fs::path(env.maildir_root) / lower / "Maildir" / sub;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      ++n;
    }
  }
  return n;
}

std::int64_t count_rows(store::Db& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  EXPECT_TRUE(stmt.has_value()) << stmt.error().to_string();
  if (!stmt) {
    return -1;
  }
  auto step = stmt->step();
  EXPECT_TRUE(step.has_value() && *step == store::Step::Row);
  return stmt->column_int64(0);
}

class RuntimeIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env.has_value()) << env.error().to_string();
    env_ = *env;
    bot_ = env_.fresh_address("rtbot");
    fs::path dir = fs::path(DCBOT_BINARY_DIR) / "runtime-integration";
    fs::create_directories(dir);
    db_path_ = (dir / (bot_ + ".db")).string();
    io_ = std::make_unique<asio::io_context>();
  }

  void TearDown() override {
    if (engine_) {
      engine_->stop();
      run_until([] { return false; }, milliseconds(300));
    }
    engine_.reset();
    io_.reset();
  }

  TransportConfig transport() const {
    TransportConfig t;
    t.addr = bot_;
    t.password = env_.password;
    t.imap = ServerSettings{.host = env_.host, .port = env_.imaps_port};
    t.smtp = ServerSettings{.host = env_.host, .port = env_.smtps_port};
    t.ca_file = env_.ca_cert;
    t.connect_timeout = seconds(10);
    t.io_timeout = seconds(20);
    return t;
  }

  EngineOptions options() {
    EngineOptions o;
    o.transport = transport();
    o.db_path = db_path_;
    o.fetcher.backoff_min = milliseconds(200);
    o.fetcher.backoff_max = seconds(2);
    o.sender.backoff_min = milliseconds(200);
    o.sender.backoff_max = seconds(2);
    o.processor = [this](const store::InboxItem& item, store::Db&) -> Result<> {
      ++processed_[message_id(item.raw)];
      return {};
    };
    return o;
  }

  void start(EngineOptions o) {
    auto engine = Engine::open(io_->get_executor(), std::move(o));
    ASSERT_TRUE(engine.has_value()) << engine.error().to_string();
    engine_ = std::make_unique<Engine>(std::move(*engine));
    engine_done_ = false;
    asio::co_spawn(*io_, engine_->run(),
                   [this](const std::exception_ptr&) { engine_done_ = true; });
  }

  // Runs the io_context until `done` holds or `limit` passes; returns `done()`.
  bool run_until(const std::function<bool()>& done, std::chrono::steady_clock::duration limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      io_->restart();
      io_->run_for(milliseconds(20));
    }
    return true;
  }

  // Injects mails while the engine keeps running on the same io_context.
  void inject(std::vector<std::string> mails) {
    std::optional<Result<>> result;
    asio::co_spawn(*io_, inject_mails(env_, bot_, std::move(mails)),
                   [&result](const std::exception_ptr&, Result<> r) { result = std::move(r); });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }, seconds(60)));
    ASSERT_TRUE(result->has_value()) << result->error().to_string();
  }

  std::string mail(const std::string& tag) const {
    return "From: <sender@" + env_.domain + ">\r\nTo: <" + bot_ + ">\r\nSubject: " + tag
           + "\r\nMessage-ID: <" + tag + "." + bot_ + ">\r\n"
           + "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody of " + tag + "\r\n";
  }

  std::vector<std::string> mails(const std::string& prefix, int n) const {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(mail(prefix + std::to_string(i)));
    }
    return out;
  }

  std::size_t total_processed() const {
    std::size_t n = 0;
    for (const auto& [mid, count] : processed_) {
      n += static_cast<std::size_t>(count);
    }
    return n;
  }

  // Every mail of `prefix`0..n-1 processed exactly once, nothing else processed.
  void expect_each_processed_once(const std::string& prefix, int n) {
    EXPECT_EQ(processed_.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto it = processed_.find("<" + prefix + std::to_string(i) + "." + bot_ + ">");
      ASSERT_NE(it, processed_.end()) << prefix << i;
      EXPECT_EQ(it->second, 1) << prefix << i;
    }
  }

  std::int64_t inbox_rows() { return count_rows(engine_->db(), "SELECT count(*) FROM inbox"); }

  bool server_empty() const { return maildir_count(env_, bot_) == 0; }

  RelayEnv env_;
  std::string bot_;
  std::string db_path_;
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<Engine> engine_;
  bool engine_done_ = false;
  std::map<std::string, int> processed_;
};

TEST_F(RuntimeIntegration, FetchesEachMailOnceAndEmptiesTheServer) {
  start(options());
  inject(mails("a", 3));
  ASSERT_TRUE(run_until([&] { return total_processed() >= 3 && server_empty(); }, seconds(60)))
      << "processed " << total_processed() << ", on server " << maildir_count(env_, bot_);
  expect_each_processed_once("a", 3);
  EXPECT_EQ(inbox_rows(), 3);
  EXPECT_EQ(count_rows(engine_->db(), "SELECT count(*) FROM inbox WHERE state = 1"), 3);
  engine_->stop();
  ASSERT_TRUE(run_until([&] { return engine_done_; }, seconds(10)));
}

TEST_F(RuntimeIntegration, BurstOf200ArrivesExactlyOnce) {
  start(options());
  inject(mails("burst", 200));
  ASSERT_TRUE(run_until([&] { return total_processed() >= 200 && server_empty(); }, seconds(120)))
      << "processed " << total_processed() << ", on server " << maildir_count(env_, bot_);
  // Late duplicates would show up here.
  run_until([] { return false; }, milliseconds(500));
  expect_each_processed_once("burst", 200);
  EXPECT_EQ(inbox_rows(), 200);
}

TEST_F(RuntimeIntegration, ReconnectsAfterDovecotRestartAndMissesNothing) {
  start(options());
  inject(mails("r", 2));
  ASSERT_TRUE(run_until([&] { return total_processed() >= 2 && server_empty(); }, seconds(60)));
  // The Fetcher is in IDLE now: its round ended with an empty fetch.
  ASSERT_TRUE(run_until([&] { return engine_->fetcher().rounds() >= 1; }, seconds(10)));
  const auto connects = engine_->fetcher().connects();
  // scripts/relay derives every port from the base; ctest does not pass it to the test.
  std::string cmd = "DCBOT_RELAY_PORT_BASE=" + std::to_string(env_.imaps_port - 993) + " "
                    + std::string(DCBOT_SOURCE_DIR) + "/scripts/relay restart-dovecot";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::vector<std::string> later;
  for (int i = 2; i < 5; ++i) {
    later.push_back(mail("r" + std::to_string(i)));
  }
  inject(later);
  ASSERT_TRUE(run_until([&] { return total_processed() >= 5 && server_empty(); }, seconds(90)))
      << "processed " << total_processed() << ", on server " << maildir_count(env_, bot_);
  EXPECT_GT(engine_->fetcher().connects(), connects);
  expect_each_processed_once("r", 5);
  EXPECT_EQ(inbox_rows(), 5);
}

TEST_F(RuntimeIntegration, CrashBetweenStoreAndDeleteLosesAndDuplicatesNothing) {
  inject(mails("c", 5));
  ASSERT_TRUE(run_until([&] { return maildir_count(env_, bot_) >= 5; }, seconds(30)));
  // First life: the process "dies" right after the inbox commit, before the server delete: the
  // io_context stops, the engine is destroyed without stop() and its io_context with it.
  bool crashed = false;
  {
    auto o = options();
    o.fetcher.before_delete = [this, &crashed] {
      crashed = true;
      io_->stop();
      return false;
    };
    start(std::move(o));
    io_->restart();
    io_->run_for(seconds(30));
    ASSERT_TRUE(crashed);
    EXPECT_EQ(count_rows(engine_->db(), "SELECT count(*) FROM inbox"), 5);
    engine_.reset();
    io_ = std::make_unique<asio::io_context>();
  }
  EXPECT_EQ(maildir_count(env_, bot_), 5U) << "nothing may be deleted before the crash point";
  EXPECT_EQ(total_processed(), 0U);
  // Second life on the same database: the mails are refetched, recognised, deleted on the
  // server and each processed once.
  start(options());
  inject({mail("c5")});
  ASSERT_TRUE(run_until([&] { return total_processed() >= 6 && server_empty(); }, seconds(60)))
      << "processed " << total_processed() << ", on server " << maildir_count(env_, bot_);
  run_until([] { return false; }, milliseconds(300));
  expect_each_processed_once("c", 6);
  EXPECT_EQ(inbox_rows(), 6);
}

TEST_F(RuntimeIntegration, CrashDuringProcessingReplaysTheMail) {
  // The processor "crashes" the process on the first attempt of c0 (io stops inside it, engine
  // destroyed without stop); after the restart c0 is processed once, counted as one attempt.
  bool crashed = false;
  {
    auto o = options();
    o.processor = [this, &crashed](const store::InboxItem& item, store::Db& db) -> Result<> {
      // Writes inside the processing transaction must vanish with the crash.
      EXPECT_TRUE(db.exec("CREATE TABLE IF NOT EXISTS probe (x INTEGER)").has_value());
      EXPECT_TRUE(db.exec("INSERT INTO probe VALUES (1)").has_value());
      crashed = true;
      io_->stop();
      (void)item;
      return make_error(Errc::Internal, "unreachable after a real crash");
    };
    start(std::move(o));
    inject({mail("d0")});
    ASSERT_TRUE(run_until([&] { return crashed; }, seconds(60)));
    // A real crash never returns to the loop; here the loop records a failure, which a crash
    // would not. Either way the mail must still be pending.
    engine_.reset();
    io_ = std::make_unique<asio::io_context>();
  }
  start(options());
  ASSERT_TRUE(run_until([&] { return total_processed() >= 1; }, seconds(60)));
  expect_each_processed_once("d", 1);
  EXPECT_EQ(inbox_rows(), 1);
  EXPECT_EQ(count_rows(engine_->db(), "SELECT count(*) FROM sqlite_master WHERE name = 'probe'"),
            0);
}

TEST_F(RuntimeIntegration, ProcessorFailingThreeTimesTombstonesAndTheNextIsProcessed) {
  auto o = options();
  int poison_calls = 0;
  o.processor = [this, &poison_calls](const store::InboxItem& item, store::Db&) -> Result<> {
    const std::string mid = message_id(item.raw);
    if (mid.find("poison") != std::string::npos) {
      if (++poison_calls == 2) {
        throw std::runtime_error("processor bug");
      }
      return make_error(Errc::Parse, "bad mail");
    }
    ++processed_[mid];
    return {};
  };
  start(std::move(o));
  inject({mail("poison0"), mail("good0")});
  // The relay may deliver the two mails in either order: wait for both outcomes.
  ASSERT_TRUE(run_until([&] { return total_processed() >= 1 && poison_calls >= 3; }, seconds(60)));
  run_until([] { return false; }, milliseconds(300));
  EXPECT_EQ(poison_calls, 3);
  expect_each_processed_once("good", 1);
  // Tombstoned (2) sorts before Processed (1), whatever the arrival order.
  auto stmt =
      engine_->db().prepare("SELECT state, attempts, last_error FROM inbox ORDER BY state DESC");
  ASSERT_TRUE(stmt.has_value());
  ASSERT_EQ(*stmt->step(), store::Step::Row);
  EXPECT_EQ(stmt->column_int64(0), static_cast<std::int64_t>(store::InboxState::Tombstoned));
  EXPECT_EQ(stmt->column_int64(1), 3);
  EXPECT_NE(stmt->column_text(2).find("bad mail"), std::string::npos);
  ASSERT_EQ(*stmt->step(), store::Step::Row);
  EXPECT_EQ(stmt->column_int64(0), static_cast<std::int64_t>(store::InboxState::Processed));
}

class RuntimeSender : public RuntimeIntegration {
 protected:
  std::int64_t enqueue(const std::string& to, int n, std::int64_t chat_id = 1) {
    store::Outbox outbox(engine_->db());
    std::int64_t last = 0;
    for (int i = 0; i < n; ++i) {
      std::string mid = "out" + std::to_string(i) + "." + bot_;
      std::string raw = "From: <" + bot_ + ">\r\nTo: <" + to + ">\r\nSubject: out "
                        + std::to_string(i) + "\r\nMessage-ID: <" + mid
                        + ">\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nhello "
                        + std::to_string(i) + "\r\n";
      auto id = outbox.enqueue(store::NewOutboxItem{.chat_id = chat_id,
                                                    .rfc724_mid = mid,
                                                    .envelope_from = bot_,
                                                    .recipients = {to},
                                                    .raw = to_bytes(raw),
                                                    .created_at = 1});
      EXPECT_TRUE(id.has_value());
      last = id ? *id : 0;
    }
    engine_->notify_outbox();
    return last;
  }

  std::int64_t outbox_in_state(store::OutboxState state) {
    return count_rows(engine_->db(), "SELECT count(*) FROM outbox WHERE state = "
                                         + std::to_string(static_cast<int>(state)));
  }

  std::vector<DeliveryFailure> failures_;
};

TEST_F(RuntimeSender, DeliversTwentyQueuedMailsWithinTheRateLimit) {
  auto o = options();
  o.sender.send_per_minute = 600;
  o.sender.send_burst = 5;
  start(std::move(o));
  const std::string peer = env_.fresh_address("rtpeer");
  const auto started = std::chrono::steady_clock::now();
  enqueue(peer, 20);
  ASSERT_TRUE(
      run_until([&] { return outbox_in_state(store::OutboxState::Sent) == 20; }, seconds(60)));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // 5 at once, then one per 100 ms.
  EXPECT_GE(elapsed, milliseconds(1400));
  ASSERT_TRUE(run_until([&] { return maildir_count(env_, peer) == 20; }, seconds(60)))
      << maildir_count(env_, peer);
  EXPECT_EQ(engine_->sender().connects(), 1U);
}

TEST_F(RuntimeSender, UnlimitedRateSendsAQueueOverStartTls) {
  auto o = options();
  o.transport.smtp = ServerSettings{
      .host = env_.host, .port = env_.submission_port, .security = net::Security::StartTls};
  o.sender.send_per_minute = 0;
  start(std::move(o));
  const std::string peer = env_.fresh_address("rtpeer");
  enqueue(peer, 20, 0);
  ASSERT_TRUE(
      run_until([&] { return outbox_in_state(store::OutboxState::Sent) == 20; }, seconds(60)));
  ASSERT_TRUE(run_until([&] { return maildir_count(env_, peer) == 20; }, seconds(60)));
}

TEST_F(RuntimeSender, PermanentRefusalFailsTheMailAndReportsIt) {
  auto o = options();
  // Relay-to-relay port without AUTH: mail to another domain is "554 5.7.1 relay access denied".
  o.transport.smtp = ServerSettings{.host = env_.host,
                                    .port = env_.smtp_port,
                                    .security = net::Security::Plain,
                                    .authenticate = false};
  o.delivery.on_failed = [this](const DeliveryFailure& f) {
    failures_.push_back(f);
  };
  start(std::move(o));
  auto id = enqueue("nobody@elsewhere.invalid", 1);
  ASSERT_TRUE(run_until([&] { return !failures_.empty(); }, seconds(30)));
  EXPECT_EQ(failures_[0].outbox_id, id);
  EXPECT_EQ(failures_[0].recipients, std::vector<std::string>{"nobody@elsewhere.invalid"});
  EXPECT_NE(failures_[0].error.find("5"), std::string::npos) << failures_[0].error;
  EXPECT_EQ(outbox_in_state(store::OutboxState::Failed), 1);
  auto row = store::Outbox(engine_->db()).get(id);
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->state, store::OutboxState::Failed);
}

TEST_F(RuntimeSender, PartlyRefusedRecipientsAreReportedAndTheRestDelivered) {
  auto o = options();
  o.transport.smtp = ServerSettings{.host = env_.host,
                                    .port = env_.smtp_port,
                                    .security = net::Security::Plain,
                                    .authenticate = false};
  o.delivery.on_failed = [this](const DeliveryFailure& f) {
    failures_.push_back(f);
  };
  start(std::move(o));
  const std::string peer = env_.fresh_address("rtpeer");
  auto id = *store::Outbox(engine_->db())
                 .enqueue(store::NewOutboxItem{.chat_id = 7,
                                               .rfc724_mid = "partial." + bot_,
                                               .envelope_from = bot_,
                                               .recipients = {peer, "nobody@elsewhere.invalid"},
                                               .raw = to_bytes(mail("partial")),
                                               .created_at = 1});
  engine_->notify_outbox();
  ASSERT_TRUE(
      run_until([&] { return outbox_in_state(store::OutboxState::Sent) == 1; }, seconds(30)));
  ASSERT_EQ(failures_.size(), 1U);
  EXPECT_EQ(failures_[0].outbox_id, id);
  EXPECT_EQ(failures_[0].recipients, std::vector<std::string>{"nobody@elsewhere.invalid"});
  ASSERT_TRUE(run_until([&] { return maildir_count(env_, peer) == 1; }, seconds(30)));
}

TEST_F(RuntimeIntegration, StopEndsAllLoopsPromptly) {
  start(options());
  ASSERT_TRUE(run_until([&] { return engine_->fetcher().rounds() >= 1; }, seconds(30)));
  const auto asked = std::chrono::steady_clock::now();
  engine_->stop();
  ASSERT_TRUE(run_until([&] { return engine_done_; }, seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(2));
}

}  // namespace
}  // namespace dcbot::runtime
