// SPDX-License-Identifier: MIT
#include "runtime/rate_limiter.h"

#include <algorithm>

namespace dcbot::runtime {

RateLimiter::RateLimiter(int per_minute, int burst)
    : interval_(per_minute > 0 ? Clock::duration(std::chrono::minutes(1)) / per_minute
                               : Clock::duration::zero()),
      tolerance_(interval_ * (std::max(burst, 1) - 1)) {}

RateLimiter::Clock::time_point RateLimiter::next_allowed(Clock::time_point now) const {
  if (is_unlimited() || !tat_) {
    return now;
  }
  // GCRA: a send at t conforms when t >= tat - tolerance.
  return std::max(now, *tat_ - tolerance_);
}

bool RateLimiter::try_acquire(Clock::time_point now) {
  if (is_unlimited()) {
    return true;
  }
  if (next_allowed(now) > now) {
    return false;
  }
  tat_ = std::max(tat_.value_or(now), now) + interval_;
  return true;
}

}  // namespace dcbot::runtime
