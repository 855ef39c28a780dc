// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>

// The outbox's send rate limit (SECURITY.md "Rate limits": chatmail relays allow 60 mails per
// minute with a burst of 10 and answer "450 4.7.1" above that).
namespace dcbot::runtime {

// A sans-IO token bucket, written as GCRA (the algorithm filtermail itself uses): `per_minute`
// sends per minute on average, at most `burst` back to back. per_minute = 0 means unlimited.
// Time comes in as `now` on the steady clock. Not thread-safe; lives with the Sender.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `burst` below 1 counts as 1; a negative `per_minute` counts as 0 (unlimited).
  RateLimiter(int per_minute, int burst);

  [[nodiscard]] bool is_unlimited() const { return interval_.count() == 0; }

  // The earliest time, not before `now`, at which one more send is allowed.
  [[nodiscard]] Clock::time_point next_allowed(Clock::time_point now) const;

  // Takes one send if allowed at `now` and returns true; returns false (and changes nothing)
  // otherwise.
  bool try_acquire(Clock::time_point now);

 private:
  Clock::duration interval_;   // 60 s / per_minute; zero when unlimited.
  Clock::duration tolerance_;  // (burst - 1) * interval_.
  // GCRA's theoretical arrival time of the next send; empty before the first.
  std::optional<Clock::time_point> tat_;
};

}  // namespace dcbot::runtime
