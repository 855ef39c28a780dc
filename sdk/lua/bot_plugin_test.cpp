// SPDX-License-Identifier: MIT
#include "lua/bot_plugin.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "runtime/bot.h"
#include "runtime/test_bot.h"
#include "store/db.h"
#include "store/mailbox.h"

namespace dcbot::lua {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class MapStorage final : public Storage {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    auto it = values.find(std::string(key));
    return it == values.end() ? std::optional<std::string>() : std::optional(it->second);
  }

  Result<> set(std::string_view key, std::string_view value) override {
    values[std::string(key)] = std::string(value);
    return {};
  }

  Result<> erase(std::string_view key) override {
    values.erase(std::string(key));
    return {};
  }

  std::map<std::string, std::string> values;
};

// A real Bot (store, chat engine, handlers) and a chat peer; mail is carried by hand between the
// peer and the bot's inbox and outbox, processed the way the Engine processes it.
class LuaBotPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(DCBOT_BINARY_DIR) / "test-tmp" / "lua-bot"
           / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    runtime::BotOptions options;
    options.transport.addr = "luabot@relay.test";
    options.transport.imap.host = "127.0.0.1";
    options.transport.smtp.host = "127.0.0.1";
    options.data_dir = dir_ / "data";
    auto bot = runtime::open_bot(io_.get_executor(), options);
    ASSERT_TRUE(bot) << bot.error().to_string();
    bot_ = std::move(*bot);
    peer_ = chat::testing::make_peer(chat::testing::load_fixture("alice"), "Alice", false,
                                     runtime::unix_now());
    ASSERT_TRUE(chat::ensure_securejoin_schema(*peer_.db));
    chat::Hooks hooks;
    chat::install_securejoin(hooks, *peer_.db);
    peer_->set_hooks(std::move(hooks));
  }

  fs::path write(const std::string& name, const std::string& code) {
    auto path = dir_ / (name + ".lua");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << code;
    return path;
  }

  std::shared_ptr<BotPlugin> attach(const fs::path& file, config::Value config = {},
                                    Limits limits = {}) {
    auto plugin = BotPlugin::attach(*bot_, file, std::move(config), storage_, limits);
    EXPECT_TRUE(plugin) << (plugin ? "" : plugin.error().to_string());
    return plugin ? *plugin : nullptr;
  }

  void deliver_to_bot(const Bytes& raw) { runtime::bot_testing::to_bot(*bot_, next_uid_, raw); }

  // Carries mail both ways until both sides are quiet; returns the texts the peer received.
  std::vector<std::string> carry(std::vector<chat::OutgoingMail> to_bot, bool* verified = nullptr) {
    std::vector<std::string> texts;
    store::Outbox outbox(bot_->impl().engine->db());
    for (int round = 0; round < 10 && !to_bot.empty(); ++round) {
      for (const auto& mail : to_bot) {
        deliver_to_bot(mail.raw);
      }
      to_bot.clear();
      auto due = outbox.next_due(runtime::unix_now() + 3600, 100);
      EXPECT_TRUE(due);
      for (const auto& row : due ? *due : std::vector<store::OutboxItem>{}) {
        EXPECT_TRUE(outbox.mark_sent(row.id));
        auto fx = peer_->receive(row.raw, runtime::unix_now());
        EXPECT_TRUE(fx) << fx.error().to_string();
        if (!fx) {
          continue;
        }
        for (const auto& event : fx->events) {
          if (const auto* m = std::get_if<chat::MessageEvent>(&event)) {
            texts.push_back(m->text);
          }
          if (verified != nullptr && std::holds_alternative<chat::ContactVerifiedEvent>(event)) {
            *verified = true;
          }
        }
        for (auto& mail : fx->outgoing) {
          to_bot.push_back(std::move(mail));
        }
      }
    }
    return texts;
  }

  void join() {
    auto link = bot_->invite_link();
    ASSERT_TRUE(link) << link.error().to_string();
    auto start = chat::start_join(*peer_.account, *link, runtime::unix_now());
    ASSERT_TRUE(start) << start.error().to_string();
    bool verified = false;
    carry(start->effects.outgoing, &verified);
    ASSERT_TRUE(verified);
    chat_ = start->chat_id;
  }

  std::vector<std::string> say(const std::string& text) {
    chat::SendOptions options;
    options.now = runtime::unix_now();
    auto mail = peer_->build_text(chat_, text, std::move(options));
    EXPECT_TRUE(mail) << mail.error().to_string();
    return mail ? carry({*mail}) : std::vector<std::string>{};
  }

  boost::asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<Bot> bot_;
  chat::testing::Peer peer_;
  MapStorage storage_;
  std::int64_t chat_ = 0;
  std::uint32_t next_uid_ = 1;
};

