-- The poll bot's plugin (README.md, PROTOCOL.md): `/poll Question? | option 1 | option 2` sends the
-- poll app (app/, zipped by the bot) with the poll as its first status update; members vote in
-- the app; the bot counts the first valid vote of each member (by signing key) and `/results`
-- posts the tally.
local bot = require("dcbot")

bot.config_schema({ app = "string?" })
local app = bot.config.app or "app"

local MAX_QUESTION, MAX_OPTION, MIN_OPTIONS, MAX_OPTIONS = 1000, 200, 2, 20

-- JSON, just enough for the protocol's payloads -------------------------------------------------

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
    return named[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Decodes a JSON value; returns nil for anything malformed (the protocol ignores such payloads).
local function json_decode(text)
  local pos = 1
  local value
  local function space() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local c = text:sub(pos, pos)
      if c == "" then return nil end
      if c == '"' then pos = pos + 1; return table.concat(out) end
      if c == "\\" then
        local e = text:sub(pos + 1, pos + 1)
        local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
        if map[e] then
          out[#out + 1] = map[e]; pos = pos + 2
        elseif e == "u" then
          local hex = text:sub(pos + 2, pos + 5)
          local code = tonumber(hex, 16)
          if not code or #hex ~= 4 then return nil end
          out[#out + 1] = utf8.char(code); pos = pos + 6
        else
          return nil
        end
      else
        out[#out + 1] = c; pos = pos + 1
      end
    end
  end
  function value(depth)
    if depth > 20 then return nil end
    space()
    local c = text:sub(pos, pos)
    if c == "{" then
      local obj = {}
      pos = pos + 1; space()
      if text:sub(pos, pos) == "}" then pos = pos + 1; return obj end
      while true do
        space()
        if text:sub(pos, pos) ~= '"' then return nil end
        local k = str(); if k == nil then return nil end
        space(); if text:sub(pos, pos) ~= ":" then return nil end
        pos = pos + 1
        local v = value(depth + 1); if v == nil then return nil end
        obj[k] = v
        space()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "}" then return obj end
        if d ~= "," then return nil end
      end
    elseif c == "[" then
      local arr = {}
      pos = pos + 1; space()
      if text:sub(pos, pos) == "]" then pos = pos + 1; return arr end
      while true do
        local v = value(depth + 1); if v == nil then return nil end
        arr[#arr + 1] = v
        space()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "]" then return arr end
        if d ~= "," then return nil end
      end
    elseif c == '"' then
      return str()
    else
      local literal = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if literal and #literal > 0 then pos = pos + #literal; return tonumber(literal) end
      for word, v in pairs({ ["true"] = true, ["false"] = false, ["null"] = false }) do
        if text:sub(pos, pos + #word - 1) == word then pos = pos + #word; return v end
      end
      return nil
    end
  end
  local ok, result = pcall(value, 0)
  if not ok then return nil end
  space()
  if pos <= #text then return nil end
  return result
end

-- State in the bot's database -------------------------------------------------------------------
-- poll:<instance> = question \n option \n option ...   votes:<instance> = fpr=option;...
-- last:<chat> = the chat's latest poll instance

local function load_poll(instance)
  local stored = bot.storage.get("poll:" .. instance)
  if not stored then return nil end
  local lines = {}
  for line in (stored .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return { question = lines[1], options = { table.unpack(lines, 2) } }
end

local function load_votes(instance)
  local votes = {}
  for fpr, option in (bot.storage.get("votes:" .. instance) or ""):gmatch("([^=;]+)=(%d+)") do
    votes[fpr] = tonumber(option)
  end
  return votes
end

local function save_votes(instance, votes)
  local parts = {}
  for fpr, option in pairs(votes) do parts[#parts + 1] = fpr .. "=" .. option end
  table.sort(parts)
  bot.storage.set("votes:" .. instance, table.concat(parts, ";"))
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Commands --------------------------------------------------------------------------------------

bot.on_command("/poll", "start a poll: /poll Question? | option 1 | option 2", function(ev, args)
  local parts = {}
  for part in (args .. "|"):gmatch("([^|]*)|") do
    part = trim(part)
    if part ~= "" then parts[#parts + 1] = part end
  end
  local question = parts[1]
  local options = { table.unpack(parts, 2) }
  if not question or #options < MIN_OPTIONS or #options > MAX_OPTIONS
      or utf8.len(question) == nil or utf8.len(question) > MAX_QUESTION then
    ev:reply("Usage: /poll Question? | option 1 | option 2  (2 to 20 options)")
    return
  end
  for _, option in ipairs(options) do
    if utf8.len(option) == nil or utf8.len(option) > MAX_OPTION or option:find("\n") then
      ev:reply("Options are at most 200 characters on one line.")
      return
    end
  end
  if question:find("\n") then
    ev:reply("The question must be on one line.")
    return
  end
  local instance = bot.send_webxdc(ev.chat_id, app, question)
  local encoded = {}
  for i, option in ipairs(options) do encoded[i] = json_string(option) end
  bot.send_webxdc_update(instance,
    '{"type":"poll","question":' .. json_string(question) .. ',"options":['
      .. table.concat(encoded, ",") .. "]}",
    { document = question })
  bot.storage.set("poll:" .. instance, question .. "\n" .. table.concat(options, "\n"))
  bot.storage.set("last:" .. ev.chat_id, tostring(instance))
end)

bot.on_command("/results", "the tally of this chat's latest poll", function(ev)
  local instance = bot.storage.get("last:" .. ev.chat_id)
  local poll = instance and load_poll(instance)
  if not poll then
    ev:reply("No poll in this chat yet. Start one with /poll Question? | option 1 | option 2")
    return
  end
  local counts, voters = {}, 0
  for _, option in pairs(load_votes(instance)) do
    counts[option] = (counts[option] or 0) + 1
    voters = voters + 1
  end
  local lines = { poll.question }
  for i, option in ipairs(poll.options) do
    lines[#lines + 1] = string.format("%s: %d", option, counts[i - 1] or 0)
  end
  lines[#lines + 1] = string.format("%d %s", voters, voters == 1 and "voter" or "voters")
  ev:reply(table.concat(lines, "\n"))
end)

-- Votes -----------------------------------------------------------------------------------------

bot.on_webxdc_update(function(ev)
  local poll = load_poll(ev.instance)
  if not poll then return end  -- Not one of our polls.
  local update = json_decode(ev.payload)
  if type(update) ~= "table" or update.type ~= "vote" then return end
  local option = update.option
  if math.type(option) ~= "integer" or option < 0 or option >= #poll.options then return end
  -- The voter is the key that signed the update; a vote naming someone else is forged.
  if update.voter ~= bot.webxdc_self_addr(ev.sender_fingerprint, ev.instance_mid) then
    bot.log("poll: a vote for someone else from " .. ev.sender_addr .. " ignored")
    return
  end
  local votes = load_votes(ev.instance)
  if votes[ev.sender_fingerprint] ~= nil then
    bot.log("poll: double vote by " .. ev.sender_addr .. " refused")
    return
  end
  votes[ev.sender_fingerprint] = option
  save_votes(ev.instance, votes)
  bot.log("poll: vote by " .. ev.sender_addr .. " counted")
end)
