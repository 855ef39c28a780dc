// SPDX-License-Identifier: MIT
// The `dcbot-echo` program itself (bots/echo, dcbot::run) as a subprocess against the real core:
// `check`, `invite` (first stdout line is the link), `run` until SIGTERM (exit 0), `join` then
// `run`, a restart that answers every message sent while the bot was down exactly once, and
// exit code 2 for a config error.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"
#include <signal.h>

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testsupport::PeerAccount;
using testsupport::RelayEnv;
using testsupport::RpcPeer;
namespace json = boost::json;

using testsupport::read_file;
using testsupport::run_capture;
using testsupport::spawn;
using testsupport::wait_exit;

class EchoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);
    addr_ = relay_.fresh_address("echocli-");
    dir_ = fs::path(DCBOT_BINARY_DIR) / "echo-cli" / addr_;
    fs::create_directories(dir_);
    config_ = (dir_ / "bot.yaml").string();
    log_ = dir_ / "bot.log";
    std::ofstream(config_) << "account:\n"
                           << "  addr: " << addr_ << "\n"
                           << "  password: " << relay_.password << "\n"
                           << "  imap: { host: " << relay_.host << ", port: " << relay_.imaps_port
                           << ", security: tls }\n"
                           << "  smtp: { host: " << relay_.host << ", port: " << relay_.smtps_port
                           << ", security: tls }\n"
                           << "  tls_verify: false\n"
                           << "data_dir: ./data\n"
                           << "profile: { name: Echo CLI }\n"
                           // Unlimited: the flood test below sends 50 messages at once from
                           // one user, which per-user flood control would (rightly) cut.
                           << "limits: { send_per_minute: 0, user_messages_per_minute: 0 }\n"
                           << "logging: { level: debug }\n";

    testsupport::RpcPeerOptions peer_options;
    peer_options.name = "cliuser";
    auto peer = RpcPeer::start(peer_options);
    ASSERT_TRUE(peer) << peer.error().to_string();
    peer_ = std::move(*peer);
    auto user =
        PeerAccount::create_and_configure(*peer_, relay_, relay_.fresh_address("cliuser-"), "User");
    ASSERT_TRUE(user) << user.error().to_string();
    user_.emplace(std::move(*user));
    // Mails that arrive before a fresh core's first INBOX fetch count as old (not processed).
    ASSERT_TRUE(user_->wait_for_event("ImapInboxIdle", 60s));
  }

  void TearDown() override {
    if (bot_pid_ > 0) {
      kill(bot_pid_, SIGKILL);
      wait_exit(bot_pid_, 10s);
    }
  }

  void start_bot() { bot_pid_ = spawn({DCBOT_ECHO_BIN, "run", config_}, log_); }

  // SIGTERM; a clean shutdown exits 0 promptly.
  void stop_bot() {
    ASSERT_GT(bot_pid_, 0);
    kill(bot_pid_, SIGTERM);
    EXPECT_EQ(wait_exit(bot_pid_, 20s), 0) << read_file(log_);
    bot_pid_ = -1;
  }

  PeerAccount& user() { return *user_; }

  std::string invite() {
    auto [code, out] = run_capture({DCBOT_ECHO_BIN, "invite", config_}, log_);
    EXPECT_EQ(code, 0) << read_file(log_);
    EXPECT_EQ(out.rfind("https://i.delta.chat/#", 0), 0U) << out;
    EXPECT_NE(out.find("&v=3"), std::string::npos);
    // Not a terminal: just the link.
    EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
    return out.substr(0, out.find('\n'));
  }

  void expect_echo(std::uint32_t chat, const std::string& text) {
    ASSERT_TRUE(user().send_text(chat, text));
    auto echo = user().wait_incoming_text(text, 90s);
    ASSERT_TRUE(echo) << echo.error().to_string() << "\n" << read_file(log_);
    EXPECT_EQ(echo->at("chatId").to_number<std::uint32_t>(), chat);
    EXPECT_EQ(echo->at("showPadlock"), true);
  }

  RelayEnv relay_;
  std::string addr_;
  fs::path dir_;
  std::string config_;
  fs::path log_;
  pid_t bot_pid_ = -1;
  std::unique_ptr<RpcPeer> peer_;
  std::optional<PeerAccount> user_;
};

