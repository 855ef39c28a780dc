// SPDX-License-Identifier: MIT
#include "net/error.h"

#include <string>

#include <boost/asio/error.hpp>

namespace dcbot::net {

Error to_error(boost::system::error_code ec, std::string_view what) {
  Errc code = Errc::Io;
  if (ec == boost::asio::error::operation_aborted) {
    code = Errc::Cancelled;
  } else if (ec == boost::asio::error::timed_out) {
    code = Errc::Timeout;
  }
  std::string message(what);
  message += ": ";
  message += ec.message();
  return make_error(code, std::move(message));
}

}  // namespace dcbot::net
