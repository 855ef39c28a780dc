// SPDX-License-Identifier: MIT
// Groups, webxdc, reactions, edits and deletes of the public dcbot::Bot against the real Delta
// Chat core 2.62 on the local relay (issue #7 acceptance 1-5). The bot runs in-process on its
// own io thread as `dcbot run` runs it (runtime::open_bot + Engine::run); the users are accounts
// of one deltachat-rpc-server process. Nothing here assumes the relay delivers in order: every
// wait is for a condition, never for "the next" mail.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "dcbot/bot.h"

#include "support/inprocess_bot.h"
#include "support/peer_setup.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testsupport::InProcessBot;
using testsupport::join_by_link;
using testsupport::lower;
using testsupport::PeerAccount;
using testsupport::RelayEnv;
using testsupport::RpcPeer;

constexpr auto kWait = 90s;

// Everything the bot's handlers saw, shared with the test thread.
struct Seen {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<MessageData> messages;
  std::vector<GroupJoinedEvent> joined;
  std::vector<MemberAddedEvent> added;
  std::vector<MemberRemovedEvent> removed;
  std::vector<GroupRemovedEvent> kicked;
  std::vector<GroupRenamedEvent> renamed;
  std::vector<GroupAvatarEvent> avatars;
  std::vector<WebxdcUpdateEvent> updates;
  std::vector<ReactionEvent> reactions;
  std::vector<EditEvent> edits;
  std::vector<DeleteEvent> deletes;

  template <class T>
  void push(std::vector<T>& list, T value) {
    {
      std::lock_guard lock(mutex);
      list.push_back(std::move(value));
    }
    cv.notify_all();
  }

  // Waits until `done` (called under the lock) holds.
  bool wait(const std::function<bool()>& done, std::chrono::seconds limit = kWait) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, done);
  }
};

// A valid 1x1 PNG (the core decodes and re-encodes avatars).
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01"
    "\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41"
    "\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00"
    "\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    70);

// Polls `done` every half second until it holds or `limit` passes.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = kWait) {
  for (auto deadline = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < deadline;) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(500ms);
  }
  return done();
}

class GroupsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);

    auto runner = InProcessBot::open(relay_, "gbot-", fs::path(DCBOT_BINARY_DIR) / "groups-interop",
                                     "Group Bot");
    ASSERT_TRUE(runner) << runner.error().to_string();
    runner_ = std::move(*runner);
    bot_ = &runner_->bot();

    bot_->on_group_joined([this](GroupJoinedEvent ev) { seen_.push(seen_.joined, ev); });
    bot_->on_member_added([this](MemberAddedEvent ev) { seen_.push(seen_.added, ev); });
    bot_->on_member_removed([this](MemberRemovedEvent ev) { seen_.push(seen_.removed, ev); });
    bot_->on_group_removed([this](GroupRemovedEvent ev) { seen_.push(seen_.kicked, ev); });
    bot_->on_group_renamed([this](GroupRenamedEvent ev) { seen_.push(seen_.renamed, ev); });
    bot_->on_group_avatar([this](GroupAvatarEvent ev) { seen_.push(seen_.avatars, ev); });
    bot_->on_reaction([this](ReactionEvent ev) { seen_.push(seen_.reactions, ev); });
    bot_->on_edit([this](EditEvent ev) { seen_.push(seen_.edits, ev); });
    bot_->on_delete([this](DeleteEvent ev) { seen_.push(seen_.deletes, ev); });

    testsupport::RpcPeerOptions peer_options;
    peer_options.name = "users";
    auto peer = RpcPeer::start(peer_options);
    ASSERT_TRUE(peer) << peer.error().to_string();
    peer_ = std::move(*peer);
  }

  void TearDown() override { runner_.reset(); }

  // Configures `n` real-core users and waits until each idles (a fresh core account ignores
  // mails that arrived before its first INBOX fetch).
  void add_users(const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto user = PeerAccount::create_and_configure(*peer_, relay_,
                                                    relay_.fresh_address(lower(name) + "-"), name);
      ASSERT_TRUE(user) << user.error().to_string();
      users_.push_back(std::make_unique<PeerAccount>(std::move(*user)));
    }
    for (auto& user : users_) {
      auto ready = testsupport::wait_ready(*user);
      ASSERT_TRUE(ready) << ready.error().to_string();
    }
  }

  PeerAccount& user(std::size_t i) { return *users_.at(i); }

  // The user scans the bot's 1:1 link (v3); returns the user's chat with the bot once the bot
  // verified the user too.
  std::uint32_t introduce_to_bot(PeerAccount& u) {
    auto chat = runner_->verify_user(u, /*legacy=*/false, kWait);
    EXPECT_TRUE(chat) << chat.error().to_string();
    return chat ? *chat : 0;
  }

  // `b` scans `a`'s 1:1 link; returns a's contact id of b.
  std::uint32_t introduce(PeerAccount& a, PeerAccount& b) {
    auto contact = testsupport::introduce(a, b, kWait);
    EXPECT_TRUE(contact) << contact.error().to_string();
    return contact ? *contact : 0;
  }

  // Waits until the user received every text of `texts` (in any order: the relay does not
  // keep order, and waiting for one text consumes the others' events); returns each message.
  std::map<std::string, json::object> wait_texts(PeerAccount& u, std::set<std::string> texts) {
    std::map<std::string, json::object> out;
    while (!texts.empty()) {
      auto m = u.wait_incoming_message_matching(
          [&](const json::object& msg) {
            const auto* t = msg.if_contains("text");
            return t != nullptr && t->is_string() && texts.count(std::string(t->get_string())) != 0;
          },
          kWait);
      if (!m) {
        std::string missing;
        for (const auto& t : texts) {
          missing += " '" + t + "'";
        }
        ADD_FAILURE() << u.addr() << " did not receive" << missing << ": " << m.error().to_string();
        return out;
      }
      std::string text(m->at("text").as_string());
      texts.erase(text);
      out[text] = std::move(*m);
    }
    return out;
  }

  // The addresses of a core chat's members, the user itself as its own address.
  std::set<std::string> core_members(PeerAccount& u, std::uint32_t chat) {
    std::set<std::string> out;
    auto ids = u.get_chat_contacts(chat);
    EXPECT_TRUE(ids) << ids.error().to_string();
    if (!ids) {
      return out;
    }
    for (auto id : *ids) {
      if (id == 1) {  // DC_CONTACT_ID_SELF
        out.insert(lower(u.addr()));
        continue;
      }
      auto contact = u.get_contact(id);
      EXPECT_TRUE(contact) << contact.error().to_string();
      if (contact) {
        out.insert(lower(std::string(contact->at("address").as_string())));
      }
    }
    return out;
  }

  // Polls until the core's member list of `chat` equals `expected` (member changes arrive as
  // separate mails in any order).
  bool core_members_become(PeerAccount& u, std::uint32_t chat,
                           const std::set<std::string>& expected,
                           std::chrono::seconds limit = kWait) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (core_members(u, chat) == expected) {
        return true;
      }
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  // The bot's member list of `group` as addresses, the bot included.
  std::set<std::string> bot_members(ChatId group) {
    auto members = runner_->on_bot([&] { return bot_->group_members(group); });
    EXPECT_TRUE(members) << members.error().to_string();
    std::set<std::string> out{lower(bot_->addr())};
    if (members) {
      for (const auto& m : *members) {
        out.insert(lower(m.addr));
      }
    }
    return out;
  }

  std::set<std::string> addrs(std::initializer_list<const PeerAccount*> accounts,
                              bool with_bot = true) {
    std::set<std::string> out;
    for (const auto* a : accounts) {
      out.insert(lower(a->addr()));
    }
    if (with_bot) {
      out.insert(lower(bot_->addr()));
    }
    return out;
  }

  // The user's core contact id for the member with address `addr` in `chat`.
  std::uint32_t contact_in_chat(PeerAccount& u, std::uint32_t chat, const std::string& addr) {
    auto ids = u.get_chat_contacts(chat);
    EXPECT_TRUE(ids);
    for (auto id : ids ? *ids : std::vector<std::uint32_t>{}) {
      auto contact = u.get_contact(id);
      if (contact && lower(std::string(contact->at("address").as_string())) == lower(addr)) {
        return id;
      }
    }
    ADD_FAILURE() << addr << " is not a member of chat " << chat << " at " << u.addr();
    return 0;
  }

  RelayEnv relay_;
  std::unique_ptr<InProcessBot> runner_;
  Bot* bot_ = nullptr;  // runner_'s bot.
  Seen seen_;
  std::unique_ptr<RpcPeer> peer_;
  std::vector<std::unique_ptr<PeerAccount>> users_;
  std::map<PeerAccount*, std::uint32_t> chat_of_group_;
};

