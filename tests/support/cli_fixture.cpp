// SPDX-License-Identifier: MIT
#include "support/cli_fixture.h"

#include <fstream>
#include <thread>
#include <utility>

#include "support/peer_setup.h"
#include "support/process.h"
#include <signal.h>

namespace dcbot::testsupport {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void DcbotCliTest::set_up(std::string program, const fs::path& root, std::string_view dir_prefix,
                          const std::string& user_name) {
  program_ = std::move(program);
  auto env = RelayEnv::from_environment();
  ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
  relay_ = std::move(*env);
  dir_ = root / relay_.fresh_address(dir_prefix);
  fs::create_directories(dir_);
  log_ = dir_ / "dcbot.log";

  RpcPeerOptions peer_options;
  peer_options.name = user_name;
  auto peer = RpcPeer::start(peer_options);
  ASSERT_TRUE(peer) << peer.error().to_string();
  peer_ = std::move(*peer);
  auto user = create_ready_user(*peer_, relay_, user_name + "-", "User");
  ASSERT_TRUE(user) << user.error().to_string();
  user_.emplace(std::move(*user));
}

void DcbotCliTest::TearDown() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    wait_exit(pid_, 10s);
  }
}

void DcbotCliTest::write_bot(const fs::path& file, const std::string& addr, const std::string& name,
                             const std::string& plugins) const {
  std::ofstream(file) << "account:\n"
                      << "  addr: " << addr << "\n"
                      << "  password: " << relay_.password << "\n"
                      << "  imap: { host: " << relay_.host << ", port: " << relay_.imaps_port
                      << ", security: tls }\n"
                      << "  smtp: { host: " << relay_.host << ", port: " << relay_.smtps_port
                      << ", security: tls }\n"
                      << "  tls_verify: false\n"
                      << "data_dir: ./data\n"
                      << "profile: { name: " << name << " }\n"
                      << "limits: { send_per_minute: 0 }\n"
                      << "logging: { level: debug }\n"
                      << plugins;
}

std::string DcbotCliTest::invite(const fs::path& config) {
  auto [code, out] = run_capture({program_, "invite", config.string()}, log_);
  EXPECT_EQ(code, 0) << log();
  return out.substr(0, out.find('\n'));
}

void DcbotCliTest::run_bot(const fs::path& config) {
  pid_ = spawn({program_, "run", config.string()}, log_);
}

void DcbotCliTest::stop() {
  ASSERT_GT(pid_, 0);
  kill(pid_, SIGTERM);
  EXPECT_EQ(wait_exit(pid_, 30s), 0) << log();
  pid_ = -1;
}

std::uint32_t DcbotCliTest::join(const std::string& link) {
  auto chat = join_by_link(user(), link);
  EXPECT_TRUE(chat) << chat.error().to_string() << "\n" << log();
  return chat ? *chat : 0;
}

void DcbotCliTest::expect_answer(std::uint32_t chat, const std::string& text,
                                 const std::string& answer) {
  ASSERT_TRUE(user().send_text(chat, text));
  auto got = user().wait_incoming_text(answer, 90s);
  ASSERT_TRUE(got) << "no \"" << answer << "\" for \"" << text << "\": " << got.error().to_string()
                   << "\n"
                   << log();
  EXPECT_EQ(got->at("chatId").to_number<std::uint32_t>(), chat);
  EXPECT_EQ(got->at("showPadlock"), true);
}

bool DcbotCliTest::wait_log(const std::string& needle, int count,
                            std::chrono::seconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = log();
    int seen = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++seen;
    }
    if (seen >= count) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string DcbotCliTest::log() const {
  return read_file(log_);
}

}  // namespace dcbot::testsupport
