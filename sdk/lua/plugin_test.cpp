// SPDX-License-Identifier: MIT
#include "lua/plugin.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lua.h>

#include "config/loader.h"

namespace dcbot::lua {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records what the plugin asks of the bot.
class FakeHost final : public Host {
 public:
  Result<> send_text(std::int64_t chat_id, std::string_view text) override {
    sent.push_back(std::to_string(chat_id) + ":" + std::string(text));
    return {};
  }

  Result<> reply(const Message& message, std::string_view text) override {
    if (throw_on_reply) {
      throw std::runtime_error("reply exploded");
    }
    if (fail_reply) {
      return make_error(Errc::Io, "store: disk full");
    }
    replies.push_back(std::to_string(message.message_id) + ":" + std::string(text));
    return {};
  }

  Result<std::optional<std::string>> storage_get(std::string_view key) override {
    auto it = storage.find(std::string(key));
    if (it == storage.end()) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(it->second);
  }

  Result<> storage_set(std::string_view key, std::string_view value) override {
    storage[std::string(key)] = std::string(value);
    return {};
  }

  Result<> storage_delete(std::string_view key) override {
    storage.erase(std::string(key));
    return {};
  }

  void log(log::Level /*level*/, std::string_view message) override {
    logged.emplace_back(message);
  }

  std::vector<std::string> sent;
  std::vector<std::string> replies;
  std::vector<std::string> logged;
  std::map<std::string, std::string> storage;
  bool fail_reply = false;
  bool throw_on_reply = false;
};

std::filesystem::path write_plugin(const std::string& name, const std::string& code) {
  const auto dir = std::filesystem::path(DCBOT_BINARY_DIR) / "test-tmp" / "lua";
  std::filesystem::create_directories(dir);
  auto path = dir / (name + ".lua");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << code;
  return path;
}

Message message(std::string text, std::int64_t id = 1) {
  return Message{.chat_id = 10,
                 .message_id = id,
                 .text = std::move(text),
                 .sender = {.addr = "alice@relay.example",
                            .name = "Alice",
                            .fingerprint = "ABCD",
                            .verified = true},
                 .timestamp = 1700000000};
}

class LuaPlugin : public ::testing::Test {
 protected:
  std::unique_ptr<Plugin> load(const std::string& name, const std::string& code,
                               config::Value config = {}, Limits limits = {}) {
    auto plugin = Plugin::load(name, write_plugin(name, code), std::move(config), host_, limits);
    EXPECT_TRUE(plugin) << (plugin ? "" : plugin.error().to_string());
    return plugin ? std::move(*plugin) : nullptr;
  }

  // Handles a message and checks that the state's stack is balanced.
  static Result<> handle(Plugin& plugin, const Message& msg) {
    const int top = lua_gettop(plugin.sandbox().state());
    auto result = plugin.handle_message(msg);
    EXPECT_EQ(lua_gettop(plugin.sandbox().state()), top);
    return result;
  }

  static Result<> command(Plugin& plugin, const Message& msg, std::string_view name,
                          std::string_view args) {
    const int top = lua_gettop(plugin.sandbox().state());
    auto result = plugin.handle_command(msg, name, args);
    EXPECT_EQ(lua_gettop(plugin.sandbox().state()), top);
    return result;
  }

