// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

// The logging facade (spdlog underneath, kept out of this header). Messages are lowercase, context
// first, without a trailing period: log::warn("imap: reconnecting in {} s", secs). Safe to call
// from any thread; the SDK itself logs from the io thread only.
namespace dcbot::log {

enum class Level { Trace, Debug, Info, Warn, Error, Off };

// Sets the global threshold. The default is Info, or DCBOT_LOG_LEVEL from the environment.
void set_level(Level level);
Level level();

// Parses "trace", "debug", "info", "warn", "error" or "off"; false if unknown.
bool parse_level(std::string_view text, Level& out);

// Writes one already formatted line.
void write(Level level, std::string_view message);

inline bool enabled(Level l) {
  return l >= level();
}

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Trace)) {
    write(Level::Trace, fmt::format(f, std::forward<Args>(args)...));
  }
}

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Debug)) {
    write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
  }
}

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Info)) {
    write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
  }
}

template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Warn)) {
    write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
  }
}

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Error)) {
    write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
  }
}

}  // namespace dcbot::log