// Acceptance 1 and 2: the bot creates a group with three real-core users; everyone reads
// everyone; the bot answers in the group; a member adds a fourth user and removes another (the
// bot sees both with the actor and agrees on the member list); a member removes the bot, which
// then can no longer send there.
TEST_F(GroupsInterop, BotCreatesGroupMembersManageItAndRemoveTheBot) {
  bot_->on_message([this](const MessageEvent& ev) {
    seen_.push(seen_.messages, ev.data());
    if (ev.text().rfind("hi from ", 0) == 0) {
      ev.reply("bot heard: " + ev.text());
    }
  });
  ASSERT_NO_FATAL_FAILURE(add_users({"Anna", "Ben", "Cleo", "Dora"}));
  PeerAccount& anna = user(0);
  PeerAccount& ben = user(1);
  PeerAccount& cleo = user(2);
  PeerAccount& dora = user(3);
  runner_->start();
  for (PeerAccount* u : {&anna, &ben, &cleo}) {
    introduce_to_bot(*u);
  }
  const auto anna_contact_of_dora = introduce(anna, dora);

  auto group = runner_->on_bot([&] {
    return bot_->create_group("Bot's group", {anna.addr(), ben.addr(), cleo.addr()});
  });
  ASSERT_TRUE(group) << group.error().to_string();
  ASSERT_TRUE(
      runner_->on_bot([&] { return bot_->send_text(*group, "welcome, all three of you"); }));

  std::map<PeerAccount*, std::uint32_t> chat_of;
  for (PeerAccount* u : {&anna, &ben, &cleo}) {
    auto welcome = u->wait_incoming_text("welcome, all three of you", kWait);
    ASSERT_TRUE(welcome) << u->addr() << ": " << welcome.error().to_string();
    EXPECT_EQ(welcome->at("showPadlock"), true);
    chat_of[u] = welcome->at("chatId").to_number<std::uint32_t>();
    auto chat = u->get_chat(chat_of[u]);
    ASSERT_TRUE(chat) << chat.error().to_string();
    EXPECT_EQ(chat->at("chatType"), "Group");
    EXPECT_EQ(chat->at("name"), "Bot's group");
    EXPECT_EQ(core_members(*u, chat_of[u]), addrs({&anna, &ben, &cleo}));
  }
  EXPECT_EQ(bot_members(*group), addrs({&anna, &ben, &cleo}));

  // Every member reads every other member (gossip), and the bot answers in the group.
  ASSERT_TRUE(anna.send_text(chat_of[&anna], "hi from anna"));
  ASSERT_TRUE(cleo.send_text(chat_of[&cleo], "hi from cleo"));
  const std::set<std::string> answers{"bot heard: hi from anna", "bot heard: hi from cleo"};
  std::map<PeerAccount*, std::set<std::string>> expect_texts{
      {&anna, {"hi from cleo"}},
      {&ben, {"hi from anna", "hi from cleo"}},
      {&cleo, {"hi from anna"}}};
  for (PeerAccount* u : {&anna, &ben, &cleo}) {
    expect_texts[u].insert(answers.begin(), answers.end());
    auto got = wait_texts(*u, expect_texts[u]);
    ASSERT_EQ(got.size(), expect_texts[u].size());
    for (const auto& [text, m] : got) {
      EXPECT_EQ(m.at("chatId").to_number<std::uint32_t>(), chat_of[u]) << text;
      EXPECT_EQ(m.at("showPadlock"), true) << text;
    }
  }
  {
    std::lock_guard lock(seen_.mutex);
    ASSERT_EQ(seen_.messages.size(), 2U);
    for (const auto& m : seen_.messages) {
      EXPECT_EQ(m.chat, *group);
    }
  }

  // Anna adds Dora and removes Ben: the bot sees both, with Anna as the actor.
  ASSERT_TRUE(anna.add_contact_to_chat(chat_of[&anna], anna_contact_of_dora));
  ASSERT_TRUE(anna.remove_contact_from_chat(chat_of[&anna],
                                            contact_in_chat(anna, chat_of[&anna], ben.addr())));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.added.empty() && !seen_.removed.empty(); }))
      << "the bot did not see both member changes";
  std::string anna_fpr;
  {
    std::lock_guard lock(seen_.mutex);
    ASSERT_EQ(seen_.added.size(), 1U);
    EXPECT_EQ(seen_.added[0].chat, *group);
    EXPECT_EQ(lower(seen_.added[0].addr), lower(dora.addr()));
    ASSERT_EQ(seen_.removed.size(), 1U);
    EXPECT_EQ(seen_.removed[0].chat, *group);
    EXPECT_EQ(lower(seen_.removed[0].addr), lower(ben.addr()));
    EXPECT_FALSE(seen_.removed[0].left);
    EXPECT_EQ(seen_.added[0].actor_fingerprint, seen_.removed[0].actor_fingerprint);
    anna_fpr = seen_.added[0].actor_fingerprint;
  }
  auto members = runner_->on_bot([&] { return bot_->group_members(*group); });
  ASSERT_TRUE(members);
  bool anna_listed = false;
  for (const auto& m : *members) {
    anna_listed = anna_listed || (m.fingerprint == anna_fpr && lower(m.addr) == lower(anna.addr()));
  }
  EXPECT_TRUE(anna_listed) << "the actor is not Anna's key";
  const auto expected = addrs({&anna, &cleo, &dora});
  EXPECT_EQ(bot_members(*group), expected);
  EXPECT_TRUE(core_members_become(anna, chat_of[&anna], expected));
  EXPECT_TRUE(core_members_become(cleo, chat_of[&cleo], expected));

  // The bot renames the group and sets its avatar; the cores apply both.
  ASSERT_TRUE(runner_->on_bot([&] { return bot_->rename_group(*group, "Renamed by the bot"); }));
  const fs::path png = bot_->data_dir() / "avatar.png";
  std::ofstream(png, std::ios::binary) << kPng;
  ASSERT_TRUE(runner_->on_bot([&] { return bot_->set_group_avatar(*group, png); }));
  for (PeerAccount* u : {&anna, &cleo}) {
    EXPECT_TRUE(eventually([&] {
      auto chat = u->get_chat(chat_of[u]);
      return chat && chat->at("name") == "Renamed by the bot"
             && chat->at("profileImage").is_string();
    })) << u->addr()
        << " did not apply the bot's rename and avatar";
  }
  // Anna renames it back and sets another avatar; the bot sees both with Anna as the actor.
  ASSERT_TRUE(
      anna.call("set_chat_name", {json::value(chat_of[&anna]), json::value("Anna's name")}));
  const std::string anna_png = peer_->work_dir() + "/anna-avatar.png";
  std::ofstream(anna_png, std::ios::binary) << kPng;
  ASSERT_TRUE(
      anna.call("set_chat_profile_image", {json::value(chat_of[&anna]), json::value(anna_png)}));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.renamed.empty() && !seen_.avatars.empty(); }))
      << "the bot did not see Anna's rename and avatar";
  {
    std::lock_guard lock(seen_.mutex);
    EXPECT_EQ(seen_.renamed[0].chat, *group);
    EXPECT_EQ(seen_.renamed[0].new_name, "Anna's name");
    EXPECT_EQ(seen_.renamed[0].old_name, "Renamed by the bot");
    EXPECT_EQ(seen_.renamed[0].actor_fingerprint, anna_fpr);
    EXPECT_EQ(seen_.avatars[0].chat, *group);
    EXPECT_EQ(seen_.avatars[0].actor_fingerprint, anna_fpr);
    std::error_code ec;
    EXPECT_GT(fs::file_size(seen_.avatars[0].image, ec), 0U) << seen_.avatars[0].image;
  }
  EXPECT_EQ(runner_->on_bot([&] { return bot_->group_name(*group); }).value(), "Anna's name");

  // Cleo removes the bot: the bot learns it and stops sending there.
  ASSERT_TRUE(cleo.remove_contact_from_chat(chat_of[&cleo],
                                            contact_in_chat(cleo, chat_of[&cleo], bot_->addr())));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.kicked.empty(); })) << "no GroupRemovedEvent";
  {
    std::lock_guard lock(seen_.mutex);
    EXPECT_EQ(seen_.kicked[0].chat, *group);
    EXPECT_NE(seen_.kicked[0].actor_fingerprint, anna_fpr);
  }
  auto refused = runner_->on_bot([&] { return bot_->send_text(*group, "still here?"); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::InvalidArgument);
  EXPECT_TRUE(core_members_become(anna, chat_of[&anna], addrs({&anna, &cleo, &dora}, false)));
}

