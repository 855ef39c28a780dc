// SPDX-License-Identifier: MIT
// A C++ bot program with the Shout plugin class linked in: `shout-bot run bot.yaml`.
#include "shout.h"
#include <dcbot/bot.h>
#include <dcbot/plugin.h>

int main(int argc, char** argv) {
  return dcbot::run(argc, argv, [](dcbot::Bot& bot) { dcbot::add_plugin<Shout>(bot).value(); });
}
