// SPDX-License-Identifier: MIT
// Two real-core accounts talking through the local relay: the baseline every dcbot interop test
// builds on. If this fails, the relay or the peer setup is broken, not dcbot.
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/relay_env.h"
#include "support/rpc_peer.h"

namespace dcbot::testsupport {
namespace {

using namespace std::chrono_literals;

// Each account gets its own server process, as two devices of two people would.
struct Party {
  std::unique_ptr<RpcPeer> peer;
  std::optional<PeerAccount> account;
};

Result<Party> make_party(const RelayEnv& relay, const std::string& name, bool bot = false) {
  RpcPeerOptions options;
  options.name = name;
  options.mime_debug = true;
  DCBOT_TRY(auto peer, RpcPeer::start(std::move(options)));
  Party party{std::move(peer), std::nullopt};
  PeerAccountOptions account_options;
  account_options.bot = bot;
  DCBOT_TRY(auto account,
            PeerAccount::create_and_configure(*party.peer, relay, relay.fresh_address(name + "-"),
                                              name, account_options));
  party.account.emplace(std::move(account));
  return party;
}

// Both sides of a finished SecureJoin: bob's 1:1 chat with alice and alice's contact id of bob.
struct Introduction {
  std::uint32_t bob_chat_with_alice = 0;
  std::uint32_t alice_contact_of_bob = 0;
};

// Bob scans alice's 1:1 invite link (PROTOCOL.md §5) and both wait for progress 1000.
Result<Introduction> introduce(PeerAccount& alice, PeerAccount& bob) {
  DCBOT_TRY(auto qr, alice.securejoin_qr());
  DCBOT_TRY(auto chat, bob.secure_join(qr));
  DCBOT_TRY(auto inviter_done, alice.wait_securejoin_inviter_done(60s));
  DCBOT_TRY(bob.wait_securejoin_joiner_done(60s));
  return Introduction{chat, inviter_done.at("contactId").to_number<std::uint32_t>()};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class CorePeers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);
  }

  // Alice and bob, each in their own server process, introduced by SecureJoin.
  void introduce_alice_and_bob(bool alice_is_bot = false) {
    auto a = make_party(relay_, "alice", alice_is_bot);
    ASSERT_TRUE(a) << a.error().to_string();
    alice_party_ = std::move(*a);
    auto b = make_party(relay_, "bob");
    ASSERT_TRUE(b) << b.error().to_string();
    bob_party_ = std::move(*b);
    auto intro = introduce(alice(), bob());
    ASSERT_TRUE(intro) << intro.error().to_string();
    intro_ = *intro;
  }

  PeerAccount& alice() { return *alice_party_.account; }

  PeerAccount& bob() { return *bob_party_.account; }

  RelayEnv relay_;
  Party alice_party_;
  Party bob_party_;
  Introduction intro_;
};

TEST_F(CorePeers, SecureJoinThenMessagesBothWays) {
  auto alice_party = make_party(relay_, "alice");
  ASSERT_TRUE(alice_party) << alice_party.error().to_string();
  auto bob_party = make_party(relay_, "bob");
  ASSERT_TRUE(bob_party) << bob_party.error().to_string();
  PeerAccount& alice = *alice_party->account;
  PeerAccount& bob = *bob_party->account;

  // SecureJoin (PROTOCOL.md §5): bob scans alice's 1:1 invite link.
  auto qr = alice.securejoin_qr();
  ASSERT_TRUE(qr) << qr.error().to_string();
  auto bob_chat = bob.secure_join(*qr);
  ASSERT_TRUE(bob_chat) << bob_chat.error().to_string();
  auto inviter_done = alice.wait_securejoin_inviter_done(60s);
  ASSERT_TRUE(inviter_done) << inviter_done.error().to_string();
  auto joiner_done = bob.wait_securejoin_joiner_done(60s);
  ASSERT_TRUE(joiner_done) << joiner_done.error().to_string();

  // Bob writes first; alice receives it decrypted and verified.
  ASSERT_TRUE(bob.send_text(*bob_chat, "hello alice, from bob"));
  auto received = alice.wait_incoming_message(60s);
  ASSERT_TRUE(received) << received.error().to_string();
  EXPECT_EQ(received->at("text"), "hello alice, from bob");
  EXPECT_EQ(received->at("showPadlock"), true);
  EXPECT_EQ(received->at("sender").at("address"), json::value(bob.addr()));
  auto alice_chat_id = received->at("chatId").to_number<std::uint32_t>();
  auto alice_chat = alice.get_chat(alice_chat_id);
  ASSERT_TRUE(alice_chat) << alice_chat.error().to_string();
  EXPECT_EQ(alice_chat->at("isEncrypted"), true);

  // Alice replies in the same chat; bob receives it.
  ASSERT_TRUE(alice.send_text(alice_chat_id, "hi bob, alice here"));
  auto reply = bob.wait_incoming_message(60s);
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->at("text"), "hi bob, alice here");
  EXPECT_EQ(reply->at("showPadlock"), true);
  EXPECT_EQ(reply->at("chatId").to_number<std::uint32_t>(), *bob_chat);
  EXPECT_EQ(reply->at("sender").at("address"), json::value(alice.addr()));
}

