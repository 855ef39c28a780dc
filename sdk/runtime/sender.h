// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "dcbot/result.h"
#include "net/backoff.h"
#include "net/task.h"
#include "runtime/rate_limiter.h"
#include "runtime/signal.h"
#include "runtime/transport_config.h"
#include "smtp/session.h"
#include "store/db.h"
#include "store/mailbox.h"

namespace dcbot::runtime {

struct SenderOptions {
  // The outgoing rate limit (DESIGN.md, SECURITY.md "Rate limits"); 0 = unlimited.
  int send_per_minute = 60;
  int send_burst = 10;
  // Rows taken from the outbox per query.
  int batch = 10;
  // Recipients per SMTP transaction (PROTOCOL.md §7.1: the core chunks by the relay's
  // advertised maximum, default 50); a mail to more is sent in several transactions, and the
  // outbox row keeps only the recipients still to send to. 0 = no limit.
  int max_recipients = 50;
  // Retry delays of a transient failure: doubling from retry_min, capped at retry_max, each
  // drawn from [d/2, d] (SECURITY.md: the core starts at 30 s and grows ~1.5-2x with jitter).
  std::chrono::seconds retry_min = std::chrono::seconds(30);
  std::chrono::seconds retry_max = std::chrono::hours(1);
  // A row whose attempts reach this many transient failures is failed (the core gives up after
  // 6). Failures to connect or log in are not counted against rows: they back off on their own.
  int max_attempts = 6;
  // Delays between attempts to connect or log in.
  std::chrono::milliseconds backoff_min = std::chrono::seconds(1);
  std::chrono::milliseconds backoff_max = std::chrono::minutes(5);
  // An SMTP connection unused for this long is closed with QUIT.
  net::Duration idle_close = std::chrono::seconds(60);
  // With nothing queued, the outbox is looked at again after this long even without a wake().
  net::Duration poll_interval = std::chrono::minutes(5);
};

// A mail that will not be delivered, to some or all of its recipients.
struct DeliveryFailure {
  std::int64_t outbox_id = 0;
  std::int64_t chat_id = 0;
  std::string rfc724_mid{};
  // The recipients that failed (all of them when the whole mail failed).
  std::vector<std::string> recipients{};
  std::string error{};
};

struct SenderCallbacks {
  // A row was sent (to every recipient not reported failed).
  std::function<void(const store::OutboxItem&)> on_sent{};
  // A row, or some of its recipients, failed for good; the engine turns this into an event.
  std::function<void(const DeliveryFailure&)> on_failed{};
};

// The delay before retry number `attempts` + 1 (attempts >= 0) of a transiently failed mail:
// min * 2^attempts capped at max, scaled into [1/2, 1] by `random` (uniform over 64 bits).
std::chrono::seconds retry_delay(int attempts, std::chrono::seconds min, std::chrono::seconds max,
                                 std::uint64_t random);

// The SMTP loop of one transport (DESIGN.md data flow step 4): waits until woken (new outbox
// rows) or the outbox's next_wakeup, sends Outbox::next_due() rows (one per chat at a time, so
// chat order is kept) within the RateLimiter over one reused SMTP session, and records the
// outcome: mark_sent; record_retry with jittered backoff for 4xx (the chatmail rate limit
// "450 4.7.1" included) and dropped connections; mark_failed and on_failed for 5xx (5.5.0 is
// transient, as in the core). Refused recipients of a partly accepted mail are retried
// (set_recipients) or reported. Lives on the io thread; `db` must outlive it.
class Sender {
 public:
  Sender(const boost::asio::any_io_executor& executor, store::Db& db, TransportConfig transport,
         SenderOptions options, SenderCallbacks callbacks);
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender();

  // New rows were queued: look at the outbox now.
  void wake() { wakeup_.notify(); }

  // Runs until `stop` is requested, then returns; never fails. `stop` must outlive the call.
  Task<void> run(StopSignal* stop);

  // SMTP connections opened so far.
  [[nodiscard]] std::uint64_t connects() const { return connects_; }

 private:
  enum class Outcome { Done, Retry, ConnectionFailed };

  Task<void> loop(StopSignal* stop);
  Task<Result<>> ensure_session(boost::asio::any_io_executor executor);
  Task<Outcome> send_one(boost::asio::any_io_executor executor, store::OutboxItem item);
  // `later`: recipients of further chunks, still to send to after this transaction.
  Result<> handle_report(const store::OutboxItem& item, const smtp::SendReport& report,
                         std::vector<std::string> later);
  Result<> handle_error(const store::OutboxItem& item, const Error& error,
                        smtp::Disposition disposition);
  Result<> fail(const store::OutboxItem& item, std::vector<std::string> recipients,
                std::string error);
  Task<void> close_session();

  store::Db* db_;
  TransportConfig transport_;
  SenderOptions options_;
  SenderCallbacks callbacks_;
  RateLimiter limiter_;
  net::Backoff backoff_;
  Wakeup wakeup_;
  std::optional<smtp::Session> session_;
  std::chrono::steady_clock::time_point last_used_{};
  std::mt19937_64 rng_;
  std::uint64_t connects_ = 0;
};

}  // namespace dcbot::runtime
