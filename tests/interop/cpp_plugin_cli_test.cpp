// SPDX-License-Identifier: MIT
// C++ plugins in the generic `dcbot` program against the real core (issue #6): a bot whose only
// plugin is a `.so` built in the tree (sdk/plugin/test_plugins/good.h: `/ping`, and every other
// message echoed with a prefix) is joined and answers; when ctest plugin.out_of_tree has run, a
// second bot loads the plugin built out of tree against the installed SDK (examples/cpp_plugin).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

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
using testsupport::read_file;
using testsupport::RelayEnv;
using testsupport::RpcPeer;
using testsupport::run_capture;
using testsupport::spawn;
using testsupport::wait_exit;

class CppPluginCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);
    addr_ = relay_.fresh_address("cppbot-");
    dir_ = fs::path(DCBOT_BINARY_DIR) / "cpp-plugin-cli" / addr_;
    fs::create_directories(dir_);
    log_ = dir_ / "dcbot.log";

    testsupport::RpcPeerOptions peer_options;
    peer_options.name = "cppuser";
    auto peer = RpcPeer::start(peer_options);
    ASSERT_TRUE(peer) << peer.error().to_string();
    peer_ = std::move(*peer);
    auto user =
        PeerAccount::create_and_configure(*peer_, relay_, relay_.fresh_address("cppuser-"), "User");
    ASSERT_TRUE(user) << user.error().to_string();
    user_.emplace(std::move(*user));
    ASSERT_TRUE(user_->wait_for_event("ImapInboxIdle", 60s));
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_exit(pid_, 10s);
    }
  }

  fs::path write_bot(const std::string& plugins) {
    fs::path file = dir_ / "bot.yaml";
    std::ofstream(file) << "account:\n"
                        << "  addr: " << addr_ << "\n"
                        << "  password: " << relay_.password << "\n"
                        << "  imap: { host: " << relay_.host << ", port: " << relay_.imaps_port
                        << ", security: tls }\n"
                        << "  smtp: { host: " << relay_.host << ", port: " << relay_.smtps_port
                        << ", security: tls }\n"
                        << "  tls_verify: false\n"
                        << "data_dir: ./data\n"
                        << "profile: { name: Cpp Bot }\n"
                        << "limits: { send_per_minute: 0 }\n"
                        << "logging: { level: debug }\n"
                        << plugins;
    return file;
  }

  // check, invite, run, join: the chat with the running bot.
  std::uint32_t start(const fs::path& config) {
    auto [check_code, summary] = run_capture({DCBOT_BIN, "check", config.string()}, log_);
    EXPECT_EQ(check_code, 0) << read_file(log_);
    EXPECT_NE(summary.find("cpp "), std::string::npos) << summary;
    auto [code, out] = run_capture({DCBOT_BIN, "invite", config.string()}, log_);
    EXPECT_EQ(code, 0) << read_file(log_);
    pid_ = spawn({DCBOT_BIN, "run", config.string()}, log_);
    auto chat = user_->secure_join(out.substr(0, out.find('\n')));
    EXPECT_TRUE(chat) << chat.error().to_string();
    EXPECT_TRUE(user_->wait_securejoin_joiner_done(90s)) << read_file(log_);
    return chat ? *chat : 0;
  }

  void expect_answer(std::uint32_t chat, const std::string& text, const std::string& answer) {
    ASSERT_TRUE(user_->send_text(chat, text));
    auto got = user_->wait_incoming_text(answer, 90s);
    ASSERT_TRUE(got) << "no \"" << answer << "\" for \"" << text
                     << "\": " << got.error().to_string() << "\n"
                     << read_file(log_);
    EXPECT_EQ(got->at("chatId").to_number<std::uint32_t>(), chat);
    EXPECT_EQ(got->at("showPadlock"), true);
  }

  void stop() {
    ASSERT_GT(pid_, 0);
    kill(pid_, SIGTERM);
    EXPECT_EQ(wait_exit(pid_, 30s), 0) << read_file(log_);
    pid_ = -1;
    // Unloaded with the bot, after its handlers were detached.
    EXPECT_NE(read_file(log_).find("unloaded"), std::string::npos) << read_file(log_);
  }

  RelayEnv relay_;
  std::string addr_;
  fs::path dir_;
  fs::path log_;
  pid_t pid_ = -1;
  std::unique_ptr<RpcPeer> peer_;
  std::optional<PeerAccount> user_;
};

TEST_F(CppPluginCli, SharedObjectPluginAnswersWithItsConfig) {
  auto config = write_bot(std::string("plugins:\n  - cpp: ") + DCBOT_TEST_PLUGIN
                          + "\n    config: { prefix: cpp-echo, reply: cpp-pong }\n");
  auto chat = start(config);
  expect_answer(chat, "hello from the core 🦜", "cpp-echo: hello from the core 🦜");
  expect_answer(chat, "/ping", "cpp-pong");
  expect_answer(chat, "/ask", "question?");
  expect_answer(chat, "42", "got: 42");
  stop();
}

TEST_F(CppPluginCli, PluginBuiltOutOfTreeAgainstTheInstalledSdk) {
  const fs::path shout = DCBOT_OUT_OF_TREE_PLUGIN;
  if (!fs::exists(shout)) {
    GTEST_SKIP() << shout << " is missing: run ctest -R plugin.out_of_tree first";
  }
  auto config =
      write_bot("plugins:\n  - { cpp: " + shout.string() + ", config: { suffix: '!' } }\n");
  auto chat = start(config);
  expect_answer(chat, "hello", "HELLO!");
  expect_answer(chat, "/shout out of tree", "OUT OF TREE!");
  stop();
}

}  // namespace
}  // namespace dcbot
