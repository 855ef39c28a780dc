// SPDX-License-Identifier: MIT
// The generic `dcbot` program as a user runs it (issue #6): one process runs two bots from a
// host file, one answering through a Lua plugin (commands, storage in the bot's database, a
// timer), the other through the builtin echo; SIGHUP reloads the Lua plugin without losing
// anything; storage survives a restart; a bad plugin path is a config error (exit 2).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/cli_fixture.h"
#include "support/peer_setup.h"
#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"
#include <signal.h>

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testsupport::create_ready_user;
using testsupport::introduce;
using testsupport::join_by_link;
using testsupport::PeerAccount;
using testsupport::run_capture;
using testsupport::sole_contact;
using testsupport::wait_ready;

constexpr const char* kCounterV1 = R"(local bot = require("dcbot")
bot.on_command("/count", "count your /count commands", function(ev)
  local key = "count:" .. ev.sender.fingerprint
  local n = tonumber(bot.storage.get(key) or "0") + 1
  bot.storage.set(key, n)
  ev:reply("v1 count " .. n)
end)
bot.on_command("/later", "answer a moment later", function(ev, args)
  local chat = ev.chat_id
  bot.after(0.5, function() bot.send_text(chat, "later: " .. args) end)
end)
)";

constexpr const char* kCounterV2 = R"(local bot = require("dcbot")
bot.on_command("/count", "count your /count commands", function(ev)
  local key = "count:" .. ev.sender.fingerprint
  local n = tonumber(bot.storage.get(key) or "0") + 1
  bot.storage.set(key, n)
  ev:reply((bot.config.prefix or "v2") .. " count " .. n)
end)
)";

class PluginsCli : public testsupport::DcbotCliTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        set_up(DCBOT_BIN, fs::path(DCBOT_BINARY_DIR) / "plugins-cli", "host-", "pluginuser"));
    fs::create_directories(dir_ / "lua" / "plugins");
    fs::create_directories(dir_ / "echo");
    lua_addr_ = relay_.fresh_address("luabot-");
    echo_addr_ = relay_.fresh_address("echobot-");
    write_bot(dir_ / "lua" / "bot.yaml", lua_addr_, "Lua Bot",
              "plugins:\n  - lua: ./plugins/counter.lua\n");
    write_bot(dir_ / "echo" / "bot.yaml", echo_addr_, "Echo Bot", "plugins:\n  - builtin: echo\n");
    std::ofstream(dir_ / "lua" / "plugins" / "counter.lua") << kCounterV1;
    std::ofstream(dir_ / "host.yaml") << "bots:\n  - lua/bot.yaml\n  - echo/bot.yaml\n";
  }

  // Both bots of host.yaml in one `dcbot run`.
  void start() { run_bot(dir_ / "host.yaml"); }

  std::string lua_addr_;
  std::string echo_addr_;
};