TEST_F(LuaBotPlugin, EchoPluginAnswersAPeer) {
  auto plugin = attach(fs::path(DCBOT_SOURCE_DIR) / "plugins/echo.lua");
  ASSERT_TRUE(plugin);
  join();
  EXPECT_THAT(say("hello from alice"), ElementsAre("hello from alice"));
  EXPECT_THAT(say("again"), ElementsAre("again"));
}

TEST_F(LuaBotPlugin, RollCommandIsListedInHelpAndAnswers) {
  auto plugin = attach(fs::path(DCBOT_SOURCE_DIR) / "plugins/roll.lua");
  ASSERT_TRUE(plugin);
  join();
  auto help = say("/help");
  ASSERT_EQ(help.size(), 1U);
  EXPECT_THAT(help[0], HasSubstr("/roll"));
  EXPECT_THAT(say("/roll 1"), ElementsAre("1"));
  EXPECT_THAT(say("/roll x"), ElementsAre(HasSubstr("usage")));
}

TEST_F(LuaBotPlugin, LimitHitsAndErrorsAreSurvived) {
  auto plugin = attach(write("guarded", R"(local bot = require("dcbot")
bot.on_message(function(ev)
  if ev.text == "loop" then while true do end end
  if ev.text == "hog" then local t = {} while true do t[#t + 1] = string.rep("x", 999) .. #t end end
  if ev.text == "exec" then os.execute("true") end
  if ev.text == "io" then io.open("/etc/passwd") end
  local n = tonumber(bot.storage.get("n") or "0") + 1
  bot.storage.set("n", n)
  ev:reply(ev.sender.addr .. " #" .. n .. (ev.sender.verified and " verified" or ""))
end)
)"),
                       {}, {.memory_bytes = std::size_t{4} << 20, .instructions = 1'000'000});
  ASSERT_TRUE(plugin);
  join();
  for (const char* bad : {"loop", "hog", "exec", "io"}) {
    EXPECT_TRUE(say(bad).empty()) << bad;
  }
  EXPECT_THAT(say("hi"), ElementsAre("alice396394105@relay.test #1 verified"));
  EXPECT_EQ(storage_.values["n"], "1");
}

TEST_F(LuaBotPlugin, ReloadSwapsTheState) {
  const auto path = write("swap", R"(local bot = require("dcbot")
bot.on_message(function(ev) ev:reply("v1: " .. ev.text) end)
bot.on_command("/old", "the old command", function(ev) ev:reply("old") end)
)");
  auto plugin = attach(path);
  ASSERT_TRUE(plugin);
  join();
  EXPECT_THAT(say("a"), ElementsAre("v1: a"));
  write("swap", R"(local bot = require("dcbot")
bot.on_message(function(ev) ev:reply("v2: " .. ev.text) end)
bot.on_command("/new", "the new command", function(ev, args) ev:reply("new " .. args) end)
)");
  ASSERT_TRUE(plugin->reload());
  EXPECT_THAT(say("b"), ElementsAre("v2: b"));
  EXPECT_THAT(say("/new x"), ElementsAre("new x"));
  EXPECT_TRUE(say("/old").empty());

  write("swap", "syntax error here");
  auto broken = plugin->reload();
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message, HasSubstr("swap.lua:1:"));
  EXPECT_THAT(say("c"), ElementsAre("v2: c"));
}

TEST_F(LuaBotPlugin, LoadFailureRegistersNothing) {
  auto plugin = BotPlugin::attach(*bot_, write("bad", "error('no')"), {}, storage_);
  ASSERT_FALSE(plugin);
  EXPECT_THAT(plugin.error().message, HasSubstr("bad.lua:1: no"));
  EXPECT_EQ(bot_->commands().size(), 1U);  // Just the automatic /help.
}

