// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "dcbot/bot.h"
#include "dcbot/result.h"

#include "support/peer_setup.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"

// A bot of the SDK run in-process on its own io thread, exactly as `dcbot run` runs it
// (runtime::open_bot + Engine::run), on the local relay; the interop tests drive it against the
// real core. Bot methods run on the io thread: before start() on the test's thread, afterwards
// through on_bot().
namespace dcbot::testsupport {

class InProcessBot {
 public:
  // Opens (not starts) a bot at a fresh relay address `<addr_prefix><random>@<domain>` whose data
  // lives in `<data_root>/<address>`, with short fetch and send backoffs and no send limit.
  [[nodiscard]] static Result<std::unique_ptr<InProcessBot>> open(
      const RelayEnv& relay, std::string_view addr_prefix, const std::filesystem::path& data_root,
      std::string display_name);

  // Stops the engine, joins the io thread, closes the bot.
  ~InProcessBot();
  InProcessBot(const InProcessBot&) = delete;
  InProcessBot& operator=(const InProcessBot&) = delete;

  [[nodiscard]] Bot& bot() { return *bot_; }

  [[nodiscard]] boost::asio::io_context& io() { return io_; }

  // Runs the engine on a new io thread.
  void start();

  [[nodiscard]] bool started() const { return thread_.joinable(); }

  // Runs `fn` on the bot's io thread and waits for it (after start()).
  template <class Fn>
  auto on_bot(Fn fn) -> decltype(fn()) {
    std::promise<decltype(fn())> promise;
    boost::asio::post(io_, [&] { promise.set_value(fn()); });
    return promise.get_future().get();
  }

  // Every ContactVerifiedEvent the bot's handler saw so far (the bot registers this recorder
  // itself; tests may add their own handlers beside it).
  [[nodiscard]] std::vector<ContactVerifiedEvent> verified() const;

  // Waits until `done` holds for the verified events seen so far (called under the lock).
  [[nodiscard]] bool wait_verified(
      const std::function<bool(const std::vector<ContactVerifiedEvent>& seen)>& done,
      std::chrono::milliseconds limit = kJoinTimeout);

  // The user scans the bot's 1:1 invite link (v3, or the legacy flow); waits until the user's core
  // finished the handshake and the bot verified the user too (ContactVerifiedEvent with the user's
  // address). Returns the user's chat with the bot. The bot must have been started.
  [[nodiscard]] Result<std::uint32_t> verify_user(PeerAccount& user, bool legacy = false,
                                                  std::chrono::milliseconds limit = kJoinTimeout);

 private:
  InProcessBot() = default;

  boost::asio::io_context io_;
  std::thread thread_;
  std::unique_ptr<Bot> bot_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ContactVerifiedEvent> verified_;
};

}  // namespace dcbot::testsupport
