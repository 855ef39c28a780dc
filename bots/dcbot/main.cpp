// SPDX-License-Identifier: MIT
// The generic `dcbot` command: `dcbot run|invite|join|check CONFIG`. It registers no handlers of
// its own; the config's `plugins:` (e.g. `- builtin: echo`) decide what the bot does.
#include "dcbot/bot.h"

int main(int argc, char** argv) {
  return dcbot::run(argc, argv, {});
}