TEST_F(PluginsCli, TwoBotsInOneProcessLuaPluginReloadOnSighupAndStorageSurvivesRestart) {
  auto [code, summary] = run_capture({DCBOT_BIN, "check", (dir_ / "host.yaml").string()}, log_);
  ASSERT_EQ(code, 0) << log();
  EXPECT_NE(summary.find(lua_addr_), std::string::npos) << summary;
  EXPECT_NE(summary.find(echo_addr_), std::string::npos) << summary;

  const std::string lua_link = invite(dir_ / "lua" / "bot.yaml");
  const std::string echo_link = invite(dir_ / "echo" / "bot.yaml");
  start();
  const std::uint32_t lua_chat = join(lua_link);
  const std::uint32_t echo_chat = join(echo_link);
  ASSERT_NE(lua_chat, echo_chat);

  expect_answer(lua_chat, "/count", "v1 count 1");
  expect_answer(echo_chat, "echo me 🦜", "echo me 🦜");
  expect_answer(lua_chat, "/later timers work", "later: timers work");
  {
    ASSERT_TRUE(user().send_text(lua_chat, "/help"));
    auto help = user().wait_incoming_message_matching(
        [](const boost::json::object& m) {
          return std::string(m.at("text").as_string()).find("/count") != std::string::npos;
        },
        90s);
    ASSERT_TRUE(help) << help.error().to_string();
    EXPECT_NE(std::string(help->at("text").as_string()).find("/later"), std::string::npos);
  }

  // SIGHUP: the new version answers, the stored count carries on.
  std::ofstream(dir_ / "lua" / "plugins" / "counter.lua", std::ios::trunc) << kCounterV2;
  kill(pid_, SIGHUP);
  ASSERT_TRUE(wait_log("reloaded", 1, 30s)) << log();
  expect_answer(lua_chat, "/count", "v2 count 2");

  // A broken version keeps the running one.
  std::ofstream(dir_ / "lua" / "plugins" / "counter.lua", std::ios::trunc) << "this is not lua";
  kill(pid_, SIGHUP);
  ASSERT_TRUE(wait_log("keeping the running version", 1, 30s)) << log();
  expect_answer(lua_chat, "/count", "v2 count 3");
  expect_answer(echo_chat, "still here", "still here");

  // SIGHUP also reads the bot's YAML again: the plugin's edited `config:` block applies.
  std::ofstream(dir_ / "lua" / "plugins" / "counter.lua", std::ios::trunc) << kCounterV2;
  write_bot(dir_ / "lua" / "bot.yaml", lua_addr_, "Lua Bot",
            "plugins:\n  - lua: ./plugins/counter.lua\n    config: { prefix: v3 }\n");
  kill(pid_, SIGHUP);
  ASSERT_TRUE(wait_log("reloaded", 2, 30s)) << log();
  expect_answer(lua_chat, "/count", "v3 count 4");
  stop();

  // The count lives in the bot's database, not in the Lua state.
  start();
  expect_answer(lua_chat, "/count", "v3 count 5");
  stop();
}

TEST_F(PluginsCli, InitWithADcloginUrlLogsInWritesTheConfigAndTheBotAnswers) {
  const std::string addr = relay_.fresh_address("initbot-");
  auto url = [&](const std::string& password) {
    return "dclogin:" + addr + "/?p=" + password + "&v=1&ih=" + relay_.host
           + "&ip=" + std::to_string(relay_.imaps_port) + "&is=ssl&sh=" + relay_.host
           + "&sp=" + std::to_string(relay_.smtps_port) + "&ss=ssl&ic=3";
  };
  const fs::path config = dir_ / "init" / "bot.yaml";
  fs::create_directories(config.parent_path());
  // A wrong password: refused by the relay, nothing written.
  auto [refused, refused_out] =
      run_capture({DCBOT_BIN, "init", config.string(), url("wrong-password")}, log_);
  EXPECT_EQ(refused, 1) << log();
  EXPECT_FALSE(fs::exists(config));

  auto [code, out] = run_capture(
      {DCBOT_BIN, "init", config.string(), url(relay_.password), "--name", "Init Bot"}, log_);
  ASSERT_EQ(code, 0) << log();
  EXPECT_NE(out.find("login ok"), std::string::npos) << out;

  const std::string link = invite(config);
  run_bot(config.string());
  const std::uint32_t chat = join(link);
  expect_answer(chat, "made by dcbot init", "made by dcbot init");
  auto contact = user().get_chat(chat);
  ASSERT_TRUE(contact) << contact.error().to_string();
  EXPECT_EQ(std::string(contact->at("name").as_string()), "Init Bot");
  stop();
}

