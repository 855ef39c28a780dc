// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

#include <dcbot/plugin.h>

// Answers every message in capitals, with the configured `suffix` (default "!"), and `/shout`
// with its arguments.
class Shout final : public dcbot::Plugin {
 public:
  dcbot::Result<> start(dcbot::PluginContext& ctx) override {
    std::string suffix = "!";
    if (!ctx.config().is_null()) {
      DCBOT_TRY(ctx.config().as_map_with_keys("shout config", {"suffix"}));
      if (const auto* v = ctx.config().find("suffix")) {
        DCBOT_TRY(suffix, v->as_string());
      }
    }
    ctx.bot().on_command(
        "/shout", "repeats the words loudly",
        [suffix](const dcbot::CommandEvent& ev) { ev.reply(loud(ev.args(), suffix)); });
    ctx.bot().on_message(
        [suffix](const dcbot::MessageEvent& ev) { ev.reply(loud(ev.text(), suffix)); });
    return {};
  }

 private:
  static std::string loud(std::string text, const std::string& suffix) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text + suffix;
  }
};

DCBOT_PLUGIN_INFO(Shout, "org.example.shout", "1.0.0")