TEST_F(EchoCli, CheckInviteRunAndRestartAnswersEveryMessageOnce) {
  auto [code, summary] = run_capture({DCBOT_ECHO_BIN, "check", config_}, log_);
  EXPECT_EQ(code, 0) << read_file(log_);
  EXPECT_NE(summary.find(addr_), std::string::npos) << summary;

  auto link = invite();
  EXPECT_EQ(invite(), link) << "the published link must stay the same";
  start_bot();
  auto chat = user().secure_join(link);
  ASSERT_TRUE(chat) << chat.error().to_string();
  ASSERT_TRUE(user().wait_securejoin_joiner_done(90s)) << read_file(log_);
  expect_echo(*chat, "hello from the core 👋");
  stop_bot();

  // Five messages while the bot is down; each is answered exactly once after the restart.
  user().peer().clear_events(user().id());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(user().send_text(*chat, "while you were away " + std::to_string(i)));
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(user().wait_for_event("MsgDelivered", 60s));
  }
  start_bot();
  ASSERT_TRUE(user().send_text(*chat, "marker"));
  std::map<std::string, int> echoes;
  auto done = user().wait_incoming_message_matching(
      [&](const json::object& m) {
        std::string text(m.at("text").as_string());
        ++echoes[text];
        return text == "marker";
      },
      120s);
  ASSERT_TRUE(done) << done.error().to_string() << "\n" << read_file(log_);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(echoes["while you were away " + std::to_string(i)], 1) << i;
  }
  EXPECT_EQ(echoes.size(), 6U);
  stop_bot();
}

TEST_F(EchoCli, KillDuringAFloodThenRestartAnswersEachMessageOnce) {
  auto link = invite();
  start_bot();
  auto chat = user().secure_join(link);
  ASSERT_TRUE(chat) << chat.error().to_string();
  ASSERT_TRUE(user().wait_securejoin_joiner_done(90s)) << read_file(log_);

  constexpr int kFlood = 50;
  for (int i = 0; i < kFlood; ++i) {
    ASSERT_TRUE(user().send_text(*chat, "flood " + std::to_string(i)));
  }
  // Kill -9 once the bot is in the middle of answering.
  std::map<std::string, int> echoes;
  auto some = user().wait_incoming_message_matching(
      [&](const json::object& m) {
        return ++echoes[std::string(m.at("text").as_string())] && echoes.size() >= 5;
      },
      120s);
  ASSERT_TRUE(some) << some.error().to_string() << "\n" << read_file(log_);
  kill(bot_pid_, SIGKILL);
  EXPECT_EQ(wait_exit(bot_pid_, 20s), -2);
  bot_pid_ = -1;

  start_bot();
  ASSERT_TRUE(user().send_text(*chat, "marker"));
  // Until every text (the 50 and the marker) has come back: the relay may deliver the marker's
  // echo before the last flood echoes (they leave the bot in the same batch). A duplicate still
  // shows as a count of 2 below if it arrives by then.
  auto done = user().wait_incoming_message_matching(
      [&](const json::object& m) {
        std::string text(m.at("text").as_string());
        ++echoes[text];
        return echoes.count("marker") == 1 && echoes.size() >= static_cast<std::size_t>(kFlood + 1);
      },
      180s);
  ASSERT_TRUE(done) << done.error().to_string() << "\n" << read_file(log_);
  for (int i = 0; i < kFlood; ++i) {
    EXPECT_EQ(echoes["flood " + std::to_string(i)], 1) << i;
  }
  EXPECT_EQ(echoes.size(), static_cast<std::size_t>(kFlood + 1));
  stop_bot();
}

TEST_F(EchoCli, JoinThenRunCompletesTheHandshake) {
  auto qr = user().securejoin_qr();
  ASSERT_TRUE(qr) << qr.error().to_string();
  auto [code, out] = run_capture({DCBOT_ECHO_BIN, "join", config_, *qr}, log_);
  ASSERT_EQ(code, 0) << out << read_file(log_);
  EXPECT_NE(out.find("join request queued"), std::string::npos) << out;
  EXPECT_NE(out.find("join request sent"), std::string::npos) << out;
  start_bot();
  auto done = user().wait_securejoin_inviter_done(90s);
  ASSERT_TRUE(done) << done.error().to_string() << "\n" << read_file(log_);
  auto contact = done->at("contactId").to_number<std::uint32_t>();
  auto chat = user().create_chat_by_contact_id(contact);
  ASSERT_TRUE(chat) << chat.error().to_string();
  expect_echo(*chat, "you joined me ✓");
  stop_bot();
}

TEST_F(EchoCli, ConfigErrorsExitWithCode2AndNameThePosition) {
  fs::path bad = dir_ / "bad.yaml";
  std::ofstream(bad) << "account:\n  addr: a@b\n  password: x\n  imap: { port: nope }\n";
  auto [code, out] = run_capture({DCBOT_ECHO_BIN, "run", bad.string()}, log_);
  EXPECT_EQ(code, 2);
  EXPECT_NE(read_file(log_).find("bad.yaml:4:"), std::string::npos) << read_file(log_);
  auto [top, top_out] = run_capture({DCBOT_ECHO_BIN, "--config", bad.string()}, log_);
  EXPECT_EQ(top, 2);
  auto [usage, usage_out] = run_capture({DCBOT_ECHO_BIN, "frobnicate"}, log_);
  EXPECT_EQ(usage, 2);
  auto [none, none_out] = run_capture({DCBOT_ECHO_BIN}, log_);
  EXPECT_EQ(none, 2);
}

}  // namespace
}  // namespace dcbot
