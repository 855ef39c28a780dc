// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "net/stream.h"
#include "net/task.h"

// Wake-up primitives of the runtime's loops. Both live on the io thread's executor and are used
// only from it (STYLE.md §2.1); no locks.
namespace dcbot::runtime {

// The one stop request of an engine (STYLE.md §2.4): request() once, every loop that waits on it
// ends, then the engine drains. Any number of coroutines may wait at the same time.
class StopSignal {
 public:
  explicit StopSignal(const boost::asio::any_io_executor& executor);
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  // Idempotent.
  void request();

  [[nodiscard]] bool requested() const;

  // Returns once request() was called (at once if it already was). A cancelled wait (the other
  // side of an `||` finished first) returns too.
  Task<void> wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A level-triggered "something to do" flag for one waiting coroutine: notify() before wait() is
// not lost.
class Wakeup {
 public:
  explicit Wakeup(const boost::asio::any_io_executor& executor);
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  ~Wakeup();

  void notify();

  // Returns when notified (consuming the notification) or after `timeout`, whichever is first.
  // Returns true if it was notified.
  Task<bool> wait(net::Duration timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sleeps for `duration` on the current executor; returns early (without error) when cancelled.
Task<void> sleep_for(net::Duration duration);

}  // namespace dcbot::runtime
