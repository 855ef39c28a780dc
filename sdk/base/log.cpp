// SPDX-License-Identifier: MIT
#include "dcbot/log.h"

#include <atomic>
#include <cstdlib>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace dcbot::log {
namespace {

Level initial_level() {
  Level l = Level::Info;
  if (const char* env = std::getenv("DCBOT_LOG_LEVEL")) {
    parse_level(env, l);
  }
  return l;
}

std::atomic<Level>& threshold() {
  static std::atomic<Level> level{initial_level()};
  return level;
}

// Logs go to stderr so that stdout stays free for command output (invite links).
spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::stderr_color_mt("dcbot");
    l->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::Trace:
      return spdlog::level::trace;
    case Level::Debug:
      return spdlog::level::debug;
    case Level::Info:
      return spdlog::level::info;
    case Level::Warn:
      return spdlog::level::warn;
    case Level::Error:
      return spdlog::level::err;
    case Level::Off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void set_level(Level l) {
  threshold().store(l);
}

Level level() {
  return threshold().load(std::memory_order_relaxed);
}

bool parse_level(std::string_view text, Level& out) {
  struct Entry {
    std::string_view name;
    Level level;
  };

  static constexpr Entry kNames[] = {{"trace", Level::Trace},  {"debug", Level::Debug},
                                     {"info", Level::Info},    {"warn", Level::Warn},
                                     {"warning", Level::Warn}, {"error", Level::Error},
                                     {"off", Level::Off}};
  for (const auto& e : kNames) {
    if (e.name == text) {
      out = e.level;
      return true;
    }
  }
  return false;
}

void write(Level l, std::string_view message) {
  logger().log(to_spdlog(l), "{}", message);
}

}  // namespace dcbot::log