TEST_F(CorePeers, BotFlagIsVisibleToThePeer) {
  ASSERT_NO_FATAL_FAILURE(introduce_alice_and_bob(/*alice_is_bot=*/true));
  auto bot = alice().get_config("bot");
  ASSERT_TRUE(bot) << bot.error().to_string();
  EXPECT_EQ(bot->value_or(""), "1");

  // The core marks a bot's mail (Chat-Bot header) and the receiver flags the message.
  auto chat = alice().create_chat_by_contact_id(intro_.alice_contact_of_bob);
  ASSERT_TRUE(chat) << chat.error().to_string();
  ASSERT_TRUE(alice().send_text(*chat, "beep, I am a bot"));
  auto msg = bob().wait_incoming_text("beep, I am a bot", 60s);
  ASSERT_TRUE(msg) << msg.error().to_string();
  EXPECT_EQ(msg->at("isBot"), true);
  EXPECT_EQ(msg->at("chatId").to_number<std::uint32_t>(), intro_.bob_chat_with_alice);
  auto contact = bob().get_contact(msg->at("fromId").to_number<std::uint32_t>());
  ASSERT_TRUE(contact) << contact.error().to_string();
  EXPECT_EQ(contact->at("address"), json::value(alice().addr()));
  EXPECT_EQ(contact->at("isBot"), true);
}

TEST_F(CorePeers, GroupChatWithMemberAddedAndRemoved) {
  ASSERT_NO_FATAL_FAILURE(introduce_alice_and_bob());

  auto group = alice().create_group_chat("Interop group");
  ASSERT_TRUE(group) << group.error().to_string();
  ASSERT_TRUE(alice().add_contact_to_chat(*group, intro_.alice_contact_of_bob));
  // The group is unpromoted until its first message, which carries the member list.
  ASSERT_TRUE(alice().send_text(*group, "welcome to the group"));

  auto welcome = bob().wait_incoming_text("welcome to the group", 60s);
  ASSERT_TRUE(welcome) << welcome.error().to_string();
  EXPECT_EQ(welcome->at("showPadlock"), true);
  auto bob_group = welcome->at("chatId").to_number<std::uint32_t>();
  EXPECT_NE(bob_group, intro_.bob_chat_with_alice);
  auto chat = bob().get_chat(bob_group);
  ASSERT_TRUE(chat) << chat.error().to_string();
  EXPECT_EQ(chat->at("chatType"), "Group");
  EXPECT_EQ(chat->at("name"), "Interop group");
  EXPECT_EQ(chat->at("isEncrypted"), true);
  auto members = bob().get_chat_contacts(bob_group);
  ASSERT_TRUE(members) << members.error().to_string();
  EXPECT_EQ(members->size(), 2u);  // bob himself (contact 1) and alice

  ASSERT_TRUE(bob().send_text(bob_group, "thanks, glad to be here"));
  auto thanks = alice().wait_incoming_text("thanks, glad to be here", 60s);
  ASSERT_TRUE(thanks) << thanks.error().to_string();
  EXPECT_EQ(thanks->at("chatId").to_number<std::uint32_t>(), *group);

  ASSERT_TRUE(alice().remove_contact_from_chat(*group, intro_.alice_contact_of_bob));
  auto removed = bob().wait_incoming_message_matching(
      [](const json::object& m) { return m.at("systemMessageType") == "MemberRemovedFromGroup"; },
      60s);
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_EQ(removed->at("chatId").to_number<std::uint32_t>(), bob_group);
  auto after = bob().get_chat_contacts(bob_group);
  ASSERT_TRUE(after) << after.error().to_string();
  for (auto id : *after) {
    EXPECT_NE(id, 1u) << "bob (the self contact) is still a member";
  }
}