// bots/helper (issue #8): configured commands and keywords, a file answer, /help, a greeting and
// /feedback forwarded to the admin, who is recognised by key fingerprint, then to the admin group.
TEST_F(PluginsCli, HelperBotAnswersFromItsYamlAndForwardsFeedbackToTheAdmin) {
  auto admin = create_ready_user(*peer_, relay_, "admin-", "Admin");
  ASSERT_TRUE(admin) << admin.error().to_string();
  auto admin_link = admin->securejoin_qr();
  ASSERT_TRUE(admin_link) << admin_link.error().to_string();
  const std::string admin_fpr = admin_link->substr(admin_link->find('#') + 1, 40);

  const fs::path plugin = fs::path(DCBOT_SOURCE_DIR) / "bots/helper/plugins/helper.lua";
  const fs::path config = dir_ / "helper" / "bot.yaml";
  fs::create_directories(config.parent_path());
  write_bot(config, relay_.fresh_address("helper-"), "Helper Bot",
            "admins: [ \"" + admin_fpr + "\" ]\n"
            "plugins:\n"
            "  - lua: " + plugin.string() + "\n"
            "    config:\n"
            "      greeting: \"Hi! Send /help.\"\n"
            "      commands:\n"
            "        /hours: { file: files/opening-hours.txt, text: \"Our opening hours\" }\n"
            "        /address: \"Example Street 1\"\n"
            "      keywords:\n"
            "        - { match: \"open\", answer: \"We are open Monday to Saturday.\" }\n");
  const std::string link = invite(config);
  run_bot(config.string());

  const std::uint32_t chat = join(link);
  auto greeting = user().wait_incoming_text("Hi! Send /help.", 90s);
  ASSERT_TRUE(greeting) << greeting.error().to_string() << log();
  expect_answer(chat, "/address", "Example Street 1");
  expect_answer(chat, "When are you OPEN on Sunday?", "We are open Monday to Saturday.");
  {
    ASSERT_TRUE(user().send_text(chat, "/help"));
    auto help = user().wait_incoming_message_matching(
        [](const boost::json::object& m) {
          return std::string(m.at("text").as_string()).rfind("Commands:", 0) == 0;
        },
        90s);
    ASSERT_TRUE(help) << help.error().to_string();
    const std::string text(help->at("text").as_string());
    for (const char* command : {"/address", "/hours", "/feedback"}) {
      EXPECT_NE(text.find(command), std::string::npos) << text;
    }
  }
  {
    ASSERT_TRUE(user().send_text(chat, "/hours"));
    auto file = user().wait_incoming_text("Our opening hours", 90s);
    ASSERT_TRUE(file) << file.error().to_string() << log();
    EXPECT_EQ(std::string(file->at("fileName").as_string()), "opening-hours.txt");
  }

  // The admin verifies the bot (its key is the admin key of the YAML), then gets the feedback.
  auto admin_chat = join_by_link(*admin, link);
  ASSERT_TRUE(admin_chat) << admin_chat.error().to_string() << "\n" << log();
  expect_answer(chat, "/feedback the coffee is great", "Thank you! Your feedback was forwarded.");
  auto forwarded = admin->wait_incoming_message_matching(
      [](const boost::json::object& m) {
        return std::string(m.at("text").as_string()).find("the coffee is great")
               != std::string::npos;
      },
      90s);
  ASSERT_TRUE(forwarded) << forwarded.error().to_string() << log();
  EXPECT_NE(std::string(forwarded->at("text").as_string()).find("Feedback from User"),
            std::string::npos);
  EXPECT_EQ(forwarded->at("chatId").to_number<std::uint32_t>(), *admin_chat);

  // With an admin group (`dcbot admin`, run while the bot runs), feedback goes there.
  auto [admin_code, admin_out] = run_capture({DCBOT_BIN, "admin", config.string()}, log_);
  ASSERT_EQ(admin_code, 0) << log();
  auto admin_group = join_by_link(*admin, admin_out.substr(0, admin_out.find('\n')));
  ASSERT_TRUE(admin_group) << admin_group.error().to_string() << log();
  expect_answer(chat, "/feedback more cake please", "Thank you! Your feedback was forwarded.");
  auto in_group = admin->wait_incoming_message_matching(
      [](const boost::json::object& m) {
        return std::string(m.at("text").as_string()).find("more cake please") != std::string::npos;
      },
      90s);
  ASSERT_TRUE(in_group) << in_group.error().to_string() << log();
  EXPECT_EQ(in_group->at("chatId").to_number<std::uint32_t>(), *admin_group);
  stop();
}

