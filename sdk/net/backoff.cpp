// SPDX-License-Identifier: MIT
#include "net/backoff.h"

#include <algorithm>

#include "dcbot/result.h"

namespace dcbot::net {

Backoff::Backoff(Duration min, Duration max, std::uint64_t seed)
    : min_(min), max_(max), rng_(seed) {
  DCBOT_CHECK(min.count() > 0 && min <= max, "backoff needs 0 < min <= max");
}

Backoff::Duration Backoff::next() {
  // Double per attempt without overflowing: stop doubling once the cap is reached.
  Duration base = min_;
  for (unsigned i = 0; i < attempts_ && base < max_; ++i) {
    base = std::min(base * 2, max_);
  }
  ++attempts_;
  std::uniform_int_distribution<Duration::rep> jitter(base.count() / 2, base.count());
  return Duration(jitter(rng_));
}

}  // namespace dcbot::net
