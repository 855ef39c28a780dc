-- SPDX-License-Identifier: MIT
-- The echo plugin: answers every message with its own text. See plugins/README.md.
local bot = require("dcbot")

bot.on_message(function(ev)
  ev:reply(ev.text)
end)