// Issue #6 acceptance: /help lists the commands of three plugins; `/cmd@otherbot` is ignored; a
// bot-flagged real-core account is ignored (loop protection).
TEST_F(PluginsCli, HelpListsThreePluginsAndOtherBotsAreIgnored) {
  const fs::path plugins = fs::path(DCBOT_SOURCE_DIR) / "plugins";
  write_bot(dir_ / "lua" / "bot.yaml", lua_addr_, "Lua Bot",
            "plugins:\n"
            "  - lua: ./plugins/counter.lua\n"
            "  - lua: " + (plugins / "roll.lua").string() + "\n"
            "  - lua: " + (fs::path(DCBOT_SOURCE_DIR) / "bots/helper/plugins/helper.lua").string()
            + "\n    config: { commands: { /address: \"Example Street 1\" } }\n");
  const std::string link = invite(dir_ / "lua" / "bot.yaml");
  run_bot((dir_ / "lua" / "bot.yaml").string());
  const std::uint32_t chat = join(link);

  ASSERT_TRUE(user().send_text(chat, "/help"));
  auto help = user().wait_incoming_message_matching(
      [](const boost::json::object& m) {
        return std::string(m.at("text").as_string()).rfind("Commands:", 0) == 0;
      },
      90s);
  ASSERT_TRUE(help) << help.error().to_string() << log();
  const std::string text(help->at("text").as_string());
  for (const char* command : {"/count", "/later", "/roll", "/address", "/feedback"}) {
    EXPECT_NE(text.find(command), std::string::npos) << command << " missing in:\n" << text;
  }

  // A command addressed to another bot gets no answer; the next one for this bot does.
  ASSERT_TRUE(user().send_text(chat, "/address@someone-else@relay.test"));
  ASSERT_TRUE(user().send_text(chat, "/roll 1"));
  int address_answers = 0;
  auto rolled = user().wait_incoming_message_matching(
      [&](const boost::json::object& m) {
        const std::string t(m.at("text").as_string());
        address_answers += t == "Example Street 1" ? 1 : 0;
        return t == "1";
      },
      90s);
  ASSERT_TRUE(rolled) << rolled.error().to_string() << log();
  EXPECT_EQ(address_answers, 0);

  // Another bot (the core with bot=1) is not answered.
  testsupport::PeerAccountOptions as_bot;
  as_bot.bot = true;
  auto other = create_ready_user(*peer_, relay_, "otherbot-", "Other Bot", as_bot);
  ASSERT_TRUE(other) << other.error().to_string();
  auto other_chat = join_by_link(*other, link);
  ASSERT_TRUE(other_chat) << other_chat.error().to_string() << "\n" << log();
  other->peer().clear_events(other->id());
  ASSERT_TRUE(other->send_text(*other_chat, "/roll 1"));
  ASSERT_TRUE(wait_log("ignored (loop protection)", 1, 90s)) << log();
  expect_answer(chat, "/address", "Example Street 1");  // The bot is still answering people.
  auto answered = other->wait_incoming_message(5s);
  EXPECT_FALSE(answered) << "the bot answered another bot";
  stop();
}

