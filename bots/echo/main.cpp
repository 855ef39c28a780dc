// SPDX-License-Identifier: MIT
// The echo bot (DESIGN.md "Public API shapes"): answers every message with its text, and every
// file with the same file. `dcbot-echo run bot.yaml`; see README.md.
#include "dcbot/bot.h"

int main(int argc, char** argv) {
  return dcbot::run(argc, argv, [](dcbot::Bot& bot) {
    bot.on_message([](dcbot::MessageEvent ev) {
      if (ev.attachments().empty()) {
        ev.reply(ev.text());
        return;
      }
      for (const auto& file : ev.attachments()) {
        ev.reply_file(file.path, ev.text());
      }
    });
    bot.on_command("/help", "what I do", [](dcbot::CommandEvent ev) {
      ev.reply("I echo: send me a text or a file and I send it back.");
    });
  });
}
