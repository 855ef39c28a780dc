-- SPDX-License-Identifier: MIT
-- /roll [N]: rolls a die with N sides (default 6, or `sides:` from the plugin's config).
-- See plugins/README.md.
local bot = require("dcbot")

local default_sides = tonumber(bot.config.sides) or 6

bot.on_command("/roll", "roll a die: /roll [sides]", function(ev, args)
  local sides = default_sides
  if args ~= "" then
    sides = math.tointeger(tonumber(args))
    if sides == nil or sides < 1 or sides > 1000000 then
      ev:reply("usage: /roll [sides], with 1 to 1000000 sides")
      return
    end
  end
  ev:reply(tostring(math.random(sides)))
end)
