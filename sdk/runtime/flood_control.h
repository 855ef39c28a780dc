// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

// Per-user inbound flood control (issue #6, docs/config.md `limits.user_messages_per_minute`):
// one sender's messages beyond the limit are not handed to the handlers, so one user cannot fill
// the outbox (and use up the relay's send rate) for everyone else.
namespace dcbot::runtime {

// A sans-IO sliding window per sender: at most `per_minute` messages from one sender in any 60
// seconds; a message over the limit is refused and does not count. per_minute <= 0 means off.
// Time comes in as `now` on the steady clock. Not thread-safe; lives on the io thread.
class FloodControl {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr Clock::duration kWindow = std::chrono::minutes(1);
  // Beyond this many tracked senders, idle ones are forgotten (their windows are empty anyway).
  static constexpr std::size_t kMaxIdleSenders = 4096;

  explicit FloodControl(int per_minute = 0) : per_minute_(per_minute < 0 ? 0 : per_minute) {}

  [[nodiscard]] bool is_off() const { return per_minute_ == 0; }

  [[nodiscard]] int per_minute() const { return per_minute_; }

  // Counts one message from `sender` at `now` and returns true if it is within the limit;
  // returns false (counting nothing) if the sender already had `per_minute` messages in the
  // window ending at `now`.
  bool allow(std::string_view sender, Clock::time_point now);

  // Senders currently tracked (for tests).
  [[nodiscard]] std::size_t tracked() const { return senders_.size(); }

 private:
  void forget_idle(Clock::time_point now);

  int per_minute_;
  // Accepted message times per sender, oldest first, at most per_minute_ entries each.
  std::unordered_map<std::string, std::deque<Clock::time_point>> senders_;
};

}  // namespace dcbot::runtime