TEST_F(CorePeers, FileReactionAndWebxdcUpdate) {
  ASSERT_NO_FATAL_FAILURE(introduce_alice_and_bob());

  // A file: the core copies it into its blob dir, so the original path is only read once.
  std::string path = bob_party_.peer->work_dir() + "/notes.txt";
  std::string content = "line one\nline two\n";
  std::ofstream(path, std::ios::binary) << content;
  auto sent = bob().send_file(intro_.bob_chat_with_alice, path, "my notes");
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto file_msg = alice().wait_incoming_text("my notes", 60s);
  ASSERT_TRUE(file_msg) << file_msg.error().to_string();
  EXPECT_EQ(file_msg->at("viewType"), "File");
  EXPECT_EQ(file_msg->at("fileName"), "notes.txt");
  EXPECT_EQ(file_msg->at("fileBytes").to_number<std::size_t>(), content.size());
  ASSERT_TRUE(file_msg->at("file").is_string());
  EXPECT_EQ(read_file(std::string(file_msg->at("file").as_string())), content);

  // Alice reacts; bob sees the reaction on his own message.
  auto alice_file_id = file_msg->at("id").to_number<std::uint32_t>();
  ASSERT_TRUE(alice().send_reaction(alice_file_id, {"\xF0\x9F\x91\x8D"}));
  auto reaction = bob().wait_for_event("IncomingReaction", 60s);
  ASSERT_TRUE(reaction) << reaction.error().to_string();
  EXPECT_EQ(reaction->at("msgId").to_number<std::uint32_t>(), *sent);
  EXPECT_EQ(reaction->at("reaction"), "\xF0\x9F\x91\x8D");

  // A webxdc app from the recorded vectors; alice posts a status update, bob's instance gets it.
  json::object app;
  app["file"] = std::string(DCBOT_SOURCE_DIR) + "/tests/data/core-2.62/counter.xdc";
  app["viewtype"] = "Webxdc";
  app["text"] = "a counter";
  auto bob_app = bob().send_message(intro_.bob_chat_with_alice, app);
  ASSERT_TRUE(bob_app) << bob_app.error().to_string();
  auto alice_app = alice().wait_incoming_text("a counter", 60s);
  ASSERT_TRUE(alice_app) << alice_app.error().to_string();
  EXPECT_EQ(alice_app->at("viewType"), "Webxdc");
  auto alice_app_id = alice_app->at("id").to_number<std::uint32_t>();
  ASSERT_TRUE(alice().send_webxdc_status_update(alice_app_id, R"({"payload":{"count":7}})"));
  auto update = bob().wait_for_event(
      [&](const json::object& e) {
        return e.at("kind") == "WebxdcStatusUpdate"
               && e.at("msgId").to_number<std::uint32_t>() == *bob_app;
      },
      60s);
  ASSERT_TRUE(update) << update.error().to_string();
  auto updates = bob().get_webxdc_status_updates(*bob_app);
  ASSERT_TRUE(updates) << updates.error().to_string();
  ASSERT_TRUE(updates->is_array());
  ASSERT_EQ(updates->as_array().size(), 1u) << json::serialize(*updates);
  EXPECT_EQ(updates->as_array()[0].at("payload").at("count"), 7);
}

