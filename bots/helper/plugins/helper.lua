-- The helper bot (bots/helper/README.md): answers configured in the bot's YAML.
--
--   commands:  { "/hours": "We are open 9-17.", "/menu": { file: files/menu.txt, text: "Our menu" } }
--   keywords:  [ { match: "price", answer: "See /prices." }, { pattern: "^hello", answer: "Hi!" } ]
--   feedback:  true      -- /feedback TEXT forwards TEXT to the admin group (`dcbot admin`), or
--                           else to each admin of the YAML's admins: in a 1:1 chat
--   greeting:  "Hi! Send /help to see what I can do."   -- to everyone who verifies the bot
--
-- An answer is a text, or a map with `text`, `file` (relative to this plugin's folder; an .xdc
-- file is sent as an app) or both. `kill -HUP` reloads this file and the YAML.
local bot = require("dcbot")

bot.config_schema({
  commands = "map?",
  keywords = "list?",
  feedback = "boolean?",
  greeting = "string?",
  fallback = "string?",
})

local function answer(chat_id, reply, spec)
  if type(spec) == "string" then
    reply(spec)
    return
  end
  if type(spec) ~= "table" then
    error("an answer is a text or a map with text and/or file")
  end
  if spec.file ~= nil then
    bot.send_file(chat_id, spec.file, spec.text or "")
  elseif spec.text ~= nil then
    reply(spec.text)
  end
end

-- Commands from the YAML, each listed in /help with the first line of its answer.
local names = {}
for name in pairs(bot.config.commands or {}) do
  names[#names + 1] = name
end
table.sort(names)
for _, name in ipairs(names) do
  local spec = bot.config.commands[name]
  local description = type(spec) == "table" and (spec.description or spec.text or spec.file)
    or spec
  description = tostring(description):match("^[^\n]*")
  if #description > 60 then
    description = description:sub(1, 57) .. "..."
  end
  bot.on_command(name, description, function(ev)
    answer(ev.chat_id, function(text) ev:reply(text) end, spec)
  end)
end

-- Keywords: `match` is a plain, case-insensitive substring; `pattern` a Lua pattern on the
-- lower-cased text. The first rule that fits answers.
local rules = {}
for i, rule in ipairs(bot.config.keywords or {}) do
  if type(rule) ~= "table" or (rule.match == nil and rule.pattern == nil) or rule.answer == nil then
    error("keywords[" .. i .. "]: expected { match: TEXT or pattern: LUA-PATTERN, answer: ... }")
  end
  rules[#rules + 1] = {
    match = rule.match and string.lower(rule.match),
    pattern = rule.pattern,
    answer = rule.answer,
  }
end

bot.on_message(function(ev)
  local text = string.lower(ev.text)
  for _, rule in ipairs(rules) do
    local hit
    if rule.match then
      hit = string.find(text, rule.match, 1, true)
    else
      hit = string.find(text, rule.pattern)
    end
    if hit then
      answer(ev.chat_id, function(t) ev:reply(t) end, rule.answer)
      return
    end
  end
  if bot.config.fallback then
    ev:reply(bot.config.fallback)
  end
end)

if bot.config.feedback ~= false then
  bot.on_command("/feedback", "send a message to the people who run this bot", function(ev, args)
    if args == "" then
      ev:reply("Usage: /feedback YOUR MESSAGE")
      return
    end
    local from = ev.sender.name ~= "" and (ev.sender.name .. " <" .. ev.sender.addr .. ">")
      or ev.sender.addr
    local text = "Feedback from " .. from .. ":\n" .. args
    local sent = 0
    local admin_group = bot.admin_group()
    if admin_group then
      bot.send_text(admin_group, text)
      sent = 1
    else
      for _, fingerprint in ipairs(bot.admins()) do
        local ok, chat = pcall(bot.chat_with, fingerprint)
        if ok then
          bot.send_text(chat, text)
          sent = sent + 1
        else
          bot.log("feedback: admin " .. fingerprint .. " is not a contact yet: " .. tostring(chat))
        end
      end
    end
    if sent > 0 then
      ev:reply("Thank you! Your feedback was forwarded.")
    else
      ev:reply("Sorry, nobody can receive feedback right now.")
    end
  end)
end

if bot.config.greeting then
  bot.on_contact_verified(function(ev)
    bot.send_text(ev.chat_id, bot.config.greeting)
  end)
end
