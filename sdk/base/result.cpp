// SPDX-License-Identifier: MIT
#include "dcbot/result.h"

#include <cstdlib>

#include "dcbot/log.h"

namespace dcbot {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::InvalidArgument:
      return "invalid argument";
    case Errc::NotFound:
      return "not found";
    case Errc::Parse:
      return "parse";
    case Errc::Protocol:
      return "protocol";
    case Errc::Auth:
      return "auth";
    case Errc::Crypto:
      return "crypto";
    case Errc::Io:
      return "io";
    case Errc::Timeout:
      return "timeout";
    case Errc::Cancelled:
      return "cancelled";
    case Errc::Unsupported:
      return "unsupported";
    case Errc::Config:
      return "config";
    case Errc::Internal:
      return "internal";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const {
  Error e = *this;
  e.message.insert(0, ": ");
  e.message.insert(0, context);
  return e;
}

std::string Error::to_string() const {
  std::string s(errc_name(code));
  s += ": ";
  s += message;
  return s;
}

void throw_exception_from_error(const Error& error, const boost::source_location& /*loc*/) {
  throw Exception(error);
}

namespace detail {

void check_failed(const char* file, int line, const char* cond, std::string_view why) {
  log::error("check failed at {}:{}: {} ({})", file, line, cond, why);
  std::abort();
}

}  // namespace detail
}  // namespace dcbot