// bots/poll (issue #8): /poll sends the poll app with the poll as its first status update; a
// real-core member votes through the webxdc API with its own selfAddr; a double vote is refused;
// /results posts the tally.
TEST_F(PluginsCli, PollBotSendsTheAppCountsOneVotePerMemberAndPostsResults) {
  write_bot(
      dir_ / "lua" / "bot.yaml", lua_addr_, "Poll Bot",
      "plugins:\n  - lua: " + (fs::path(DCBOT_SOURCE_DIR) / "bots/poll/poll.lua").string() + "\n");
  const std::string link = invite(dir_ / "lua" / "bot.yaml");
  run_bot((dir_ / "lua" / "bot.yaml").string());
  const std::uint32_t chat = join(link);

  ASSERT_TRUE(user().send_text(chat, "/poll Pizza or pasta? | Pizza | Pasta"));
  auto app = user().wait_incoming_text("Pizza or pasta?", 90s);
  ASSERT_TRUE(app) << app.error().to_string() << log();
  EXPECT_EQ(app->at("viewType"), "Webxdc");
  const auto app_id = app->at("id").to_number<std::uint32_t>();

  // The poll arrives as a status update.
  boost::json::value poll;
  for (int i = 0; i < 300 && poll.is_null(); ++i) {
    auto updates = user().get_webxdc_status_updates(app_id);
    ASSERT_TRUE(updates) << updates.error().to_string();
    for (const auto& item : updates->as_array()) {
      if (item.at("payload").is_object() && item.at("payload").as_object().contains("type")
          && item.at("payload").at("type") == "poll") {
        poll = item.at("payload");
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(poll.is_null()) << "the poll update did not arrive\n" << log();
  EXPECT_EQ(poll.at("question"), "Pizza or pasta?");
  EXPECT_EQ(poll.at("options").as_array().size(), 2U);

  auto info = user().call("get_webxdc_info", {app_id});
  ASSERT_TRUE(info) << info.error().to_string();
  const std::string self_addr(info->at("selfAddr").as_string());
  auto vote = [&](int option, const std::string& voter) {
    return user().send_webxdc_status_update(app_id, R"({"payload":{"type":"vote","option":)"
                                                        + std::to_string(option) + R"(,"voter":")"
                                                        + voter + R"("}})");
  };
  ASSERT_TRUE(vote(1, "someone-else"));  // Forged voter: ignored.
  ASSERT_TRUE(vote(1, self_addr));
  ASSERT_TRUE(wait_log("counted", 1, 90s)) << log();
  ASSERT_TRUE(vote(0, self_addr));  // A double vote: refused.
  ASSERT_TRUE(wait_log("double vote", 1, 90s)) << log();
  expect_answer(chat, "/results", "Pizza or pasta?\nPizza: 0\nPasta: 1\n1 voter");
  stop();
}

