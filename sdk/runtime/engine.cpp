// SPDX-License-Identifier: MIT
#include "runtime/engine.h"

#include <csignal>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dcbot/log.h"
#include "net/backoff.h"
#include "store/schema.h"

namespace dcbot::runtime {

namespace asio = boost::asio;

struct Engine::State {
  State(asio::any_io_executor ex, EngineOptions opts, store::Db database)
      : executor(std::move(ex)),
        db(std::move(database)),
        options(std::move(opts)),
        stop(executor),
        inbox_wakeup(executor),
        fetcher(db, options.transport, options.fetcher, [this] { inbox_wakeup.notify(); }),
        sender(executor, db, options.transport, options.sender, options.delivery) {}

  asio::any_io_executor executor;
  store::Db db;
  EngineOptions options;
  StopSignal stop;
  Wakeup inbox_wakeup;
  Fetcher fetcher;
  Sender sender;
  std::uint64_t processed_attempts = 0;
  bool started = false;

  static Task<void> run(std::shared_ptr<State> state);
  static Task<void> process_loop(std::shared_ptr<State> state);
  static Task<void> process_items(std::shared_ptr<State> state);
  // Processes the oldest pending mail; false when there was none.
  Result<bool> process_next();
  Result<> process_in_txn(const store::InboxItem& item);
};

namespace {

// How long the processing loop sleeps when nothing woke it; a safety net only, since the
// Fetcher wakes it for every commit.
constexpr auto kProcessPoll = std::chrono::seconds(60);

}  // namespace

Task<void> Engine::State::run(std::shared_ptr<State> state) {
  using asio::experimental::awaitable_operators::operator&&;
  log::info("runtime: {}: engine started", state->options.transport.addr);
  co_await (state->fetcher.run(&state->stop) && state->sender.run(&state->stop)
            && process_loop(state));
  log::info("runtime: {}: engine stopped", state->options.transport.addr);
}

Task<void> Engine::State::process_loop(std::shared_ptr<State> state) {
  using asio::experimental::awaitable_operators::operator||;
  StopSignal* stop = &state->stop;
  co_await (process_items(std::move(state)) || stop->wait());
}

Task<void> Engine::State::process_items(std::shared_ptr<State> state) {
  net::Backoff backoff;
  while (!state->stop.requested()) {
    auto processed = state->process_next();
    if (!processed) {
      auto delay = backoff.next();
      log::error("runtime: {}: inbox: {}; retrying in {} ms", state->options.transport.addr,
                 processed.error().to_string(), delay.count());
      co_await sleep_for(delay);
      continue;
    }
    backoff.reset();
    if (!*processed) {
      co_await state->inbox_wakeup.wait(kProcessPoll);
      continue;
    }
    // One mail per turn: let the network loops run between mails of a long backlog.
    co_await asio::post(state->executor, asio::use_awaitable);
  }
}

Result<bool> Engine::State::process_next() {
  if (!options.processor) {
    return false;
  }
  store::Inbox inbox(db);
  DCBOT_TRY(auto item, inbox.next_pending());
  if (!item) {
    return false;
  }
  // Counted (and committed) before processing: a mail that crashes the process each time is
  // tombstoned by this call on its fourth start.
  DCBOT_TRY(auto state, inbox.begin_attempt(item->id));
  if (state == store::InboxState::Tombstoned) {
    log::error("runtime: {}: inbox mail {} (uid {}) tombstoned after {} attempts",
               options.transport.addr, item->id, item->uid, store::kMaxInboxAttempts);
    return true;
  }
  ++processed_attempts;
  auto outcome = process_in_txn(*item);
  if (outcome) {
    // The processor may have queued replies in its transaction.
    sender.wake();
    return true;
  }
  DCBOT_TRY(auto after, inbox.record_failure(item->id, outcome.error().to_string()));
  if (after == store::InboxState::Tombstoned) {
    log::error("runtime: {}: inbox mail {} (uid {}) tombstoned: {}", options.transport.addr,
               item->id, item->uid, outcome.error().to_string());
  } else {
    log::warn("runtime: {}: inbox mail {} (uid {}) failed, will retry: {}", options.transport.addr,
              item->id, item->uid, outcome.error().to_string());
  }
  return true;
}

Result<> Engine::State::process_in_txn(const store::InboxItem& item) {
  DCBOT_TRY(auto txn, store::Txn::begin(db));
  Result<> processed;
  // The boundary of STYLE.md §1.5: a throwing processor is a failed attempt, not a dead loop.
  try {
    processed = options.processor(item, db);
  } catch (const std::exception& e) {
    processed = make_error(Errc::Internal, std::string("processor threw: ") + e.what());
  } catch (...) {
    processed = make_error(Errc::Internal, "processor threw");
  }
  if (!processed) {
    return processed.error().with_context("process");
  }
  DCBOT_TRY(store::Inbox(db).mark_processed(item.id));
  return txn.commit();
}

Engine::Engine(std::shared_ptr<State> state) : state_(std::move(state)) {}

Engine::Engine(Engine&&) noexcept = default;

Engine& Engine::operator=(Engine&&) noexcept = default;

Engine::~Engine() {
  if (state_) {
    state_->stop.request();
  }
}

Result<Engine> Engine::open(asio::any_io_executor executor, EngineOptions options) {
  const auto& t = options.transport;
  if (t.addr.empty() || t.imap.host.empty() || t.smtp.host.empty()) {
    return make_error(Errc::InvalidArgument,
                      "runtime: transport needs an address and imap and smtp hosts");
  }
  auto db = store::open_store(options.db_path);
  if (!db) {
    return db.error().with_context("runtime: open store");
  }
  return Engine(std::make_shared<State>(std::move(executor), std::move(options), std::move(*db)));
}

Task<void> Engine::run() {
  DCBOT_CHECK(!state_->started, "runtime: Engine::run called twice");
  state_->started = true;
  return State::run(state_);
}

void Engine::stop() {
  state_->stop.request();
}

void Engine::notify_outbox() {
  state_->sender.wake();
}

store::Db& Engine::db() {
  return state_->db;
}

const Fetcher& Engine::fetcher() const {
  return state_->fetcher;
}

const Sender& Engine::sender() const {
  return state_->sender;
}

std::uint64_t Engine::processed_attempts() const {
  return state_->processed_attempts;
}

void run_until_signal(asio::io_context& io, Engine& engine) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&engine](const boost::system::error_code& ec, int signal) {
    if (!ec) {
      log::info("runtime: signal {}, stopping", signal);
      engine.stop();
    }
  });
  asio::co_spawn(io, engine.run(), [&signals](const std::exception_ptr& error) {
    signals.cancel();
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log::error("runtime: engine ended with an exception: {}", e.what());
      } catch (...) {
        log::error("runtime: engine ended with an unknown exception");
      }
    }
  });
  io.run();
}

}  // namespace dcbot::runtime
