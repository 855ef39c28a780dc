// SPDX-License-Identifier: MIT
#pragma once

// The host tests' well-behaved plugin: `/ping` answers the configured `reply` (default "pong"),
// `/ask` is a conversation that waits for the next message, every other message is answered with
// "<prefix>: <text>". `fail: true` in its config makes
// start() fail after registering a handler (the host must detach it again). Built as a shared
// object (good.cpp) and linked directly into the host test (dcbot::add_plugin<Good>).
#include <chrono>
#include <string>

#include "dcbot/plugin.h"

namespace test_plugins {

class Good final : public dcbot::Plugin {
 public:
  dcbot::Result<> start(dcbot::PluginContext& ctx) override {
    std::string reply = "pong";
    std::string prefix = ctx.name();
    bool fail = false;
    if (!ctx.config().is_null()) {
      DCBOT_TRY(auto map, ctx.config().as_map_with_keys("config", {"reply", "prefix", "fail"}));
      (void)map;
      if (const auto* v = ctx.config().find("reply")) {
        DCBOT_TRY(reply, v->as_string());
      }
      if (const auto* v = ctx.config().find("prefix")) {
        DCBOT_TRY(prefix, v->as_string());
      }
      if (const auto* v = ctx.config().find("fail")) {
        DCBOT_TRY(fail, v->as_bool());
      }
    }
    ctx.bot().on_command("/ping", "answers " + reply,
                         [reply](const dcbot::CommandEvent& ev) { ev.reply(reply); });
    if (fail) {
      return ctx.config().error("asked to fail");
    }
    // A conversation: its coroutine frame is code of this shared object.
    ctx.bot().on_command("/ask", "asks back", [](dcbot::CommandEvent ev) -> dcbot::Conversation {
      ev.reply("question?");
      auto answer = co_await ev.next_message(std::chrono::minutes(5));
      if (!answer) {
        (void)ev.bot().send_text(ev.chat(), "bye");
        co_return;
      }
      answer->reply("got: " + answer->text());
    });
    ctx.bot().on_message([this, prefix](const dcbot::MessageEvent& ev) {
      ++seen_;
      ev.reply(prefix + ": " + ev.text());
    });
    return {};
  }

 private:
  int seen_ = 0;
};

}  // namespace test_plugins

DCBOT_PLUGIN_INFO(test_plugins::Good, "test.good", "1.2.3")
