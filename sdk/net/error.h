// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include <boost/system/error_code.hpp>

#include "dcbot/result.h"

namespace dcbot::net {

// Converts an Asio/OpenSSL error code into an Error whose message is "<what>: <ec message>".
// operation_aborted becomes Errc::Cancelled, timed_out becomes Errc::Timeout and everything else
// (refused, reset, end of file, TLS failures) becomes Errc::Io.
Error to_error(boost::system::error_code ec, std::string_view what);

}  // namespace dcbot::net
