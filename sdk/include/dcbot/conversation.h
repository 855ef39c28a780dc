// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <coroutine>
#include <optional>
#include <string>

#include "dcbot/events.h"

// Conversations: a handler that is a coroutine may wait for the sender's next message in the
// same chat (DESIGN.md "Concurrency"):
//
//   bot.on_command("/quiz", "a question", [](dcbot::CommandEvent ev) -> dcbot::Conversation {
//     ev.reply("What is 2 + 2?");
//     auto answer = co_await ev.next_message(std::chrono::minutes(1));
//     if (!answer) {
//       ev.bot().send_text(ev.chat(), "Too slow!");
//       co_return;
//     }
//     answer->reply(answer->text() == "4" ? "Right." : "No, 4.");
//   });
//
// While a conversation waits, the sender's next message in that chat goes to it and to no other
// handler; the code after co_await runs inside that message's transaction, like any handler, so
// its replies commit with it. A timeout resumes it with std::nullopt, outside any transaction.
// Waiting conversations live in memory: a restart ends them (the messages are not lost; they
// reach the ordinary handlers). When the bot stops, every waiting conversation is resumed with
// std::nullopt, so each one finishes before the bot is gone.
namespace dcbot {

// The return type of a conversation handler. It starts at once and runs until its first
// co_await; the Bot keeps it until it finishes. Exceptions escaping it are logged.
class Conversation {
 public:
  struct promise_type {
    Conversation get_return_object() noexcept { return {}; }

    std::suspend_never initial_suspend() noexcept { return {}; }

    std::suspend_never final_suspend() noexcept { return {}; }

    void return_void() noexcept {}

    void unhandled_exception() noexcept;
  };
};

// The awaitable of MessageEvent::next_message().
class NextMessage {
 public:
  NextMessage(Bot& bot, ChatId chat, std::string sender, std::chrono::milliseconds timeout)
      : bot_(&bot), chat_(chat), sender_(std::move(sender)), timeout_(timeout) {}

  [[nodiscard]] bool await_ready() const noexcept { return false; }

  bool await_suspend(std::coroutine_handle<> handle);

  std::optional<MessageEvent> await_resume() { return std::move(result_); }

 private:
  Bot* bot_;
  ChatId chat_;
  std::string sender_;  // Fingerprint.
  std::chrono::milliseconds timeout_;
  std::optional<MessageEvent> result_;
};

}  // namespace dcbot