// Acceptance 3: real-core users join the bot's group by its invite link (v3 and legacy), and
// the bot joins a real-core user's group by the user's link; the member lists agree everywhere.
TEST_F(GroupsInterop, UsersJoinTheBotsGroupLinkAndTheBotJoinsAUsersGroupLink) {
  ASSERT_NO_FATAL_FAILURE(add_users({"Eve", "Finn", "Gina"}));
  PeerAccount& eve = user(0);
  PeerAccount& finn = user(1);
  PeerAccount& gina = user(2);
  runner_->start();

  auto group = runner_->on_bot([&] { return bot_->create_group("Open door", {}); });
  ASSERT_TRUE(group) << group.error().to_string();
  auto link = runner_->on_bot([&] { return bot_->group_invite_link(*group); });
  ASSERT_TRUE(link) << link.error().to_string();
  EXPECT_NE(link->find("&x="), std::string::npos);
  EXPECT_NE(link->find("&g=Open+door"), std::string::npos);
  EXPECT_NE(link->find("v=3"), std::string::npos);
  auto legacy = runner_->on_bot([&] { return bot_->group_invite_link(*group, /*legacy=*/true); });
  ASSERT_TRUE(legacy) << legacy.error().to_string();
  EXPECT_EQ(legacy->find("v=3"), std::string::npos);

  auto eve_chat = join_by_link(eve, *link, kWait);
  ASSERT_TRUE(eve_chat) << eve_chat.error().to_string();
  auto finn_chat = join_by_link(finn, *legacy, kWait);
  ASSERT_TRUE(finn_chat) << finn_chat.error().to_string();

  const auto expected = addrs({&eve, &finn});
  EXPECT_TRUE(core_members_become(eve, *eve_chat, expected));
  EXPECT_TRUE(core_members_become(finn, *finn_chat, expected));
  EXPECT_EQ(bot_members(*group), expected);
  {
    std::lock_guard lock(seen_.mutex);
    EXPECT_EQ(seen_.added.size(), 2U);
  }
  auto eve_view = eve.get_chat(*eve_chat);
  ASSERT_TRUE(eve_view);
  EXPECT_EQ(eve_view->at("name"), "Open door");
  EXPECT_EQ(eve_view->at("chatType"), "Group");

  // The joiners read each other.
  ASSERT_TRUE(finn.send_text(*finn_chat, "hello eve, finn here"));
  auto got = eve.wait_incoming_text("hello eve, finn here", kWait);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->at("chatId").to_number<std::uint32_t>(), *eve_chat);

  // The bot joins Gina's group by Gina's link.
  auto gina_group = gina.create_group_chat("Gina's table");
  ASSERT_TRUE(gina_group) << gina_group.error().to_string();
  auto gina_link = gina.securejoin_qr(*gina_group);
  ASSERT_TRUE(gina_link) << gina_link.error().to_string();
  auto one_to_one = runner_->on_bot([&] { return bot_->join(*gina_link); });
  ASSERT_TRUE(one_to_one) << one_to_one.error().to_string();
  ASSERT_TRUE(gina.wait_securejoin_inviter_done(kWait));
  ASSERT_TRUE(seen_.wait([&] {
    return std::any_of(seen_.joined.begin(), seen_.joined.end(),
                       [](const GroupJoinedEvent& j) { return j.name == "Gina's table"; });
  })) << "the bot did not enter Gina's group";
  ChatId bot_side = 0;
  {
    std::lock_guard lock(seen_.mutex);
    for (const auto& j : seen_.joined) {
      bot_side = j.name == "Gina's table" ? j.chat : bot_side;
    }
  }
  EXPECT_TRUE(core_members_become(gina, *gina_group, addrs({&gina})));
  EXPECT_EQ(bot_members(bot_side), addrs({&gina}));
  ASSERT_TRUE(
      runner_->on_bot([&] { return bot_->send_text(bot_side, "thanks for having me, Gina"); }));
  auto thanks = gina.wait_incoming_text("thanks for having me, Gina", kWait);
  ASSERT_TRUE(thanks) << thanks.error().to_string();
  EXPECT_EQ(thanks->at("chatId").to_number<std::uint32_t>(), *gina_group);
}