// bots/poll in a group (issue #8 acceptance): the poll app reaches three real-core members; the
// votes they send as status updates reach every member and the bot tallies them by signing key;
// a forged vote and a second vote of the same member are not counted (PROTOCOL.md §3/§4: the first
// valid vote counts); /results posts exactly the tally. Nothing assumes delivery order: every
// wait is for a condition (the bot's log line for each vote, the updates a core holds).
TEST_F(PluginsCli, PollBotInAGroupOfThreeMembersTalliesOneVoteEachAndPostsResults) {
  write_bot(
      dir_ / "lua" / "bot.yaml", lua_addr_, "Poll Bot",
      "plugins:\n  - lua: " + (fs::path(DCBOT_SOURCE_DIR) / "bots/poll/poll.lua").string() + "\n");
  const std::string link = invite(dir_ / "lua" / "bot.yaml");
  run_bot((dir_ / "lua" / "bot.yaml").string());

  // Three members: the fixture's user and two more accounts of the same core process.
  std::vector<PeerAccount> more;
  for (const char* name : {"Ben", "Cleo"}) {
    auto member =
        PeerAccount::create_and_configure(*peer_, relay_, relay_.fresh_address("member-"), name);
    ASSERT_TRUE(member) << member.error().to_string();
    more.push_back(std::move(*member));
  }
  for (auto& member : more) {
    auto ready = wait_ready(member);
    ASSERT_TRUE(ready) << ready.error().to_string();
  }
  PeerAccount& anna = user();
  PeerAccount& ben = more[0];
  PeerAccount& cleo = more[1];
  const std::vector<PeerAccount*> members{&anna, &ben, &cleo};

  // Every member verifies the bot by its invite link, so the bot and the members hold each
  // other's keys; Anna verifies Ben and Cleo, so she may add them to an encrypted group.
  std::uint32_t anna_bot_chat = 0;
  for (PeerAccount* m : members) {
    auto chat = join_by_link(*m, link);
    ASSERT_TRUE(chat) << chat.error().to_string() << "\n" << log();
    anna_bot_chat = m == &anna ? *chat : anna_bot_chat;
  }
  auto anna_ben = introduce(anna, ben);
  ASSERT_TRUE(anna_ben) << anna_ben.error().to_string();
  auto anna_cleo = introduce(anna, cleo);
  ASSERT_TRUE(anna_cleo) << anna_cleo.error().to_string();
  auto anna_bot = sole_contact(anna, anna_bot_chat);
  ASSERT_TRUE(anna_bot) << anna_bot.error().to_string();

  // Anna makes the group; her /poll is its first message (the bot learns the group from it).
  auto group = anna.create_group_chat("Poll group");
  ASSERT_TRUE(group) << group.error().to_string();
  for (std::uint32_t contact : {*anna_bot, *anna_ben, *anna_cleo}) {
    ASSERT_TRUE(anna.add_contact_to_chat(*group, contact));
  }
  const std::string question = "Where shall we meet?";
  const std::vector<std::string> options{"Café", "Park", "Library"};
  ASSERT_TRUE(anna.send_text(*group, "/poll " + question + " | Café |Park|  Library  "));

  // The app reaches every member's core in the group, the poll as its status update.
  std::map<PeerAccount*, std::uint32_t> app_of;
  std::map<PeerAccount*, std::uint32_t> chat_of;
  std::map<PeerAccount*, std::string> self_addr_of;
  for (PeerAccount* m : members) {
    auto app = m->wait_incoming_message_matching(
        [&](const boost::json::object& msg) {
          return msg.at("viewType") == "Webxdc" && msg.at("text") == question.c_str();
        },
        90s);
    ASSERT_TRUE(app) << m->addr() << ": " << app.error().to_string() << "\n" << log();
    EXPECT_EQ(app->at("showPadlock"), true);
    app_of[m] = app->at("id").to_number<std::uint32_t>();
    chat_of[m] = app->at("chatId").to_number<std::uint32_t>();
    auto chat = m->get_chat(chat_of[m]);
    ASSERT_TRUE(chat) << chat.error().to_string();
    EXPECT_EQ(chat->at("chatType"), "Group") << m->addr();
    EXPECT_EQ(chat->at("name"), "Poll group") << m->addr();
    auto info = m->call("get_webxdc_info", {app_of[m]});
    ASSERT_TRUE(info) << info.error().to_string();
    self_addr_of[m] = std::string(info->at("selfAddr").as_string());
  }
  EXPECT_EQ(chat_of[&anna], *group);
  for (PeerAccount* m : members) {
    boost::json::value poll;
    for (auto deadline = std::chrono::steady_clock::now() + 90s;
         poll.is_null() && std::chrono::steady_clock::now() < deadline;) {
      auto updates = m->get_webxdc_status_updates(app_of[m]);
      ASSERT_TRUE(updates) << updates.error().to_string();
      for (const auto& item : updates->as_array()) {
        const auto& payload = item.at("payload");
        if (payload.is_object() && payload.as_object().contains("type")
            && payload.at("type") == "poll") {
          poll = payload;
        }
      }
      std::this_thread::sleep_for(200ms);
    }
    ASSERT_FALSE(poll.is_null()) << m->addr() << " has no poll update\n" << log();
    EXPECT_EQ(poll.at("question"), question.c_str());
    EXPECT_EQ(poll.at("options"), boost::json::value(boost::json::array{
                                      options[0].c_str(), options[1].c_str(), options[2].c_str()}));
  }

  // The votes: each member's core sends a status update with its own selfAddr (PROTOCOL.md §2).
  auto vote_update = [](int option, const std::string& voter) {
    return R"({"payload":{"type":"vote","option":)" + std::to_string(option) + R"(,"voter":")"
           + voter + R"("}})";
  };
  auto vote = [&](PeerAccount& m, int option, const std::string& voter) {
    auto sent = m.send_webxdc_status_update(app_of[&m], vote_update(option, voter));
    EXPECT_TRUE(sent) << sent.error().to_string();
  };
  auto wait_poll_log = [&](const std::string& line) {
    EXPECT_TRUE(wait_log("poll: " + line, 1, 90s)) << "no \"" << line << "\"\n" << log();
  };
  // Cleo's vote in Anna's name is forged (not signed by Anna's key): not counted for anyone.
  vote(cleo, 1, self_addr_of[&anna]);
  wait_poll_log("a vote for someone else from " + cleo.addr() + " ignored");
  vote(anna, 1, self_addr_of[&anna]);
  vote(ben, 0, self_addr_of[&ben]);
  vote(cleo, 1, self_addr_of[&cleo]);
  for (PeerAccount* m : members) {
    wait_poll_log("vote by " + m->addr() + " counted");
  }
  // Ben votes again, for another option: a double vote, refused (the first one counts).
  vote(ben, 2, self_addr_of[&ben]);
  wait_poll_log("double vote by " + ben.addr() + " refused");

  // Every member's core holds every vote update (in whatever order they arrived).
  const std::multiset<std::string> all_votes{
      vote_update(1, self_addr_of[&anna]), vote_update(1, self_addr_of[&anna]),
      vote_update(0, self_addr_of[&ben]), vote_update(2, self_addr_of[&ben]),
      vote_update(1, self_addr_of[&cleo])};
  for (PeerAccount* m : members) {
    std::multiset<std::string> held;
    for (auto deadline = std::chrono::steady_clock::now() + 90s;
         held != all_votes && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(200ms);
      auto updates = m->get_webxdc_status_updates(app_of[m]);
      ASSERT_TRUE(updates) << updates.error().to_string();
      held.clear();
      for (const auto& item : updates->as_array()) {
        const auto& payload = item.at("payload");
        if (payload.is_object() && payload.as_object().contains("type")
            && payload.at("type") == "vote") {
          held.insert(vote_update(payload.at("option").to_number<int>(),
                                  std::string(payload.at("voter").as_string())));
        }
      }
    }
    EXPECT_EQ(held, all_votes) << m->addr();
  }

  // /results in the group: one vote each, Ben's first one counted, for everyone to read.
  const std::string tally = question + "\nCafé: 1\nPark: 2\nLibrary: 0\n3 voters";
  ASSERT_TRUE(ben.send_text(chat_of[&ben], "/results"));
  for (PeerAccount* m : members) {
    auto results = m->wait_incoming_message_matching(
        [](const boost::json::object& msg) {
          return std::string(msg.at("text").as_string()).rfind("Where shall we meet?\n", 0) == 0;
        },
        90s);
    ASSERT_TRUE(results) << m->addr() << ": " << results.error().to_string() << "\n" << log();
    EXPECT_EQ(std::string(results->at("text").as_string()), tally) << m->addr();
    EXPECT_EQ(results->at("chatId").to_number<std::uint32_t>(), chat_of[m]) << m->addr();
    EXPECT_EQ(results->at("showPadlock"), true);
  }
  stop();
}

