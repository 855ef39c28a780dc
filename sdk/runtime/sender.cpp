// SPDX-License-Identifier: MIT
#include "runtime/sender.h"

#include <algorithm>
#include <utility>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include "dcbot/log.h"

namespace dcbot::runtime {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Errors after which the connection is unusable (smtp::Session: transport errors).
bool breaks_connection(const Error& error) {
  return error.code != Errc::Protocol && error.code != Errc::Auth;
}

}  // namespace

std::chrono::seconds retry_delay(int attempts, std::chrono::seconds min, std::chrono::seconds max,
                                 std::uint64_t random) {
  auto base = std::max(min, std::chrono::seconds(1));
  for (int i = 0; i < attempts && base < max; ++i) {
    base *= 2;
  }
  base = std::min(base, std::max(max, min));
  // Uniform in [base/2, base]: restarted bots spread their retries instead of retrying in step.
  const auto span = static_cast<std::uint64_t>(base.count() - base.count() / 2);
  const auto jitter = static_cast<std::int64_t>(span == 0 ? 0 : random % (span + 1));
  return std::chrono::seconds(base.count() / 2 + jitter);
}

Sender::Sender(const asio::any_io_executor& executor, store::Db& db, TransportConfig transport,
               SenderOptions options, SenderCallbacks callbacks)
    : db_(&db),
      transport_(std::move(transport)),
      options_(options),
      callbacks_(std::move(callbacks)),
      limiter_(options.send_per_minute, options.send_burst),
      backoff_(options.backoff_min, options.backoff_max),
      wakeup_(executor),
      rng_(std::random_device{}()) {}

Sender::~Sender() = default;

Task<void> Sender::run(StopSignal* stop) {
  using asio::experimental::awaitable_operators::operator||;
  // The stop request cancels whatever the loop waits for; an unfinished send stays queued and is
  // sent again after a restart (the relay may then get it twice, like the core after a crash).
  co_await (loop(stop) || stop->wait());
  session_.reset();
}

Task<void> Sender::loop(StopSignal* stop) {
  auto executor = co_await asio::this_coro::executor;
  store::Outbox outbox(*db_);
  while (!stop->requested()) {
    const std::int64_t now = unix_now();
    auto due = outbox.next_due(now, options_.batch);
    if (!due) {
      auto delay = backoff_.next();
      log::error("runtime: smtp {}: outbox: {}; retrying in {} ms", transport_.addr,
                 due.error().to_string(), delay.count());
      co_await sleep_for(delay);
      continue;
    }
    if (due->empty()) {
      net::Duration wait = options_.poll_interval;
      auto wake_at = outbox.next_wakeup();
      if (wake_at && *wake_at) {
        // A queued row that is not due now either waits for its retry time or sits behind an
        // earlier row of its chat; in the latter case poll once a second.
        wait = std::min(
            wait, net::Duration(std::chrono::seconds(std::max<std::int64_t>(1, **wake_at - now))));
      }
      if (session_) {
        auto idle_for = SteadyClock::now() - last_used_;
        if (idle_for >= options_.idle_close) {
          log::debug("runtime: smtp {}: closing the idle connection", transport_.addr);
          co_await close_session();
        } else {
          wait = std::min(wait, options_.idle_close - idle_for);
        }
      }
      co_await wakeup_.wait(wait);
      continue;
    }
    for (auto& item : *due) {
      if (stop->requested()) {
        break;
      }
      Outcome outcome = co_await send_one(executor, std::move(item));
      if (outcome == Outcome::ConnectionFailed) {
        co_await sleep_for(backoff_.next());
        break;
      }
    }
  }
}

Task<Result<>> Sender::ensure_session(asio::any_io_executor executor) {
  if (session_) {
    co_return Result<>{};
  }
  DCBOT_CO_TRY(auto session, co_await smtp::Session::connect(executor, transport_.smtp_options()));
  if (transport_.smtp.authenticate) {
    auto login = co_await session.login(transport_.smtp_user(), transport_.password);
    if (!login) {
      session.close();
      co_return login.error();
    }
  }
  session_.emplace(std::move(session));
  last_used_ = SteadyClock::now();
  ++connects_;
  co_return Result<>{};
}