// Acceptance 4: the bot sends counter.xdc to a group; a member's status update reaches the
// bot's handler; the bot's updates (from the handler and from outside) reach the core.
TEST_F(GroupsInterop, WebxdcAppAndStatusUpdatesBothWays) {
  bot_->on_webxdc_update([this](const WebxdcUpdateEvent& ev) {
    seen_.push(seen_.updates, ev);
    if (ev.info == "Hana counted") {
      // Answer from inside the handler: flushed after it, committed with the received update.
      auto r = bot_->send_webxdc_update(ev.instance, R"({"counter":2,"by":"bot"})", "Bot counted",
                                        "2 counts");
      EXPECT_TRUE(r) << r.error().to_string();
    }
  });
  bot_->on_message([this](const MessageEvent& ev) {
    seen_.push(seen_.messages, ev.data());
    for (const auto& a : ev.attachments()) {
      if (a.filename == "counter.xdc") {
        EXPECT_TRUE(bot_->send_webxdc_update(ev.message_id(), R"({"bot-on-ivos-app":true})",
                                             "the bot saw Ivo's app"));
      }
    }
  });
  ASSERT_NO_FATAL_FAILURE(add_users({"Hana", "Ivo"}));
  PeerAccount& hana = user(0);
  PeerAccount& ivo = user(1);
  runner_->start();
  introduce_to_bot(hana);
  introduce_to_bot(ivo);
  auto group = runner_->on_bot([&] {
    return bot_->create_group("App group", {hana.addr(), ivo.addr()});
  });
  ASSERT_TRUE(group) << group.error().to_string();
  const fs::path xdc = fs::path(DCBOT_SOURCE_DIR) / "tests" / "data" / "core-2.62" / "counter.xdc";
  auto instance = runner_->on_bot([&] { return bot_->send_webxdc(*group, xdc, "count with me"); });
  ASSERT_TRUE(instance) << instance.error().to_string();

  std::map<PeerAccount*, std::uint32_t> app_of;
  for (PeerAccount* u : {&hana, &ivo}) {
    auto app = u->wait_incoming_text("count with me", kWait);
    ASSERT_TRUE(app) << u->addr() << ": " << app.error().to_string();
    EXPECT_EQ(app->at("viewType"), "Webxdc");
    EXPECT_EQ(app->at("fileName"), "counter.xdc");
    app_of[u] = app->at("id").to_number<std::uint32_t>();
    chat_of_group_[u] = app->at("chatId").to_number<std::uint32_t>();
  }

  ASSERT_TRUE(hana.send_webxdc_status_update(
      app_of[&hana], R"({"payload":{"counter":1,"by":"hana"},"info":"Hana counted"})"));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.updates.empty(); })) << "no webxdc_update";
  {
    std::lock_guard lock(seen_.mutex);
    const auto& u = seen_.updates[0];
    EXPECT_EQ(u.chat, *group);
    EXPECT_EQ(u.instance, instance->message_id);
    EXPECT_EQ(u.instance_mid, instance->rfc724_mid);
    EXPECT_EQ(lower(u.sender.addr), lower(hana.addr()));
    EXPECT_EQ(json::parse(u.payload), json::parse(R"({"counter":1,"by":"hana"})"));
    EXPECT_EQ(u.info, "Hana counted");
  }

  // The bot's answer (sent from the handler) and one sent from outside a handler.
  ASSERT_TRUE(runner_->on_bot([&] {
    return bot_->send_webxdc_update(instance->message_id, R"({"counter":3,"by":"bot"})");
  }));
  auto has_payloads = [&](PeerAccount& u, std::uint32_t app) {
    auto updates = u.get_webxdc_status_updates(app);
    if (!updates || !updates->is_array()) {
      return false;
    }
    std::set<std::int64_t> counters;
    for (const auto& item : updates->as_array()) {
      const auto& payload = item.at("payload");
      if (payload.is_object() && payload.as_object().contains("counter")) {
        counters.insert(payload.at("counter").to_number<std::int64_t>());
      }
    }
    return counters == std::set<std::int64_t>{1, 2, 3};
  };
  for (PeerAccount* u : {&hana, &ivo}) {
    bool ok = false;
    for (auto deadline = std::chrono::steady_clock::now() + kWait;
         !ok && std::chrono::steady_clock::now() < deadline;) {
      ok = has_payloads(*u, app_of[u]);
      if (!ok) {
        std::this_thread::sleep_for(500ms);
      }
    }
    auto updates = u->get_webxdc_status_updates(app_of[u]);
    EXPECT_TRUE(ok) << u->addr() << " has "
                    << (updates ? json::serialize(*updates) : updates.error().to_string());
  }
  // Hana's update reached the bot once only, though its mail went to every member.
  {
    std::lock_guard lock(seen_.mutex);
    EXPECT_EQ(seen_.updates.size(), 1U);
  }

  // An instance a real-core member sent: the bot's handler answers with an update to it (the
  // instance is the MessageEvent's message_id), and the other member's core applies it.
  json::object ivo_app;
  ivo_app["file"] = xdc.string();
  ivo_app["viewtype"] = "Webxdc";
  ivo_app["text"] = "ivo's counter";
  auto ivo_instance = ivo.send_message(chat_of_group_[&ivo], ivo_app);
  ASSERT_TRUE(ivo_instance) << ivo_instance.error().to_string();
  auto hana_copy = hana.wait_incoming_text("ivo's counter", kWait);
  ASSERT_TRUE(hana_copy) << hana_copy.error().to_string();
  const auto hana_copy_id = hana_copy->at("id").to_number<std::uint32_t>();
  ASSERT_TRUE(seen_.wait([&] {
    return std::any_of(seen_.messages.begin(), seen_.messages.end(),
                       [](const MessageData& m) { return m.text == "ivo's counter"; });
  })) << "the bot did not get Ivo's app";
  for (PeerAccount* u : {&hana, &ivo}) {
    const auto app = u == &ivo ? *ivo_instance : hana_copy_id;
    bool ok = eventually([&] {
      auto updates = u->get_webxdc_status_updates(app);
      return updates && json::serialize(*updates).find("\"bot-on-ivos-app\"") != std::string::npos;
    });
    EXPECT_TRUE(ok) << u->addr() << " did not get the bot's update to Ivo's app";
  }
}

