// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace dcbot::net {

// Reconnect delays for supervised loops (STYLE.md §2.4): exponential from `min` up to `max`,
// doubling per failed attempt, each delay drawn uniformly from [base/2, base] so that many bots
// restarted together don't reconnect in lockstep. Sans-IO: the caller sleeps. Not thread-safe.
class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  explicit Backoff(Duration min = std::chrono::seconds(1), Duration max = std::chrono::minutes(5),
                   std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt; counts one more failure.
  Duration next();

  // Call after a success: the next delay starts again from `min`.
  void reset() { attempts_ = 0; }

  // Failures counted since the last reset().
  [[nodiscard]] unsigned attempts() const { return attempts_; }

 private:
  Duration min_;
  Duration max_;
  unsigned attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace dcbot::net
