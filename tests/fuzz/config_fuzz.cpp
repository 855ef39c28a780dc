// SPDX-License-Identifier: MIT
// Arbitrary bytes as YAML never crash or throw: every outcome is a Value or an Errc::Config error
// naming the file, and reading a bot config from any tree is equally safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/loader.h"

namespace {

// Walks the tree through every typed accessor.
void touch(const dcbot::config::Value& v) {
  (void)v.as_bool();
  (void)v.as_int();
  (void)v.as_double();
  (void)v.as_string();
  if (auto list = v.as_list()) {
    for (const auto& item : **list) {
      touch(item);
    }
  }
  if (auto map = v.as_map()) {
    for (const auto& entry : **map) {
      DCBOT_CHECK(entry.key_mark.line >= 1, "map keys carry a position");
      touch(entry.value);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = dcbot::config::parse_yaml(text, "fuzz.yaml");
  if (!value) {
    DCBOT_CHECK(value.error().code == dcbot::Errc::Config, "config errors are Errc::Config");
    DCBOT_CHECK(value.error().message.starts_with("fuzz.yaml"), "errors name the file");
    return 0;
  }
  touch(*value);
  dcbot::config::LoadOptions options;
  options.getenv = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  auto bot =
      dcbot::config::read_bot_config(*value, "fuzz.yaml", "/nonexistent-dcbot-fuzz", options);
  if (!bot) {
    DCBOT_CHECK(bot.error().code == dcbot::Errc::Config, "config errors are Errc::Config");
  }
  return 0;
}
