// SPDX-License-Identifier: MIT
#include "net/error.h"

#include <boost/asio/error.hpp>
#include <gtest/gtest.h>

namespace dcbot::net {
namespace {

TEST(NetError, AbortedIsCancelled) {
  auto e = to_error(boost::asio::error::operation_aborted, "read");
  EXPECT_EQ(e.code, Errc::Cancelled);
  EXPECT_EQ(e.message.rfind("read: ", 0), 0u);
}

TEST(NetError, TimedOutIsTimeout) {
  EXPECT_EQ(to_error(boost::asio::error::timed_out, "connect").code, Errc::Timeout);
}

TEST(NetError, OthersAreIo) {
  EXPECT_EQ(to_error(boost::asio::error::connection_refused, "connect").code, Errc::Io);
  EXPECT_EQ(to_error(boost::asio::error::eof, "read").code, Errc::Io);
  EXPECT_EQ(to_error(boost::asio::error::connection_reset, "read").code, Errc::Io);
}

}  // namespace
}  // namespace dcbot::net