// The poll app (bots/poll/poll.xdc) between two real cores, alice standing in for the poll bot
// (bots/poll/PROTOCOL.md): the core takes the archive for an app named "Poll" with its icon, the
// poll update reaches bob, and bob's vote, with the selfAddr his core gives the app, reaches alice
// as the protocol defines it.
TEST_F(CorePeers, PollAppAndItsProtocolBetweenRealCores) {
  ASSERT_NO_FATAL_FAILURE(introduce_alice_and_bob(/*alice_is_bot=*/true));
  json::object app;
  app["file"] = DCBOT_POLL_XDC;
  app["filename"] = "poll.xdc";
  app["viewtype"] = "Webxdc";
  app["text"] = "Pizza or pasta?";
  auto alice_chat = alice().create_chat_by_contact_id(intro_.alice_contact_of_bob);
  ASSERT_TRUE(alice_chat) << alice_chat.error().to_string();
  auto alice_app = alice().send_message(*alice_chat, app);
  ASSERT_TRUE(alice_app) << alice_app.error().to_string();
  const std::string poll =
      R"({"payload":{"type":"poll","question":"Pizza or pasta?","options":["Pizza","Pasta","Both"]},)"
      R"("document":"Pizza or pasta?"})";
  ASSERT_TRUE(alice().send_webxdc_status_update(*alice_app, poll));

  auto bob_app = bob().wait_incoming_text("Pizza or pasta?", 60s);
  ASSERT_TRUE(bob_app) << bob_app.error().to_string();
  EXPECT_EQ(bob_app->at("viewType"), "Webxdc");
  auto bob_app_id = bob_app->at("id").to_number<std::uint32_t>();
  auto info = bob().call("get_webxdc_info", {json::value(bob_app_id)});
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->at("name"), "Poll");
  EXPECT_EQ(info->at("icon"), "icon.png");
  EXPECT_EQ(info->at("internetAccess"), false);
  ASSERT_TRUE(info->at("selfAddr").is_string());
  const std::string bob_self_addr(info->at("selfAddr").as_string());
  EXPECT_EQ(bob_self_addr.size(), 64u) << bob_self_addr;

  // The updates of an instance once one of them satisfies `pred` (each WebxdcStatusUpdate event
  // for the instance is one more look; the own updates raise the event too).
  auto wait_update = [](PeerAccount& who, std::uint32_t instance,
                        const std::function<bool(const json::value&)>& pred) -> json::value {
    for (int round = 0; round < 10; ++round) {
      auto event = who.wait_for_event(
          [&](const json::object& e) {
            return e.at("kind") == "WebxdcStatusUpdate"
                   && e.at("msgId").to_number<std::uint32_t>() == instance;
          },
          60s);
      EXPECT_TRUE(event) << event.error().to_string();
      if (!event)
        return {};
      auto updates = who.get_webxdc_status_updates(instance);
      EXPECT_TRUE(updates) << updates.error().to_string();
      if (!updates)
        return {};
      for (const auto& u : updates->as_array()) {
        if (pred(u.at("payload")))
          return *updates;
      }
    }
    ADD_FAILURE() << "no such update";
    return {};
  };

  // The poll reaches bob as the app will see it.
  auto bob_updates = wait_update(bob(), bob_app_id, [](const json::value& p) {
    return p.is_object() && p.as_object().if_contains("type") && p.at("type") == "poll";
  });
  ASSERT_TRUE(bob_updates.is_array());
  ASSERT_EQ(bob_updates.as_array().size(), 1u) << json::serialize(bob_updates);
  EXPECT_EQ(bob_updates.as_array()[0].at("payload"),
            json::parse(R"({"type":"poll","question":"Pizza or pasta?",)"
                        R"("options":["Pizza","Pasta","Both"]})"));
  info = bob().call("get_webxdc_info", {json::value(bob_app_id)});
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->at("document"), "Pizza or pasta?");

  // Bob votes for the second option exactly as the app does; alice gets the payload unchanged,
  // and its voter is bob's selfAddr, not alice's own.
  const std::string vote =
      R"({"payload":{"type":"vote","option":1,"voter":")" + bob_self_addr + R"("}})";
  ASSERT_TRUE(bob().send_webxdc_status_update(bob_app_id, vote));
  auto alice_updates = wait_update(alice(), *alice_app, [](const json::value& p) {
    return p.is_object() && p.as_object().if_contains("type") && p.at("type") == "vote";
  });
  ASSERT_TRUE(alice_updates.is_array());
  ASSERT_EQ(alice_updates.as_array().size(), 2u) << json::serialize(alice_updates);
  EXPECT_EQ(alice_updates.as_array()[1].at("payload"), json::parse(vote).at("payload"));
  auto alice_info = alice().call("get_webxdc_info", {json::value(*alice_app)});
  ASSERT_TRUE(alice_info) << alice_info.error().to_string();
  EXPECT_NE(alice_info->at("selfAddr"), json::value(bob_self_addr));
}

}  // namespace
}  // namespace dcbot::testsupport