  FakeHost host_;
};

TEST_F(LuaPlugin, EchoPluginFromPluginsFolderReplies) {
  auto plugin =
      Plugin::load("echo", std::filesystem::path(DCBOT_SOURCE_DIR) / "plugins/echo.lua", {}, host_);
  ASSERT_TRUE(plugin) << plugin.error().to_string();
  ASSERT_TRUE(handle(**plugin, message("hello", 5)));
  EXPECT_THAT(host_.replies, ElementsAre("5:hello"));
  EXPECT_EQ((*plugin)->message_handler_count(), 1);
}

TEST_F(LuaPlugin, RollPluginRegistersItsCommand) {
  auto plugin =
      Plugin::load("roll", std::filesystem::path(DCBOT_SOURCE_DIR) / "plugins/roll.lua", {}, host_);
  ASSERT_TRUE(plugin) << plugin.error().to_string();
  ASSERT_EQ((*plugin)->commands().size(), 1U);
  EXPECT_EQ((*plugin)->commands()[0].name, "/roll");
  EXPECT_FALSE((*plugin)->commands()[0].description.empty());
  ASSERT_TRUE(command(**plugin, message("/roll"), "/roll", ""));
  ASSERT_EQ(host_.replies.size(), 1U);
  const int roll = std::stoi(host_.replies[0].substr(2));
  EXPECT_GE(roll, 1);
  EXPECT_LE(roll, 6);
  ASSERT_TRUE(command(**plugin, message("/roll 20"), "/roll", "20"));
  ASSERT_EQ(host_.replies.size(), 2U);
  EXPECT_LE(std::stoi(host_.replies[1].substr(2)), 20);
}

TEST_F(LuaPlugin, EventCarriesMessageAndSender) {
  auto plugin = load("fields", R"(
local bot = require("dcbot")
bot.on_message(function(ev)
  ev:reply(table.concat({ev.text, ev.chat_id, ev.message_id, ev.timestamp, ev.sender.addr,
                         ev.sender.name, ev.sender.fingerprint, tostring(ev.sender.verified)}, "|"))
end)
)");
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(handle(*plugin, message("hi", 3)));
  EXPECT_THAT(host_.replies,
              ElementsAre("3:hi|10|3|1700000000|alice@relay.example|Alice|ABCD|true"));
}

TEST_F(LuaPlugin, CommandsGetArgsAndAreListed) {
  auto plugin = load("cmds", R"(
local bot = require("dcbot")
bot.on_command("/say", "repeat the arguments", function(ev, args)
  ev:reply(ev.command .. " <" .. args .. "> <" .. ev.args .. ">")
end)
bot.on_command("ping", function(ev) ev:reply("pong") end)
)");
  ASSERT_TRUE(plugin);
  ASSERT_EQ(plugin->commands().size(), 2U);
  EXPECT_EQ(plugin->commands()[0].name, "/say");
  EXPECT_EQ(plugin->commands()[0].description, "repeat the arguments");
  EXPECT_EQ(plugin->commands()[1].name, "/ping");
  EXPECT_TRUE(plugin->has_command("ping"));
  EXPECT_EQ(plugin->message_handler_count(), 0);
  ASSERT_TRUE(command(*plugin, message("/say a b"), "say", "a b"));
  ASSERT_TRUE(command(*plugin, message("/ping"), "/ping", ""));
  EXPECT_THAT(host_.replies, ElementsAre("1:/say <a b> <a b>", "1:pong"));
  auto missing = command(*plugin, message("/nope"), "/nope", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  // No handlers: a message is fine and does nothing.
  ASSERT_TRUE(handle(*plugin, message("plain")));
}

TEST_F(LuaPlugin, BadCommandRegistrationsFailTheLoad) {
  for (const std::string code : {"require('dcbot').on_command('/a b', 'x', function() end)",
                                 "local b = require('dcbot')\nb.on_command('x', function() end)\n"
                                 "b.on_command('/x', function() end)",
                                 "require('dcbot').on_command('/x', 'no function')"}) {
    auto plugin = Plugin::load("badcmd", write_plugin("badcmd", code), {}, host_);
    ASSERT_FALSE(plugin) << code;
    EXPECT_THAT(plugin.error().message, HasSubstr("badcmd.lua:")) << code;
  }
}

TEST_F(LuaPlugin, SendTextStorageConfigAndLog) {
  auto config = config::parse_yaml(
      "greeting: Hello\ncount: 3\nratio: 0.5\nenabled: true\nnames: [a, b]\nnested: {k: v}\n"
      "nothing: null\n",
      "bot.yaml");
  ASSERT_TRUE(config);
  auto plugin = load("misc", R"(
local bot = require("dcbot")
local c = bot.config
bot.on_message(function(ev)
  bot.send_text(ev.chat_id, c.greeting .. " " .. c.count .. " " .. c.ratio .. " " ..
                tostring(c.enabled) .. " " .. #c.names .. c.names[2] .. " " .. c.nested.k .. " " ..
                tostring(c.nothing) .. " " .. math.type(c.count))
  local n = tonumber(bot.storage.get("n") or "0") + 1
  bot.storage.set("n", n)
  bot.storage.set("tmp", "x")
  bot.storage.delete("tmp")
  bot.storage.set("gone", "y")
  bot.storage.set("gone", nil)
  bot.log("seen", n, true, nil)
  print("printed", bot.name)
end)
)",
                     *config);
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(handle(*plugin, message("a")));
  ASSERT_TRUE(handle(*plugin, message("b")));
  EXPECT_THAT(host_.sent, ElementsAre("10:Hello 3 0.5 true 2b v nil integer",
                                      "10:Hello 3 0.5 true 2b v nil integer"));
  EXPECT_EQ(host_.storage, (std::map<std::string, std::string>{{"n", "2"}}));
  EXPECT_THAT(host_.logged,
              ElementsAre("seen 1 true nil", "printed misc", "seen 2 true nil", "printed misc"));
}

TEST_F(LuaPlugin, StorageRejectsBadKeysAndValues) {
  auto plugin = load("store", R"(
local bot = require("dcbot")
bot.on_command("/t", "", function(ev, args)
  if args == "table" then bot.storage.set("k", {}) end
  if args == "key" then bot.storage.set("", "v") end
  if args == "big" then bot.storage.set("k", string.rep("x", 2 * 1024 * 1024)) end
end)
)");
  ASSERT_TRUE(plugin);
  for (const char* args : {"table", "key", "big"}) {
    auto result = command(*plugin, message("/t"), "/t", args);
    ASSERT_FALSE(result) << args;
    EXPECT_THAT(result.error().message, HasSubstr("bot.storage.set:")) << args;
  }
  EXPECT_TRUE(host_.storage.empty());
}

TEST_F(LuaPlugin, MissingConfigIsAnEmptyTable) {
  auto plugin = load("noconf", R"(
local bot = require("dcbot")
bot.on_message(function(ev) ev:reply(tostring(bot.config.anything)) end)
)");
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(handle(*plugin, message("x")));
  EXPECT_THAT(host_.replies, ElementsAre("1:nil"));
}

TEST_F(LuaPlugin, RuntimeErrorNamesPluginFileAndLineAndBotKeepsAnswering) {
  auto plugin = load("crashy", R"(local bot = require("dcbot")
bot.on_message(function(ev)
  if ev.text == "crash" then
    local t = nil
    return t.field
  end
  ev:reply("ok")
end)
)");
  ASSERT_TRUE(plugin);
  auto result = handle(*plugin, message("crash"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("lua: plugin \"crashy\""));
  EXPECT_THAT(result.error().message, HasSubstr("crashy.lua:5:"));
  ASSERT_TRUE(handle(*plugin, message("next")));
  EXPECT_THAT(host_.replies, ElementsAre("1:ok"));
}

TEST_F(LuaPlugin, OneFailingHandlerDoesNotStopTheNext) {
  auto plugin = load("two", R"(local bot = require("dcbot")
bot.on_message(function(ev) error("first fails") end)
bot.on_message(function(ev) ev:reply("second runs") end)
)");
  ASSERT_TRUE(plugin);
  auto result = handle(*plugin, message("x"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("two.lua:2: first fails"));
  EXPECT_THAT(host_.replies, ElementsAre("1:second runs"));
}

TEST_F(LuaPlugin, EndlessLoopIsStoppedAndNextMessageIsAnswered) {
  auto plugin = load("loop", R"(local bot = require("dcbot")
bot.on_message(function(ev)
  if ev.text == "loop" then
    while true do end
  end
  ev:reply("answered " .. ev.text)
end)
)",
                     {}, {.memory_bytes = std::size_t{4} << 20, .instructions = 500'000});
  ASSERT_TRUE(plugin);
  auto result = handle(*plugin, message("loop"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Timeout);
  EXPECT_THAT(result.error().message, HasSubstr("plugin \"loop\""));
  EXPECT_THAT(result.error().message, HasSubstr("loop.lua:4: instruction budget"));
  ASSERT_TRUE(handle(*plugin, message("next")));
  EXPECT_THAT(host_.replies, ElementsAre("1:answered next"));
}

TEST_F(LuaPlugin, EndlessLoopInTheMainChunkFailsTheLoad) {
  auto plugin = Plugin::load("hang", write_plugin("hang", "while true do end"), {}, host_,
                             {.memory_bytes = std::size_t{4} << 20, .instructions = 100'000});
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().code, Errc::Timeout);
}

TEST_F(LuaPlugin, UnboundedAllocationIsStoppedAndNextMessageIsAnswered) {
  auto plugin = load("hog", R"(local bot = require("dcbot")
local keep = {}
bot.on_message(function(ev)
  if ev.text == "hog" then
    local t = {}
    while true do t[#t + 1] = string.rep("x", 1000) .. #t end
  end
  ev:reply("answered " .. ev.text)
end)
)",
                     {}, {.memory_bytes = std::size_t{4} << 20, .instructions = 100'000'000});
  ASSERT_TRUE(plugin);
  auto result = handle(*plugin, message("hog"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("plugin \"hog\": memory limit"));
  EXPECT_EQ(plugin->sandbox().last_limit_hit(), LimitHit::Memory);
  ASSERT_TRUE(handle(*plugin, message("next")));
  EXPECT_THAT(host_.replies, ElementsAre("1:answered next"));
}

TEST_F(LuaPlugin, ForbiddenCallsInHandlersAreErrorsNotCrashes) {
  auto plugin = load("evil", R"(local bot = require("dcbot")
bot.on_command("/run", "", function(ev, args)
  load(args)()
end)
bot.on_message(function(ev) ev:reply("still here") end)
)");
  ASSERT_TRUE(plugin);
  for (const char* code :
       {"os.execute('touch /tmp/dcbot-pwned')", "io.open('/etc/passwd')",
        "package.loadlib('libc.so.6', 'system')", "debug.getregistry()", "dofile('/etc/passwd')",
        "require('os')", "loadfile('/etc/passwd')", "load(string.dump(print))"}) {
    auto result = command(*plugin, message("/run"), "/run", code);
    ASSERT_FALSE(result) << code;
    EXPECT_THAT(result.error().message, HasSubstr("plugin \"evil\"")) << code;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/dcbot-pwned"));
  ASSERT_TRUE(handle(*plugin, message("hi")));
  EXPECT_THAT(host_.replies, ElementsAre("1:still here"));
}

TEST_F(LuaPlugin, HandlersCanOnlyBeRegisteredWhileLoading) {
  auto plugin = load("late", R"(local bot = require("dcbot")
bot.on_message(function(ev)
  bot.on_message(function() end)
end)
bot.on_command("/late", "", function(ev) bot.on_command("/later", "", function() end) end)
)");
  ASSERT_TRUE(plugin);
  auto result = handle(*plugin, message("x"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("registered while the plugin loads"));
  result = command(*plugin, message("/late"), "/late", "");
  ASSERT_FALSE(result);
  EXPECT_EQ(plugin->message_handler_count(), 1);
  EXPECT_EQ(plugin->commands().size(), 1U);
}

TEST_F(LuaPlugin, ReplyAfterTheHandlerReturnedIsAnError) {
  auto plugin = load("stash", R"(local bot = require("dcbot")
local stashed
bot.on_message(function(ev)
  if stashed then stashed:reply("late") end
  stashed = ev
end)
bot.on_command("/dot", "", function(ev) ev.reply("no colon") end)
)");
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(handle(*plugin, message("first")));
  auto result = handle(*plugin, message("second"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("handler has returned"));
  result = command(*plugin, message("/dot"), "/dot", "");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("with a colon"));
  EXPECT_TRUE(host_.replies.empty());
}

TEST_F(LuaPlugin, HostFailuresAndExceptionsBecomeLuaErrors) {
  auto plugin = load("host", R"(local bot = require("dcbot")
bot.on_message(function(ev)
  local ok, err = pcall(ev.reply, ev, "x")
  bot.log("caught: " .. tostring(err))
  ev:reply("y")
end)
)");
  ASSERT_TRUE(plugin);
  host_.fail_reply = true;
  auto result = handle(*plugin, message("m"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("host.lua:5: ev:reply: store: disk full"));
  host_.fail_reply = false;
  host_.throw_on_reply = true;
  result = handle(*plugin, message("m"));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("ev:reply: reply exploded"));
  EXPECT_THAT(host_.logged, ElementsAre("caught: ev:reply: store: disk full",
                                        "caught: ev:reply: reply exploded"));
}

TEST_F(LuaPlugin, ReloadLoadsANewStateAndDropsOldHandlers) {
  const auto path = write_plugin("reload", R"(local bot = require("dcbot")
counter = (counter or 0) + 1
bot.on_message(function(ev) ev:reply("v1 " .. counter) end)
bot.on_command("/old", "", function(ev) ev:reply("old") end)
)");
  auto loaded = Plugin::load("reload", path, {}, host_);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  std::unique_ptr<Plugin> plugin = std::move(*loaded);
  ASSERT_TRUE(handle(*plugin, message("a")));

  write_plugin("reload", R"(local bot = require("dcbot")
counter = (counter or 0) + 1
bot.on_message(function(ev) ev:reply("v2 " .. counter) end)
bot.on_command("/new", "", function(ev) ev:reply("new") end)
)");
  auto reloaded = plugin->reload();
  ASSERT_TRUE(reloaded) << reloaded.error().to_string();
  plugin = std::move(*reloaded);  // The old state closes here.
  ASSERT_TRUE(handle(*plugin, message("b")));
  EXPECT_THAT(host_.replies, ElementsAre("1:v1 1", "1:v2 1"));  // Globals did not survive.
  EXPECT_EQ(plugin->message_handler_count(), 1);
  ASSERT_EQ(plugin->commands().size(), 1U);
  EXPECT_EQ(plugin->commands()[0].name, "/new");
  EXPECT_FALSE(plugin->has_command("/old"));
  EXPECT_EQ(command(*plugin, message("/old"), "/old", "").error().code, Errc::NotFound);

  // A reload that fails leaves the running plugin alone.
  write_plugin("reload", "this is not lua");
  auto broken = plugin->reload();
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::Parse);
  ASSERT_TRUE(handle(*plugin, message("c")));
  EXPECT_EQ(host_.replies.back(), "1:v2 1");
}

// Calls bot.<path>(args...) straight through the C API and returns how many values it left.
int call_binding(lua_State* state, const char* table, const char* function,
                 std::initializer_list<const char*> args, bool expect_ok = true) {
  const int top = lua_gettop(state);
  // require("dcbot") the way a plugin does, then walk to the function.
  lua_getglobal(state, "require");
  lua_pushliteral(state, "dcbot");
  EXPECT_EQ(lua_pcall(state, 1, 1, 0), LUA_OK);
  if (table != nullptr) {
    lua_getfield(state, -1, table);
    lua_remove(state, -2);
  }
  lua_getfield(state, -1, function);
  lua_remove(state, -2);
  for (const char* arg : args) {
    lua_pushstring(state, arg);
  }
  const int base = lua_gettop(state) - static_cast<int>(args.size()) - 1;
  const int status = lua_pcall(state, static_cast<int>(args.size()), LUA_MULTRET, 0);
  EXPECT_EQ(status == LUA_OK, expect_ok) << function << ": " << lua_tostring(state, -1);
  const int results = lua_gettop(state) - base;
  lua_settop(state, top);
  return results;
}

TEST_F(LuaPlugin, BindingsLeaveExactlyTheirResultsOnTheStack) {
  auto plugin = load("balance", "local bot = require('dcbot')");
  ASSERT_TRUE(plugin);
  lua_State* state = plugin->sandbox().state();
  const int top = lua_gettop(state);
  EXPECT_EQ(call_binding(state, "storage", "set", {"k", "v"}), 0);
  EXPECT_EQ(call_binding(state, "storage", "get", {"k"}), 1);
  EXPECT_EQ(call_binding(state, "storage", "get", {"missing"}), 1);
  EXPECT_EQ(call_binding(state, "storage", "delete", {"k"}), 0);
  EXPECT_EQ(call_binding(state, nullptr, "send_text", {"12", "text"}), 0);
  EXPECT_EQ(call_binding(state, nullptr, "log", {"a", "b", "c"}), 0);
  EXPECT_EQ(call_binding(state, nullptr, "log", {}), 0);
  // Errors leave just the error object.
  EXPECT_EQ(call_binding(state, nullptr, "send_text", {"not a number", "x"}, false), 1);
  EXPECT_EQ(call_binding(state, nullptr, "on_message", {}, false), 1);
  EXPECT_EQ(call_binding(state, nullptr, "on_command", {"/x", "d"}, false), 1);
  EXPECT_EQ(call_binding(state, "storage", "set", {"", "v"}, false), 1);
  EXPECT_EQ(lua_gettop(state), top);
  EXPECT_THAT(host_.sent, ElementsAre("12:text"));
  EXPECT_THAT(host_.logged, ElementsAre("a b c", ""));
  EXPECT_TRUE(host_.storage.empty());
}

TEST_F(LuaPlugin, LoadErrorsNameTheFile) {
  auto missing = Plugin::load("missing", "/nonexistent/missing.lua", {}, host_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  auto syntax = Plugin::load("syntax", write_plugin("syntax", "local x = \n"), {}, host_);
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, Errc::Parse);
  EXPECT_THAT(syntax.error().message, HasSubstr("syntax.lua:"));
}

TEST_F(LuaPlugin, ConfigSchemaNamesTheYamlPositionOfAMistake) {
  const std::string code = R"(local bot = require("dcbot")
bot.config_schema({ sides = "integer", greeting = "string?", admins = "list?" })
)";
  auto good = config::parse_yaml("sides: 20\ngreeting: hi\n", "bot.yaml");
  ASSERT_TRUE(good);
  EXPECT_TRUE(load("schema", code, *good));

  auto wrong_type = config::parse_yaml("sides: twenty\n", "bot.yaml");
  ASSERT_TRUE(wrong_type);
  auto r = Plugin::load("schema", write_plugin("schema", code), *wrong_type, host_);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("bot.yaml:1:8: config.sides: expected integer, got"));

  auto unknown = config::parse_yaml("sides: 6\nsidez: 7\n", "bot.yaml");
  ASSERT_TRUE(unknown);
  r = Plugin::load("schema", write_plugin("schema", code), *unknown, host_);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("bot.yaml:2:1: config: unknown key \"sidez\""));

  auto missing = config::parse_yaml("greeting: hi\n", "bot.yaml");
  ASSERT_TRUE(missing);
  r = Plugin::load("schema", write_plugin("schema", code), *missing, host_);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("needs the key \"sides\" (integer)"));

  r = Plugin::load("schema", write_plugin("schema", code), {}, host_);
  ASSERT_FALSE(r);  // No config at all, but `sides` is required.

  r = Plugin::load("badschema",
                   write_plugin("badschema", "require('dcbot').config_schema({ x = 'float' })"), {},
                   host_);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("unknown type \"float\""));
}

}  // namespace
}  // namespace dcbot::lua
