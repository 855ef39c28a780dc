// SPDX-License-Identifier: MIT
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

// Error handling for the whole SDK (STYLE.md §1). Failures outside the programmer's control are
// returned as Result<T>; bugs abort through DCBOT_CHECK.
namespace dcbot {

// Broad classes of failure. Callers branch on these; the message is for humans.
enum class Errc {
  InvalidArgument,
  NotFound,
  Parse,
  Protocol,
  Auth,
  Crypto,
  Io,
  Timeout,
  Cancelled,
  Unsupported,
  Config,
  Internal,
};

// The lower-case name of an error code ("parse", "timeout", ...).
std::string_view errc_name(Errc code);

// An error value: a code and a lowercase, context-first message without a trailing period.
struct Error {
  Errc code = Errc::Internal;
  std::string message;

  // Returns a copy whose message is prefixed with `context`: "imap: fetch: bad token".
  [[nodiscard]] Error with_context(std::string_view context) const;

  // "parse: imap: bad token".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const Error&, const Error&) = default;
};

// Builds an Error; a shorthand used everywhere: `return make_error(Errc::Parse, "bad token");`.
inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

// Thrown only by Result::value() on an error; fine in bots, examples and tests, never in sdk/.
class Exception : public std::exception {
 public:
  explicit Exception(Error error) : error_(std::move(error)), what_(error_.to_string()) {}

  const char* what() const noexcept override { return what_.c_str(); }

  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
  std::string what_;
};

// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

template <class T = void>
using Result = boost::system::result<T, Error>;

namespace detail {
[[noreturn]] void check_failed(const char* file, int line, const char* cond, std::string_view why);
}  // namespace detail

}  // namespace dcbot

#define DCBOT_DETAIL_CONCAT2(a, b) a##b
#define DCBOT_DETAIL_CONCAT(a, b) DCBOT_DETAIL_CONCAT2(a, b)
#define DCBOT_DETAIL_TMP DCBOT_DETAIL_CONCAT(dcbot_try_tmp_, __LINE__)

// `ret` is `return` or `co_return` and `decl` a declaration: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define DCBOT_DETAIL_TRY1(ret, expr)      \
  do {                                    \
    auto&& dcbot_try_r = (expr);          \
    if (!dcbot_try_r) {                   \
      ret std::move(dcbot_try_r).error(); \
    }                                     \
  } while (false)
#define DCBOT_DETAIL_TRY2(ret, decl, expr)   \
  auto DCBOT_DETAIL_TMP = (expr);            \
  if (!DCBOT_DETAIL_TMP) {                   \
    ret std::move(DCBOT_DETAIL_TMP).error(); \
  }                                          \
  decl = std::move(*DCBOT_DETAIL_TMP)
// NOLINTEND(bugprone-macro-parentheses)
#define DCBOT_DETAIL_PICK(_1, _2, name, ...) name

// DCBOT_TRY(auto x, expr) unwraps a Result into x or returns its error from the enclosing function;
// DCBOT_TRY(expr) does the same for a Result<void>. DCBOT_CO_TRY is the same for coroutines.
#define DCBOT_TRY(...) \
  DCBOT_DETAIL_PICK(__VA_ARGS__, DCBOT_DETAIL_TRY2, DCBOT_DETAIL_TRY1, )(return, __VA_ARGS__)
#define DCBOT_CO_TRY(...) \
  DCBOT_DETAIL_PICK(__VA_ARGS__, DCBOT_DETAIL_TRY2, DCBOT_DETAIL_TRY1, )(co_return, __VA_ARGS__)

// For programming errors only (never for input bytes): logs file:line and aborts, in release too.
#define DCBOT_CHECK(cond, why)                                         \
  do {                                                                 \
    if (!(cond)) {                                                     \
      ::dcbot::detail::check_failed(__FILE__, __LINE__, #cond, (why)); \
    }                                                                  \
  } while (false)
