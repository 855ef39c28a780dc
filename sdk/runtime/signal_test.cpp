// SPDX-License-Identifier: MIT
#include "runtime/signal.h"

#include <chrono>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace dcbot::runtime {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

Task<void> wait_wakeup(Wakeup* wakeup, net::Duration timeout, int* result) {
  *result = (co_await wakeup->wait(timeout)) ? 1 : 0;
}

Task<void> wait_stop(StopSignal* stop, int* woken) {
  co_await stop->wait();
  ++*woken;
}

TEST(Wakeup, NotifyBeforeWaitIsNotLost) {
  asio::io_context io;
  Wakeup wakeup(io.get_executor());
  wakeup.notify();
  int result = -1;
  asio::co_spawn(io, wait_wakeup(&wakeup, seconds(30), &result), asio::detached);
  auto start = std::chrono::steady_clock::now();
  io.run_for(seconds(10));
  EXPECT_EQ(result, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(Wakeup, NotifyWakesAWaiter) {
  asio::io_context io;
  Wakeup wakeup(io.get_executor());
  int result = -1;
  asio::co_spawn(io, wait_wakeup(&wakeup, seconds(30), &result), asio::detached);
  io.run_for(milliseconds(20));
  EXPECT_EQ(result, -1);
  wakeup.notify();
  io.run_for(seconds(5));
  EXPECT_EQ(result, 1);
}

TEST(Wakeup, TimesOutWithoutNotify) {
  asio::io_context io;
  Wakeup wakeup(io.get_executor());
  int result = -1;
  asio::co_spawn(io, wait_wakeup(&wakeup, milliseconds(10), &result), asio::detached);
  io.run_for(seconds(5));
  EXPECT_EQ(result, 0);
  // The notification after the timeout is kept for the next wait.
  wakeup.notify();
  asio::co_spawn(io, wait_wakeup(&wakeup, seconds(30), &result), asio::detached);
  io.restart();
  io.run_for(seconds(5));
  EXPECT_EQ(result, 1);
}

TEST(StopSignal, WakesEveryWaiterAndLaterWaitsReturnAtOnce) {
  asio::io_context io;
  StopSignal stop(io.get_executor());
  int woken = 0;
  asio::co_spawn(io, wait_stop(&stop, &woken), asio::detached);
  asio::co_spawn(io, wait_stop(&stop, &woken), asio::detached);
  io.run_for(milliseconds(20));
  EXPECT_EQ(woken, 0);
  EXPECT_FALSE(stop.requested());
  stop.request();
  stop.request();
  EXPECT_TRUE(stop.requested());
  io.restart();
  io.run_for(seconds(5));
  EXPECT_EQ(woken, 2);
  asio::co_spawn(io, wait_stop(&stop, &woken), asio::detached);
  io.restart();
  io.run_for(seconds(5));
  EXPECT_EQ(woken, 3);
}

}  // namespace
}  // namespace dcbot::runtime
