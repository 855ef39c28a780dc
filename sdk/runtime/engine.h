// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "dcbot/result.h"
#include "net/task.h"
#include "runtime/fetcher.h"
#include "runtime/sender.h"
#include "runtime/transport_config.h"
#include "store/db.h"
#include "store/mailbox.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace dcbot::runtime {

// Processes one inbox mail (the chat engine plugs in here). It runs inside an open write
// transaction on `db` (it must not begin or commit one itself): whatever it writes — messages,
// events, outbox rows — commits together with the mail's processed mark, or not at all when it
// returns an error or throws. It must not block: it runs on the io thread.
using Processor = std::function<Result<>(const store::InboxItem& item, store::Db& db)>;

struct EngineOptions {
  TransportConfig transport{};
  // The account's SQLite file (created and migrated on open), or ":memory:".
  std::string db_path{};
  FetcherOptions fetcher{};
  SenderOptions sender{};
  // Without a processor, fetched mails stay pending in the inbox.
  Processor processor{};
  SenderCallbacks delivery{};
};

// One account's runtime (DESIGN.md "Concurrency"): owns the store and runs the IMAP Fetcher, the
// SMTP Sender and the processing loop on one io_context thread. Processing takes
// Inbox::next_pending() in order, counts the attempt first (so a mail that kills the process is
// counted too), runs the Processor in a transaction that ends with mark_processed, and records a
// failure otherwise: after kMaxInboxAttempts failures the mail is tombstoned and the next one is
// processed, so a poisoned mail never wedges the loop.
//
// The state lives behind a shared pointer that the running coroutines share, so destroying the
// Engine while run() is suspended is safe (it requests a stop); the loops end once the
// io_context runs again, or are destroyed with it.
class Engine {
 public:
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  // Opens (and migrates) the store. Errc::Io / Errc::Unsupported from the store;
  // Errc::InvalidArgument when the transport lacks an address or a server host.
  static Result<Engine> open(boost::asio::any_io_executor executor, EngineOptions options);

  // Runs the three loops until stop(), then returns once all of them ended. Call once.
  Task<void> run();

  // The one stop signal (STYLE.md §2.4): every loop ends promptly, then run() returns.
  // Idempotent; safe before run().
  void stop();

  // New outbox rows were queued outside the processor: send them now.
  void notify_outbox();

  // The store; valid while the Engine lives. Use it on the io thread only.
  [[nodiscard]] store::Db& db();

  [[nodiscard]] const Fetcher& fetcher() const;
  [[nodiscard]] const Sender& sender() const;
  // Mails handed to the processor so far (attempts, including failed ones).
  [[nodiscard]] std::uint64_t processed_attempts() const;

 private:
  struct State;
  explicit Engine(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

// Runs `engine` on `io` (on the calling thread) until SIGINT or SIGTERM arrives or the engine
// stops by itself, then stops the engine and lets everything drain before returning.
void run_until_signal(boost::asio::io_context& io, Engine& engine);

}  // namespace dcbot::runtime