TEST_F(LuaBotPlugin, TimersSendAndReloadReplacesThem) {
  const auto path = write("ticker", R"(local bot = require("dcbot")
local chat = nil
local ticks = 0
bot.on_message(function(ev)
  chat = ev.chat_id
  bot.after(0.01, function() bot.send_text(chat, "later: " .. ev.text) end)
end)
local id
id = bot.every(0.005, function()
  ticks = ticks + 1
  bot.storage.set("ticks", ticks)
  if ticks == 3 then bot.cancel_timer(id) end
end)
bot.every(0.005, function() error("a failing timer is logged and keeps running") end)
)");
  auto plugin = attach(path);
  ASSERT_TRUE(plugin);
  join();
  EXPECT_TRUE(say("ping").empty());  // The answer comes from the timer.
  bot_->after(std::chrono::milliseconds(200), [this] { bot_->stop(); });
  io_.run_for(std::chrono::seconds(10));
  EXPECT_EQ(storage_.values["ticks"], "3");
  // The one-shot timer queued its text outside any mail's transaction.
  store::Outbox outbox(bot_->impl().engine->db());
  auto due = outbox.next_due(runtime::unix_now() + 3600, 100);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1U);
  auto fx = peer_->receive((*due)[0].raw, runtime::unix_now());
  ASSERT_TRUE(fx) << fx.error().to_string();
  ASSERT_EQ(fx->events.size(), 1U);
  EXPECT_EQ(std::get<chat::MessageEvent>(fx->events[0]).text, "later: ping");
  EXPECT_EQ(plugin->plugin().timers().size(), 1U);  // The failing `every` keeps running.
}

TEST_F(LuaBotPlugin, ReloadCancelsTheOldVersionsTimers) {
  const auto path = write("tick", R"(local bot = require("dcbot")
bot.every(0.005, function() bot.storage.set("v1", "ticked") end)
)");
  auto plugin = attach(path);
  ASSERT_TRUE(plugin);
  write("tick", R"(local bot = require("dcbot")
bot.after(0.005, function() bot.storage.set("v2", "ticked") end)
)");
  ASSERT_TRUE(plugin->reload());
  // A version that fails to load after starting a timer leaves no timer behind.
  write("tick", R"(local bot = require("dcbot")
bot.every(0.005, function() bot.storage.set("v3", "ticked") end)
error("broken")
)");
  ASSERT_FALSE(plugin->reload());
  bot_->after(std::chrono::milliseconds(100), [this] { bot_->stop(); });
  io_.run_for(std::chrono::seconds(10));
  EXPECT_EQ(storage_.values.count("v1"), 0U);
  EXPECT_EQ(storage_.values["v2"], "ticked");
  EXPECT_EQ(storage_.values.count("v3"), 0U);
}

TEST_F(LuaBotPlugin, EventsAndActionsBeyondMessages) {
  std::ofstream(dir_ / "hello.txt", std::ios::binary) << "file from the plugin's folder";
  auto plugin = attach(write("events", R"(local bot = require("dcbot")
bot.on_contact_verified(function(ev)
  bot.storage.set("verified", ev.addr .. " " .. #ev.fingerprint .. " " .. type(ev.chat_id))
  bot.send_text(ev.chat_id, "welcome, verified friend")
end)
bot.on_command("/file", "a file", function(ev)
  bot.send_file(ev.chat_id, "hello.txt", "here it is")
end)
bot.on_command("/escape", "tries to leave its folder", function(ev)
  local ok, err = pcall(bot.send_file, ev.chat_id, "../../../etc/passwd")
  local ok2, err2 = pcall(bot.send_file, ev.chat_id, "/etc/passwd")
  ev:reply(tostring(ok) .. " " .. tostring(ok2) .. " " .. err)
end)
bot.on_command("/link", "the invite link", function(ev)
  ev:reply(bot.invite_link())
end)
)"));
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->plugin().event_handler_count("contact_verified"), 1);
  join();
  // The welcome the contact_verified handler queued.
  store::Outbox outbox(bot_->impl().engine->db());
  auto due = outbox.next_due(runtime::unix_now() + 3600, 100);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1U);
  ASSERT_TRUE(outbox.mark_sent((*due)[0].id));
  auto welcome = peer_->receive((*due)[0].raw, runtime::unix_now());
  ASSERT_TRUE(welcome) << welcome.error().to_string();
  ASSERT_EQ(welcome->events.size(), 1U);
  EXPECT_EQ(std::get<chat::MessageEvent>(welcome->events[0]).text, "welcome, verified friend");
  EXPECT_THAT(storage_.values["verified"], ::testing::StartsWith("alice"));
  EXPECT_THAT(storage_.values["verified"], ::testing::EndsWith(" 40 number"));
  EXPECT_THAT(say("/escape"), ElementsAre(HasSubstr("false false")));
  EXPECT_THAT(say("/escape")[0], HasSubstr("without \"..\""));
  EXPECT_THAT(say("/link"), ElementsAre(::testing::StartsWith("https://i.delta.chat/#")));
  EXPECT_THAT(say("/file"), ElementsAre("here it is"));
}

