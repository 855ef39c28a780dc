// SPDX-License-Identifier: MIT
// C++ plugins in the generic `dcbot` program against the real core (issue #6): a bot whose only
// plugin is a `.so` built in the tree (sdk/plugin/test_plugins/good.h: `/ping`, and every other
// message echoed with a prefix) is joined and answers; when ctest plugin.out_of_tree has run, a
// second bot loads the plugin built out of tree against the installed SDK (examples/cpp_plugin).
#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/cli_fixture.h"
#include "support/process.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using testsupport::run_capture;

class CppPluginCli : public testsupport::DcbotCliTest {
 protected:
  void SetUp() override {
    // The test's folder is named after the bot's address.
    ASSERT_NO_FATAL_FAILURE(
        set_up(DCBOT_BIN, fs::path(DCBOT_BINARY_DIR) / "cpp-plugin-cli", "cppbot-", "cppuser"));
    addr_ = dir_.filename().string();
  }

  fs::path write_bot(const std::string& plugins) {
    fs::path file = dir_ / "bot.yaml";
    DcbotCliTest::write_bot(file, addr_, "Cpp Bot", plugins);
    return file;
  }

  // check, invite, run, join: the chat with the running bot.
  std::uint32_t start(const fs::path& config) {
    auto [check_code, summary] = run_capture({DCBOT_BIN, "check", config.string()}, log_);
    EXPECT_EQ(check_code, 0) << log();
    EXPECT_NE(summary.find("cpp "), std::string::npos) << summary;
    const std::string link = invite(config);
    run_bot(config);
    return join(link);
  }

  void stop() {
    ASSERT_NO_FATAL_FAILURE(DcbotCliTest::stop());
    // Unloaded with the bot, after its handlers were detached.
    EXPECT_NE(log().find("unloaded"), std::string::npos) << log();
  }

  std::string addr_;
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