Task<Sender::Outcome> Sender::send_one(asio::any_io_executor executor, store::OutboxItem item) {
  const std::string from = item.envelope_from.empty() ? transport_.addr : item.envelope_from;
  // A reused connection may have been closed by the server while idle; that is not the mail's
  // fault, so such a send is repeated once on a new connection before it counts as an attempt.
  for (int round = 0; round < 2; ++round) {
    const bool reused = session_.has_value();
    auto ready = co_await ensure_session(executor);
    if (!ready) {
      log::warn("runtime: smtp {}: {}", transport_.addr, ready.error().to_string());
      co_return Outcome::ConnectionFailed;
    }
    backoff_.reset();
    auto now = SteadyClock::now();
    auto allowed = limiter_.next_allowed(now);
    if (allowed > now) {
      co_await sleep_for(allowed - now);
    }
    limiter_.try_acquire(std::max(allowed, SteadyClock::now()));
    std::vector<std::string> chunk = item.recipients;
    std::vector<std::string> later;
    const auto max = static_cast<std::size_t>(std::max(options_.max_recipients, 0));
    if (max > 0 && chunk.size() > max) {
      later.assign(chunk.begin() + static_cast<std::ptrdiff_t>(max), chunk.end());
      chunk.resize(max);
    }
    auto sent = co_await session_->send(from, chunk, item.raw);
    last_used_ = SteadyClock::now();
    if (sent) {
      if (auto r = handle_report(item, *sent, std::move(later)); !r) {
        log::error("runtime: smtp {}: outbox: {}", transport_.addr, r.error().to_string());
      }
      co_return Outcome::Done;
    }
    const Error error = sent.error();
    const auto disposition = smtp::disposition_of(error, session_->last_failure());
    if (breaks_connection(error)) {
      session_->close();
      session_.reset();
      if (reused && error.code == Errc::Io && round == 0) {
        log::debug("runtime: smtp {}: reused connection broke ({}), reconnecting", transport_.addr,
                   error.to_string());
        continue;
      }
    }
    if (auto r = handle_error(item, error, disposition); !r) {
      log::error("runtime: smtp {}: outbox: {}", transport_.addr, r.error().to_string());
    }
    co_return Outcome::Retry;
  }
  co_return Outcome::Retry;
}

Result<> Sender::handle_report(const store::OutboxItem& item, const smtp::SendReport& report,
                               std::vector<std::string> later) {
  store::Outbox outbox(*db_);
  std::vector<std::string> retry;
  std::vector<std::string> failed;
  std::string retry_error;
  std::string failed_error;
  for (const auto& rejected : report.rejected) {
    if (rejected.reply.disposition() == smtp::Disposition::Transient) {
      retry.push_back(rejected.address);
      retry_error = rejected.address + ": " + rejected.reply.summary();
    } else {
      failed.push_back(rejected.address);
      failed_error = rejected.address + ": " + rejected.reply.summary();
    }
  }
  if (!failed.empty()) {
    log::warn("runtime: smtp {}: mail {} refused for {} recipients: {}", transport_.addr,
              item.rfc724_mid, failed.size(), failed_error);
    if (callbacks_.on_failed) {
      callbacks_.on_failed(DeliveryFailure{.outbox_id = item.id,
                                           .chat_id = item.chat_id,
                                           .rfc724_mid = item.rfc724_mid,
                                           .recipients = failed,
                                           .error = failed_error});
    }
  }
  if (!later.empty()) {
    // More chunks to go: keep only the recipients not yet sent to (and those to retry); the row
    // stays queued and due, so the next round sends the next chunk.
    std::vector<std::string> rest = std::move(later);
    rest.insert(rest.end(), retry.begin(), retry.end());
    DCBOT_TRY(outbox.set_recipients(item.id, rest));
    if (retry.empty()) {
      return {};
    }
    retry = std::move(rest);
  }
  if (!retry.empty()) {
    // SECURITY.md: after a partial delivery only the remaining recipients are kept.
    DCBOT_TRY(outbox.set_recipients(item.id, retry));
    store::OutboxItem rest = item;
    rest.recipients = retry;
    return handle_error(rest, make_error(Errc::Protocol, retry_error),
                        smtp::Disposition::Transient);
  }
  DCBOT_TRY(outbox.mark_sent(item.id));
  log::debug("runtime: smtp {}: sent {} to {} recipients", transport_.addr, item.rfc724_mid,
             report.accepted.size());
  if (callbacks_.on_sent) {
    callbacks_.on_sent(item);
  }
  return {};
}

Result<> Sender::handle_error(const store::OutboxItem& item, const Error& error,
                              smtp::Disposition disposition) {
  if (disposition == smtp::Disposition::Transient && item.attempts + 1 < options_.max_attempts) {
    const auto delay = retry_delay(item.attempts, options_.retry_min, options_.retry_max, rng_());
    log::warn("runtime: smtp {}: mail {} not sent: {}; retrying in {} s", transport_.addr,
              item.rfc724_mid, error.to_string(), delay.count());
    return store::Outbox(*db_).record_retry(item.id, error.to_string(), unix_now() + delay.count());
  }
  std::string why = error.to_string();
  if (disposition == smtp::Disposition::Transient) {
    why = "gave up after " + std::to_string(item.attempts + 1) + " attempts: " + why;
  }
  return fail(item, item.recipients, std::move(why));
}

Result<> Sender::fail(const store::OutboxItem& item, std::vector<std::string> recipients,
                      std::string error) {
  log::warn("runtime: smtp {}: mail {} failed: {}", transport_.addr, item.rfc724_mid, error);
  DCBOT_TRY(store::Outbox(*db_).mark_failed(item.id, error));
  if (callbacks_.on_failed) {
    callbacks_.on_failed(DeliveryFailure{.outbox_id = item.id,
                                         .chat_id = item.chat_id,
                                         .rfc724_mid = item.rfc724_mid,
                                         .recipients = std::move(recipients),
                                         .error = std::move(error)});
  }
  return {};
}

Task<void> Sender::close_session() {
  if (!session_) {
    co_return;
  }
  // QUIT has the session's reply deadline; its outcome does not matter.
  auto quit = co_await session_->quit();
  if (!quit) {
    log::debug("runtime: smtp {}: quit: {}", transport_.addr, quit.error().to_string());
  }
  session_.reset();
}

}  // namespace dcbot::runtime
