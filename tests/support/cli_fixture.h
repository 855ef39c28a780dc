// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "support/relay_env.h"
#include "support/rpc_peer.h"
#include <sys/types.h>

// A gtest fixture for tests that run the generic `dcbot` program as a user does (bot folders with a
// bot.yaml on the local relay, `dcbot invite`, `dcbot run` as a subprocess whose log the test
// reads, SIGTERM to stop) against one real-core user. Derived fixtures call set_up() from SetUp().
namespace dcbot::testsupport {

class DcbotCliTest : public ::testing::Test {
 protected:
  // Loads the relay; creates the test's folder dir_ = `<root>/<dir_prefix><random>@<domain>` (a
  // fresh relay address, so a derived fixture may use the name as a bot's address) and the log
  // `dir_/dcbot.log`; starts a core peer named `user_name` with one account ("User" at
  // `<user_name>-<random>@<domain>`) ready to receive. `program` is the `dcbot` binary.
  void set_up(std::string program, const std::filesystem::path& root, std::string_view dir_prefix,
              const std::string& user_name);

  // Kills a `dcbot run` that is still running.
  void TearDown() override;

  // Writes a bot.yaml for `addr` on the local relay (implicit TLS, no certificate check, data in
  // ./data, debug logging, no send limit) with the display name `name`; `plugins` is appended
  // verbatim (a `plugins:` block and anything after it).
  void write_bot(const std::filesystem::path& file, const std::string& addr,
                 const std::string& name, const std::string& plugins) const;

  // `dcbot invite <config>`: the bot's invite link (its first output line).
  std::string invite(const std::filesystem::path& config);

  // `dcbot run <config>` in the background (pid_).
  void run_bot(const std::filesystem::path& config);

  // SIGTERM to the running `dcbot run`; expects a clean exit (code 0).
  void stop();

  // The user scans `link` and waits until the handshake is done: the user's chat with the bot.
  std::uint32_t join(const std::string& link);

  // Sends `text` to `chat` and expects `answer` back in the same chat, encrypted.
  void expect_answer(std::uint32_t chat, const std::string& text, const std::string& answer);

  // Waits until the log contains `needle` at least `count` times.
  bool wait_log(const std::string& needle, int count, std::chrono::seconds limit) const;

  // The whole log so far.
  [[nodiscard]] std::string log() const;

  PeerAccount& user() { return *user_; }

  std::string program_;
  RelayEnv relay_;
  std::filesystem::path dir_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::unique_ptr<RpcPeer> peer_;
  std::optional<PeerAccount> user_;
};

}  // namespace dcbot::testsupport
