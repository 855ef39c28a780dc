// SPDX-License-Identifier: MIT
#include "runtime/signal.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace dcbot::runtime {

namespace asio = boost::asio;

struct StopSignal::Impl {
  explicit Impl(const asio::any_io_executor& executor) : timer(executor) {
    timer.expires_at(asio::steady_timer::time_point::max());
  }

  // Never expires by itself: request() cancels every wait on it at once.
  asio::steady_timer timer;
  bool requested = false;
};

StopSignal::StopSignal(const asio::any_io_executor& executor)
    : impl_(std::make_unique<Impl>(executor)) {}

StopSignal::~StopSignal() = default;

void StopSignal::request() {
  impl_->requested = true;
  impl_->timer.cancel();
}

bool StopSignal::requested() const {
  return impl_->requested;
}

Task<void> StopSignal::wait() {
  // A spurious wake (the wait was cancelled from outside) returns as well: the caller is then
  // being torn down anyway.
  if (!impl_->requested) {
    co_await impl_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

struct Wakeup::Impl {
  explicit Impl(const asio::any_io_executor& executor) : timer(executor) {}

  asio::steady_timer timer;
  bool pending = false;
  bool waiting = false;
};

Wakeup::Wakeup(const asio::any_io_executor& executor) : impl_(std::make_unique<Impl>(executor)) {}

Wakeup::~Wakeup() = default;

void Wakeup::notify() {
  impl_->pending = true;
  if (impl_->waiting) {
    impl_->timer.cancel();
  }
}

Task<bool> Wakeup::wait(net::Duration timeout) {
  Impl* impl = impl_.get();
  if (!impl->pending) {
    impl->timer.expires_after(timeout);
    impl->waiting = true;
    co_await impl->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    impl->waiting = false;
  }
  bool notified = impl->pending;
  impl->pending = false;
  co_return notified;
}

Task<void> sleep_for(net::Duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace dcbot::runtime
