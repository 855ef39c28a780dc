// SPDX-License-Identifier: MIT
#include "runtime/flood_control.h"

namespace dcbot::runtime {

bool FloodControl::allow(std::string_view sender, Clock::time_point now) {
  if (is_off()) {
    return true;
  }
  if (senders_.size() > kMaxIdleSenders) {
    forget_idle(now);
  }
  auto& times = senders_[std::string(sender)];
  while (!times.empty() && now - times.front() >= kWindow) {
    times.pop_front();
  }
  if (times.size() >= static_cast<std::size_t>(per_minute_)) {
    return false;
  }
  times.push_back(now);
  return true;
}

void FloodControl::forget_idle(Clock::time_point now) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    if (it->second.empty() || now - it->second.back() >= kWindow) {
      it = senders_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace dcbot::runtime