TEST_F(LuaBotPlugin, AdminOnlyCommandsFromLua) {
  auto plugin = attach(write("admin", R"(local bot = require("dcbot")
bot.on_command("/ban", "ban someone", function(ev, args) ev:reply("banned " .. args) end,
               { admin = true })
bot.on_command("/whoami", "am I an admin?", function(ev)
  ev:reply(ev.sender.is_admin and "admin" or "member")
end)
)"));
  ASSERT_TRUE(plugin);
  auto commands = bot_->commands();
  auto ban = std::find_if(commands.begin(), commands.end(),
                          [](const CommandInfo& c) { return c.name == "/ban"; });
  ASSERT_NE(ban, commands.end());
  EXPECT_TRUE(ban->admin_only);
  join();
  EXPECT_THAT(say("/ban x"), ElementsAre("/ban is only for the bot's admins."));
  EXPECT_THAT(say("/whoami"), ElementsAre("member"));
  bot_->set_admins({peer_->fingerprint()});
  EXPECT_THAT(say("/ban x"), ElementsAre("banned x"));
  EXPECT_THAT(say("/whoami"), ElementsAre("admin"));
}

TEST_F(LuaBotPlugin, GroupActionsFromLua) {
  auto plugin = attach(write("groups", R"(local bot = require("dcbot")
bot.on_command("/group", "make a group with me", function(ev)
  local chat = bot.create_group("Lua Group", { ev.sender.fingerprint })
  local mid = bot.send(chat, "hello group")
  bot.edit_message(chat, mid, "hello, edited")
  bot.rename_group(chat, "Renamed Group")
  local members = bot.group_members(chat)
  local link = bot.group_invite_link(chat)
  ev:reply(math.type(chat) .. " " .. #members .. " " .. link:sub(1, 22) .. " " .. #mid)
end)
bot.on_command("/channel", "make a channel", function(ev)
  local chat = bot.create_channel("Lua News")
  ev:reply(bot.channel_invite_link(chat):sub(1, 22))
end)
)"));
  ASSERT_TRUE(plugin);
  EXPECT_EQ(plugin->plugin().event_handler_count("group_joined"), 0);
  join();
  // A chat id (integer), one member besides the bot, a group invite link, a Message-ID. (This
  // test peer has no group hooks, so it does not show the group's own messages.)
  EXPECT_THAT(
      say("/group"),
      ::testing::Contains(::testing::MatchesRegex("integer 1 https://i.delta.chat/# [0-9]+")));
  EXPECT_THAT(say("/channel"), ElementsAre("https://i.delta.chat/#"));
  // Errors are Lua errors naming the action.
  auto bad = attach(write("badgroup", R"(local bot = require("dcbot")
bot.on_command("/bad", "", function(ev)
  local ok, err = pcall(bot.add_member, 999999, "nobody")
  ev:reply(tostring(ok) .. " " .. err)
end)
)"));
  ASSERT_TRUE(bad);
  EXPECT_THAT(say("/bad"), ElementsAre(HasSubstr("false bot.add_member:")));
}

TEST_F(LuaBotPlugin, TimerArgumentsAreChecked) {
  auto bad = BotPlugin::attach(
      *bot_, write("badtimer", "require('dcbot').every(0, function() end)"), {}, storage_);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("bot.every: the interval is 0.001 to"));
}

TEST_F(LuaBotPlugin, BotStorageKeepsValuesInTheBotsDatabase) {
  BotStorage storage(bot_->storage("lua:kv"));
  auto plugin = BotPlugin::attach(*bot_, write("kv", R"(local bot = require("dcbot")
bot.storage.set("k", "from lua")
)"),
                                  {}, storage);
  ASSERT_TRUE(plugin) << plugin.error().to_string();
  EXPECT_EQ(bot_->storage("lua:kv").get("k")->value(), "from lua");
}

}  // namespace
}  // namespace dcbot::lua
