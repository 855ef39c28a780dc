// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dcbot/result.h"
#include "net/task.h"

namespace dcbot::net {

using Duration = std::chrono::steady_clock::duration;

namespace detail {

// Runs `op` so that a cancellation from the timeout turns into an Errc::Cancelled result inside
// it instead of an exception, and so that a stray exception becomes Errc::Internal.
template <class T>
Task<Result<T>> guarded(Task<Result<T>> op) {
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  try {
    co_return co_await std::move(op);
  } catch (const std::exception& e) {
    co_return make_error(Errc::Internal, e.what());
  }
}

// Waits for `timeout`; returns operation_aborted when cancelled from outside or by `op` winning.
inline Task<boost::system::error_code> sleep_for(Duration timeout) {
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
  auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

}  // namespace detail

// Runs `op` with a deadline (STYLE.md §2.3). When the deadline passes first, `op` is cancelled
// (its pending socket operation completes with operation_aborted) and the result is
// Errc::Timeout. A cancellation of the caller is reported as Errc::Cancelled.
template <class T>
Task<Result<T>> with_timeout(Task<Result<T>> op, Duration timeout) {
  using boost::asio::experimental::awaitable_operators::operator||;
  auto r = co_await (detail::guarded(std::move(op)) || detail::sleep_for(timeout));
  if (r.index() == 0) {
    co_return std::get<0>(std::move(r));
  }
  if (std::get<1>(r) == boost::asio::error::operation_aborted) {
    co_return make_error(Errc::Cancelled, "cancelled");
  }
  co_return make_error(
      Errc::Timeout,
      "timed out after "
          + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())
          + " ms");
}

}  // namespace dcbot::net