TEST_F(PluginsCli, ABadPluginConfigIsAConfigErrorWithItsPosition) {
  std::ofstream(dir_ / "lua" / "plugins" / "dice.lua")
      << "local bot = require('dcbot')\nbot.config_schema({ sides = 'integer' })\n";
  write_bot(dir_ / "lua" / "bot.yaml", lua_addr_, "Lua Bot",
            "plugins:\n  - lua: ./plugins/dice.lua\n    config: { sides: many }\n");
  auto [code, out] = run_capture({DCBOT_BIN, "check", (dir_ / "host.yaml").string()}, log_);
  EXPECT_EQ(code, 2);
  const std::string text = log();
  EXPECT_NE(text.find("bot.yaml:13:22: config.sides: expected integer, got a string"),
            std::string::npos)
      << text;
}

TEST_F(PluginsCli, AMissingLuaFileIsAConfigErrorWithItsPosition) {
  write_bot(dir_ / "lua" / "bot.yaml", lua_addr_, "Lua Bot",
            "plugins:\n  - lua: ./plugins/missing.lua\n");
  auto [code, out] = run_capture({DCBOT_BIN, "check", (dir_ / "host.yaml").string()}, log_);
  EXPECT_EQ(code, 2);
  const std::string text = log();
  EXPECT_NE(text.find("bot.yaml:12:5"), std::string::npos) << text;
  EXPECT_NE(text.find("missing.lua"), std::string::npos) << text;
}

}  // namespace
}  // namespace dcbot