// Acceptance 5: a reaction, an edit and a delete-for-everyone from the real core reach the bot as
// events; the bot's reaction shows in the core; the bot edits and deletes its own message.
TEST_F(GroupsInterop, ReactionsEditsAndDeletesBothWays) {
  bot_->on_message([this](const MessageEvent& ev) {
    seen_.push(seen_.messages, ev.data());
    if (ev.text() == "react to this") {
      EXPECT_TRUE(ev.react("🎉"));
    }
  });
  ASSERT_NO_FATAL_FAILURE(add_users({"Jo"}));
  PeerAccount& jo = user(0);
  runner_->start();
  const auto chat = introduce_to_bot(jo);
  const ChatId bot_chat = runner_->verified().at(0).chat;

  // The core reacts to a bot message.
  auto sent = runner_->on_bot([&] { return bot_->send(bot_chat, "a message from the bot"); });
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto bot_msg = jo.wait_incoming_text("a message from the bot", kWait);
  ASSERT_TRUE(bot_msg) << bot_msg.error().to_string();
  const auto bot_msg_id = bot_msg->at("id").to_number<std::uint32_t>();
  ASSERT_TRUE(jo.send_reaction(bot_msg_id, {"👍"}));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.reactions.empty(); })) << "no reaction event";
  {
    std::lock_guard lock(seen_.mutex);
    EXPECT_EQ(seen_.reactions[0].chat, bot_chat);
    EXPECT_EQ(seen_.reactions[0].target_mid, sent->rfc724_mid);
    EXPECT_EQ(seen_.reactions[0].emoji, "👍");
  }

  // The core edits and deletes its own messages.
  auto to_edit = jo.send_text(chat, "original text");
  ASSERT_TRUE(to_edit);
  auto to_delete = jo.send_text(chat, "delete me");
  ASSERT_TRUE(to_delete);
  ASSERT_TRUE(seen_.wait([&] { return seen_.messages.size() >= 2; }));
  ASSERT_TRUE(jo.call("send_edit_request", {json::value(*to_edit), json::value("edited text")}));
  ASSERT_TRUE(jo.call("delete_messages_for_all", {json::array{json::value(*to_delete)}}));
  ASSERT_TRUE(seen_.wait([&] { return !seen_.edits.empty() && !seen_.deletes.empty(); }))
      << "no edit or delete event";
  {
    std::lock_guard lock(seen_.mutex);
    std::string edited_mid;
    std::string deleted_mid;
    for (const auto& m : seen_.messages) {
      edited_mid = m.text == "original text" ? m.rfc724_mid : edited_mid;
      deleted_mid = m.text == "delete me" ? m.rfc724_mid : deleted_mid;
    }
    EXPECT_EQ(seen_.edits[0].text, "edited text");
    EXPECT_EQ(seen_.edits[0].target_mid, edited_mid);
    EXPECT_EQ(seen_.deletes[0].target_mids, std::vector<std::string>{deleted_mid});
  }

  // The bot's reaction shows in the core.
  auto react_msg = jo.send_text(chat, "react to this");
  ASSERT_TRUE(react_msg);
  auto reaction = jo.wait_for_event(
      [&](const json::object& e) {
        return e.at("kind") == "ReactionsChanged"
               && e.at("msgId").to_number<std::uint32_t>() == *react_msg;
      },
      kWait);
  ASSERT_TRUE(reaction) << reaction.error().to_string();
  auto reactions = jo.call("get_message_reactions", {json::value(*react_msg)});
  ASSERT_TRUE(reactions) << reactions.error().to_string();
  ASSERT_TRUE(reactions->is_object()) << json::serialize(*reactions);
  EXPECT_NE(json::serialize(reactions->at("reactions")).find("🎉"), std::string::npos)
      << json::serialize(*reactions);

  // The bot edits, then deletes its own message.
  ASSERT_TRUE(runner_->on_bot(
      [&] { return bot_->edit_message(bot_chat, sent->rfc724_mid, "edited by bot"); }));
  bool edited = false;
  for (auto deadline = std::chrono::steady_clock::now() + kWait;
       !edited && std::chrono::steady_clock::now() < deadline;) {
    auto m = jo.get_message(bot_msg_id);
    edited = m && m->at("text") == "edited by bot";
    if (!edited) {
      std::this_thread::sleep_for(500ms);
    }
  }
  EXPECT_TRUE(edited) << "the core did not apply the bot's edit";
  ASSERT_TRUE(runner_->on_bot([&] { return bot_->delete_message(bot_chat, sent->rfc724_mid); }));
  auto deleted = jo.wait_for_event(
      [&](const json::object& e) {
        return e.at("kind") == "MsgDeleted"
               && e.at("msgId").to_number<std::uint32_t>() == bot_msg_id;
      },
      kWait);
  EXPECT_TRUE(deleted) << deleted.error().to_string();
}

}  // namespace
}  // namespace dcbot
