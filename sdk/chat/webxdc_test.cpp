// SPDX-License-Identifier: MIT
#include "chat/webxdc.h"

#include <array>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "chat/group.h"
#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "chat/xdc_archive.h"
#include "crypto/random.h"
#include "mime/date.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/messages.h"

// webxdc between accounts (PROTOCOL.md §6): instances, status updates both ways, uid dedup,
// non-members refused, batching; and the recorded core-2.62 group with its counter app.
namespace dcbot::chat {
namespace {

using testing::deliver;
using testing::events_of;
using testing::introduce;
using testing::Peer;

constexpr std::int64_t kNow = 1795395800;

Peer make_xdc_peer(const std::string& fixture, const std::string& name, bool bot) {
  return testing::make_hooked_peer(fixture, name, bot, kNow, {.groups = true, .webxdc = true});
}

Bytes counter_xdc() {
  return to_bytes(testing::read_file(testing::data_dir() / "counter.xdc"));
}

// The decrypted inner part of one of our own mails, read back with the recipient's key.
mime::Part inner_of(const OutgoingMail& mail, Peer& recipient) {
  auto outer = mime::parse(mail.raw).value();
  auto enc = mime::encrypted_parts(outer).value();
  auto armored = pgp::armor_decode(to_string(enc.payload->body)).value();
  const std::array<const pgp::SecretKey*, 1> keys = {&recipient->key()};
  auto dec = pgp::decrypt(armored.data, keys, {}, {}).value();
  return mime::parse(dec.plaintext).value();
}

TEST(WebxdcJson, ParsesTheRecordedUpdates) {
  auto carol = parse_status_updates(
      R"({"updates":[{"payload":{"n":1},"info":"counter is 1","uid":"t9MqJseZeuuleWuSB_82GqVr"}]})");
  ASSERT_TRUE(carol) << carol.error().message;
  ASSERT_EQ(carol->size(), 1u);
  EXPECT_EQ((*carol)[0].payload, R"({"n":1})");
  EXPECT_EQ((*carol)[0].info, "counter is 1");
  EXPECT_EQ((*carol)[0].uid, "t9MqJseZeuuleWuSB_82GqVr");
  EXPECT_TRUE((*carol)[0].summary.empty());
}

TEST(WebxdcJson, SkipsBadItemsAndRefusesBadDocuments) {
  auto r = parse_status_updates(
      "{\"updates\":[1, {\"info\":\"no payload\"}, {\"payload\":2,\"info\":3},\n"
      "{\"payload\":null,\"summary\":\"ok\",\"notify\":{\"*\":\"hey\"}},"
      "{\"payload\":\"x\",\"notify\":\"not an object\"}]}");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].payload, "null");
  EXPECT_EQ((*r)[0].summary, "ok");
  EXPECT_EQ((*r)[0].notify, R"({"*":"hey"})");
  for (const char* bad : {"", "{", "[]", "{\"updates\":{}}", "{\"x\":[]}"}) {
    EXPECT_EQ(parse_status_updates(bad).error().code, Errc::Parse) << bad;
  }
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_FALSE(parse_status_updates("{\"updates\":[{\"payload\":" + deep + "}]}"));
}

TEST(WebxdcJson, SerializeRoundTrips) {
  WebxdcUpdate u;
  u.payload = R"({"a": [1, 2, "ü"]})";
  u.info = "Alice did x";
  u.summary = "1 x";
  u.uid = "oArBHygW5nK9pYJJRkbRVGmp";
  u.notify = R"({"*": "ping"})";
  const std::string item = serialize_status_update(u).value();
  auto back = parse_status_updates("{\"updates\":[" + item + "]}").value();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].payload, R"({"a":[1,2,"ü"]})");
  EXPECT_EQ(back[0].info, u.info);
  EXPECT_EQ(back[0].summary, u.summary);
  EXPECT_EQ(back[0].uid, u.uid);
  EXPECT_EQ(back[0].notify, R"({"*":"ping"})");
  u.payload = "{not json";
  EXPECT_EQ(serialize_status_update(u).error().code, Errc::InvalidArgument);
}

TEST(WebxdcHelpers, SelfAddrAndGossipTopic) {
  EXPECT_EQ(webxdc_self_addr("639D3F8576BEBFD311AEAE4DDA27E353CC0E3128",
                             "68b69f71-937b-4d34-b2b3-b022a38f0ba2@localhost"),
            "6de1b2b331ac373ec757630ca0238f5512ebe739a00e64f517d45136728f2cfe");
  const std::string topic =
      make_gossip_topic([](std::span<std::uint8_t> b) { crypto::fill_random(b); });
  EXPECT_EQ(topic.size(), 52u);
  EXPECT_EQ(topic.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos);
  // 32 zero bytes are 51 'a' and a final 'a' from the 1-bit remainder.
  EXPECT_EQ(make_gossip_topic([](std::span<std::uint8_t> b) { std::fill(b.begin(), b.end(), 0); }),
            std::string(52, 'a'));
  EXPECT_EQ(
      make_gossip_topic([](std::span<std::uint8_t> b) { std::fill(b.begin(), b.end(), 0xff); }),
      std::string(51, '7') + "q");
}

class WebxdcLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    bot_ = make_xdc_peer("alice", "Bot", true);
    bob_ = make_xdc_peer("bob", "Bob", false);
    bot_chat_ = introduce(bot_, bob_, kNow);
    InstanceOptions options;
    options.text = "try this app";
    options.now = kNow + 1;
    instance_ =
        build_webxdc_instance(*bot_.account, bot_chat_, "counter.xdc", counter_xdc(), options)
            .value();
    auto fx = deliver(instance_, bob_, kNow + 2);
    auto msgs = events_of<MessageEvent>(fx);
    EXPECT_EQ(msgs.size(), 1u) << fx.dropped;
    if (!msgs.empty()) {
      bob_instance_ = msgs[0].message_id;
      bob_chat_ = msgs[0].chat_id;
    }
  }

  std::int64_t bot_instance() { return instance_.message_id; }

  Peer bot_;
  Peer bob_;
  std::int64_t bot_chat_ = 0;
  std::int64_t bob_chat_ = 0;
  OutgoingMail instance_;
  std::int64_t bob_instance_ = 0;
};

TEST_F(WebxdcLoop, InstanceArrivesAsAnAppMessage) {
  const mime::Part inner = inner_of(instance_, bob_);
  const mime::Part* app = inner.find("application/webxdc+zip");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->filename, "counter.xdc");
  EXPECT_EQ(app->body, counter_xdc());
  EXPECT_FALSE(inner.headers.has("iroh-gossip-topic"));
  ASSERT_NE(bob_instance_, 0);
  EXPECT_EQ(find_webxdc_instance(*bob_.account, instance_.rfc724_mid).value(), bob_instance_);
  EXPECT_EQ(find_webxdc_instance(*bot_.account, instance_.rfc724_mid).value(), bot_instance());
}

TEST_F(WebxdcLoop, GossipTopicOnRequestAndBrokenAppsRefused) {
  InstanceOptions options;
  options.gossip_topic = true;
  options.now = kNow + 3;
  auto mail =
      build_webxdc_instance(*bot_.account, bot_chat_, "c.xdc", counter_xdc(), options).value();
  const auto topic = inner_of(mail, bob_).headers.value("iroh-gossip-topic");
  ASSERT_TRUE(topic);
  EXPECT_EQ(topic->size(), 52u);
  EXPECT_EQ(
      build_webxdc_instance(*bot_.account, bot_chat_, "c.zip", counter_xdc(), options).error().code,
      Errc::InvalidArgument);
  EXPECT_EQ(build_webxdc_instance(*bot_.account, bot_chat_, "c.xdc", to_bytes("not a zip"), options)
                .error()
                .code,
            Errc::InvalidArgument);
}

TEST_F(WebxdcLoop, UpdatesBothWaysWithSerialsAndDedupByUid) {
  WebxdcUpdate first;
  first.payload = R"({"n":1})";
  first.info = "counter is 1";
  WebxdcUpdate second;
  second.payload = R"({"n":2})";
  second.summary = "2 clicks";
  second.notify = R"({"*":"counted"})";
  const auto s1 = queue_webxdc_update(*bot_.account, bot_instance(), first, kNow + 5).value();
  const auto s2 = queue_webxdc_update(*bot_.account, bot_instance(), second, kNow + 5).value();
  EXPECT_LT(s1, s2);
  auto mails = flush_webxdc_updates(*bot_.account, kNow + 6).value();
  ASSERT_EQ(mails.size(), 1u);        // Batched.
  EXPECT_EQ(mails[0].message_id, 0);  // Hidden: no row.
  EXPECT_TRUE(flush_webxdc_updates(*bot_.account, kNow + 7).value().empty());

  const mime::Part inner = inner_of(mails[0], bob_);
  EXPECT_TRUE(mime::is_report(inner, "status-update"));
  EXPECT_EQ(inner.headers.value("Auto-Submitted").value_or(""), "auto-generated");
  EXPECT_EQ(mime::parse_message_ids(inner.headers.raw("In-Reply-To").value_or("")),
            std::vector<std::string>{instance_.rfc724_mid});
  ASSERT_EQ(inner.children.size(), 2u);
  EXPECT_EQ(inner.children[0].text(), "> try this app\n\nWebxdc Status Update");
  EXPECT_EQ(inner.children[1].filename, "status-update.json");

  auto fx = deliver(mails[0], bob_, kNow + 8);
  auto got = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(got.size(), 2u) << fx.dropped;
  EXPECT_EQ(got[0].payload, R"({"n":1})");
  EXPECT_EQ(got[0].info, "counter is 1");
  EXPECT_EQ(got[0].instance_id, bob_instance_);
  EXPECT_EQ(got[0].chat_id, bob_chat_);
  EXPECT_EQ(got[0].sender_fpr, bot_->fingerprint());
  EXPECT_EQ(got[1].payload, R"({"n":2})");
  EXPECT_EQ(got[1].summary, "2 clicks");
  EXPECT_EQ(got[1].notify_text, "counted");
  EXPECT_LT(got[0].serial, got[1].serial);
  EXPECT_EQ(got[0].uid.size(), 24u);

  // Bob answers.
  WebxdcUpdate reply;
  reply.payload = R"({"n":3})";
  queue_webxdc_update(*bob_.account, bob_instance_, reply, kNow + 9).value();
  auto back = flush_webxdc_updates(*bob_.account, kNow + 9).value();
  ASSERT_EQ(back.size(), 1u);
  fx = deliver(back[0], bot_, kNow + 10);
  auto at_bot = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(at_bot.size(), 1u) << fx.dropped;
  EXPECT_EQ(at_bot[0].payload, R"({"n":3})");
  EXPECT_EQ(at_bot[0].instance_id, bot_instance());
  EXPECT_EQ(at_bot[0].sender_fpr, bob_->fingerprint());

  // A uid that is already stored cannot be queued again...
  WebxdcUpdate replay;
  replay.payload = R"({"n":1})";
  replay.uid = got[0].uid;
  EXPECT_EQ(queue_webxdc_update(*bob_.account, bob_instance_, replay, kNow + 11).error().code,
            Errc::InvalidArgument);
  // ...and a new mail (new Message-ID) carrying a known uid next to a new one stores the new one
  // only.
  Account::Draft d;
  d.chat_id = bob_chat_;
  d.now = kNow + 11;
  d.hidden = true;
  d.in_reply_to = instance_.rfc724_mid;
  d.root =
      mime::status_update_report("Webxdc Status Update",
                                 R"({"updates":[{"payload":{"n":1},"uid":")" + got[0].uid
                                     + R"("},)"
                                       "\n"
                                       R"({"payload":{"n":4},"uid":"newnewnewnewnewnewnewnew"}]})",
                                 "b2");
  auto echo = bob_->build(d).value();
  fx = deliver(echo, bot_, kNow + 12);
  at_bot = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(at_bot.size(), 1u) << fx.dropped;
  EXPECT_EQ(at_bot[0].payload, R"({"n":4})");
  fx = deliver(bob_->build(d).value(), bot_, kNow + 13);
  EXPECT_TRUE(events_of<WebxdcUpdateEvent>(fx).empty());
  EXPECT_EQ(fx.dropped, "webxdc status update: nothing new");
  // The same mail again is a duplicate Message-ID.
  EXPECT_EQ(deliver(echo, bot_, kNow + 14).dropped, "duplicate message-id");

  // Everyone's updates, in serial order, at the bot: its own two, then Bob's two.
  auto all = webxdc_updates(*bot_.account, bot_instance()).value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].update.payload, R"({"n":1})");
  EXPECT_TRUE(all[0].sender_fpr.empty());
  EXPECT_EQ(all[2].update.payload, R"({"n":3})");
  EXPECT_EQ(all[3].update.payload, R"({"n":4})");
  EXPECT_EQ(webxdc_updates(*bot_.account, bot_instance(), all[1].serial).value().size(), 2u);
}

// §6: an instance can carry updates queued before it was sent; they belong to the new instance
// and are not shown as a file.
TEST_F(WebxdcLoop, UpdatesRidingWithTheInstanceAreApplied) {
  Account::Draft d;
  d.chat_id = bot_chat_;
  d.now = kNow + 3;
  d.text = "with state";
  d.file_name = "state.xdc";
  std::vector<mime::Entity> parts;
  parts.push_back(mime::text_part("with state"));
  parts.push_back(mime::attachment_part("application/webxdc+zip", "state.xdc", counter_xdc()));
  parts.push_back(mime::attachment_part(
      "application/json", "status-update.json",
      as_bytes(R"({"updates":[{"payload":{"n":7},"uid":"ridingridingridingriding"}]})")));
  d.root = mime::multipart("mixed", std::move(parts), "b3");
  auto fx = deliver(bot_->build(d).value(), bob_, kNow + 4);
  auto msgs = events_of<MessageEvent>(fx);
  ASSERT_EQ(msgs.size(), 1u) << fx.dropped;
  ASSERT_EQ(msgs[0].attachments.size(), 1u);
  EXPECT_EQ(msgs[0].attachments[0].filename, "state.xdc");
  auto updates = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].instance_id, msgs[0].message_id);
  EXPECT_EQ(updates[0].payload, R"({"n":7})");
  EXPECT_TRUE(fx.dropped.empty());
}

TEST_F(WebxdcLoop, BatchesUpToTheSoftLimit) {
  const std::string big = "\"" + std::string(std::size_t{45} * 1024, 'x') + "\"";
  for (int i = 0; i < 3; ++i) {
    WebxdcUpdate u;
    u.payload = big;
    queue_webxdc_update(*bot_.account, bot_instance(), u, kNow + 5).value();
  }
  WebxdcUpdate huge;
  huge.payload = "\"" + std::string(std::size_t{150} * 1024, 'y') + "\"";
  queue_webxdc_update(*bot_.account, bot_instance(), huge, kNow + 5).value();
  auto mails = flush_webxdc_updates(*bot_.account, kNow + 6).value();
  // 45 + 45 KiB fit one mail, the third goes with nothing, the oversized one alone.
  ASSERT_EQ(mails.size(), 3u);
  std::size_t total = 0;
  for (const auto& m : mails) {
    total += events_of<WebxdcUpdateEvent>(deliver(m, bob_, kNow + 7)).size();
  }
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(webxdc_updates(*bob_.account, bob_instance_).value().size(), 4u);
}

TEST_F(WebxdcLoop, UpdatesFromNonMembersAndForUnknownInstancesAreRefused) {
  Peer carol = make_xdc_peer("carol", "Carol", false);
  const auto carol_chat = introduce(carol, bot_, kNow);
  // Carol knows the instance's Message-ID but is not in the bot's chat with Bob.
  Account::Draft d;
  d.chat_id = carol_chat;
  d.now = kNow + 20;
  d.hidden = true;
  d.in_reply_to = instance_.rfc724_mid;
  d.root = mime::status_update_report(
      "Webxdc Status Update",
      R"({"updates":[{"payload":{"evil":1},"uid":"aaaaaaaaaaaaaaaaaaaaaaaa"}]})", "b1");
  auto mail = carol->build(d).value();
  auto fx = deliver(mail, bot_, kNow + 21);
  EXPECT_TRUE(events_of<WebxdcUpdateEvent>(fx).empty());
  EXPECT_EQ(fx.dropped, "webxdc status update from a non-member");
  EXPECT_TRUE(webxdc_updates(*bot_.account, bot_instance()).value().empty());

  d.in_reply_to = "unknown@localhost";
  fx = deliver(carol->build(d).value(), bot_, kNow + 22);
  EXPECT_EQ(fx.dropped, "webxdc status update for an unknown instance");
  EXPECT_EQ(
      queue_webxdc_update(*bot_.account, 999999, WebxdcUpdate{.payload = "1"}, kNow).error().code,
      Errc::NotFound);
}

// §3.6, §3.7: the bot reacts to Bob's message, Bob reacts to the app, the bot edits the app's
// caption and deletes the app for everyone; every event names its target row.
TEST_F(WebxdcLoop, ReactionsEditsAndDeletesNameTheirTargets) {
  auto reaction = bob_->build_reaction(bob_chat_, instance_.rfc724_mid, "👍", kNow + 30).value();
  auto fx = deliver(reaction, bot_, kNow + 31);
  auto reactions = events_of<ReactionEvent>(fx);
  ASSERT_EQ(reactions.size(), 1u) << fx.dropped;
  EXPECT_EQ(reactions[0].message_id, bot_instance());
  EXPECT_EQ(reactions[0].target_mid, instance_.rfc724_mid);
  EXPECT_EQ(reactions[0].emoji, "👍");
  EXPECT_EQ(reactions[0].sender_fpr, bob_->fingerprint());

  SendOptions options;
  options.now = kNow + 32;
  auto hello = bob_->build_text(bob_chat_, "hello bot", options).value();
  auto got = events_of<MessageEvent>(deliver(hello, bot_, kNow + 33));
  ASSERT_EQ(got.size(), 1u);
  auto bot_reaction = bot_->build_reaction(bot_chat_, hello.rfc724_mid, "🤖", kNow + 34).value();
  reactions = events_of<ReactionEvent>(deliver(bot_reaction, bob_, kNow + 35));
  ASSERT_EQ(reactions.size(), 1u);
  EXPECT_EQ(reactions[0].message_id, hello.message_id);
  EXPECT_EQ(reactions[0].emoji, "🤖");

  auto edit = bot_->build_edit(bot_chat_, instance_.rfc724_mid, "try it now", kNow + 36).value();
  auto edits = events_of<EditEvent>(deliver(edit, bob_, kNow + 37));
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].message_id, bob_instance_);
  EXPECT_EQ(edits[0].text, "try it now");
  EXPECT_EQ(store::Messages(*bob_.db).get(bob_instance_).value()->text, "try it now");

  auto del = bot_->build_delete(bot_chat_, instance_.rfc724_mid, kNow + 38).value();
  auto deletes = events_of<DeleteEvent>(deliver(del, bob_, kNow + 39));
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].message_ids, std::vector<std::int64_t>{bob_instance_});
  EXPECT_EQ(deletes[0].sender_fpr, bot_->fingerprint());
  EXPECT_EQ(find_webxdc_instance(*bob_.account, instance_.rfc724_mid).value(), 0);
}

// In a group every member's updates reach every member; once removed, a member's updates are
// refused (§6 "Updates from non-members are rejected").
TEST(WebxdcGroup, UpdatesReachMembersAndRemovedMembersAreRefused) {
  Peer bot = make_xdc_peer("alice", "Bot", true);
  Peer bob = make_xdc_peer("bob", "Bob", false);
  Peer carol = make_xdc_peer("carol", "Carol", false);
  introduce(bot, bob, kNow);
  introduce(bot, carol, kNow);
  const auto group =
      create_group(*bot.account, "Team", {bob->fingerprint(), carol->fingerprint()}, kNow).value();
  InstanceOptions options;
  options.text = "vote";
  options.now = kNow + 1;
  auto instance =
      build_webxdc_instance(*bot.account, group, "counter.xdc", counter_xdc(), options).value();
  auto instance_at = [&](Peer& p) {
    auto msgs = events_of<MessageEvent>(deliver(instance, p, kNow + 2));
    EXPECT_EQ(msgs.size(), 1u);
    return msgs.empty() ? std::int64_t{0} : msgs[0].message_id;
  };
  const auto bob_instance = instance_at(bob);
  const auto carol_instance = instance_at(carol);
  ASSERT_NE(bob_instance, 0);
  ASSERT_NE(carol_instance, 0);

  auto carol_update = [&](const std::string& payload, std::int64_t now) {
    WebxdcUpdate u;
    u.payload = payload;
    queue_webxdc_update(*carol.account, carol_instance, u, now).value();
    auto mails = flush_webxdc_updates(*carol.account, now).value();
    EXPECT_EQ(mails.size(), 1u);
    return mails.at(0);
  };
  auto first = carol_update(R"({"vote":"yes"})", kNow + 3);
  auto second = carol_update(R"({"vote":"no"})", kNow + 4);
  EXPECT_EQ(first.recipients.size(), 2u);  // The bot and Bob.
  for (Peer* p : {&bot, &bob}) {
    auto got = events_of<WebxdcUpdateEvent>(deliver(first, *p, kNow + 5));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].payload, R"({"vote":"yes"})");
    EXPECT_EQ(got[0].sender_fpr, carol->fingerprint());
  }
  EXPECT_EQ(events_of<WebxdcUpdateEvent>(deliver(first, bob, kNow + 5)).size(), 0u);

  // The bot's own update goes to both members.
  WebxdcUpdate mine;
  mine.payload = R"({"tally":1})";
  queue_webxdc_update(*bot.account, instance.message_id, mine, kNow + 6).value();
  auto bot_mails = flush_webxdc_updates(*bot.account, kNow + 6).value();
  ASSERT_EQ(bot_mails.size(), 1u);
  EXPECT_EQ(events_of<WebxdcUpdateEvent>(deliver(bot_mails[0], bob, kNow + 7)).size(), 1u);
  EXPECT_EQ(events_of<WebxdcUpdateEvent>(deliver(bot_mails[0], carol, kNow + 7)).size(), 1u);

  auto removal = build_remove_member(*bot.account, group, carol->fingerprint(), kNow + 8).value();
  deliver(removal, bob, kNow + 9);
  auto fx = deliver(second, bot, kNow + 10);
  EXPECT_TRUE(events_of<WebxdcUpdateEvent>(fx).empty());
  EXPECT_EQ(fx.dropped, "webxdc status update from a non-member");
  EXPECT_EQ(webxdc_updates(*bot.account, instance.message_id).value().size(), 2u);
}

// After we left a group, our queued updates for its app are not sent and do not block others.
TEST(WebxdcGroup, UpdatesForAChatWeLeftAreNotSent) {
  Peer bot = make_xdc_peer("alice", "Bot", true);
  Peer bob = make_xdc_peer("bob", "Bob", false);
  const auto single = introduce(bot, bob, kNow);
  const auto group = create_group(*bot.account, "Team", {bob->fingerprint()}, kNow).value();
  InstanceOptions options;
  options.now = kNow + 1;
  auto in_group =
      build_webxdc_instance(*bot.account, group, "a.xdc", counter_xdc(), options).value();
  auto in_single =
      build_webxdc_instance(*bot.account, single, "b.xdc", counter_xdc(), options).value();
  build_leave(*bot.account, group, kNow + 2).value();
  WebxdcUpdate u;
  u.payload = "1";
  queue_webxdc_update(*bot.account, in_group.message_id, u, kNow + 3).value();
  queue_webxdc_update(*bot.account, in_single.message_id, u, kNow + 3).value();
  auto mails = flush_webxdc_updates(*bot.account, kNow + 4).value();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].chat_id, single);
  EXPECT_TRUE(flush_webxdc_updates(*bot.account, kNow + 5).value().empty());
  EXPECT_EQ(webxdc_updates(*bot.account, in_group.message_id).value().size(), 1u);
}

// The recorded core-2.62 group (21-27), Alice's counter app (28) and the updates of Carol (29) and
// Alice (30), fed in order into Bob's account.
TEST(WebxdcVectors, BobReceivesTheRecordedUpdates) {
  const std::int64_t now = mime::parse_date("Mon, 23 Nov 2026 02:00:00 +0000").value();
  Peer bob = make_xdc_peer("bob", "bob", false);
  auto feed = [&](const std::string& prefix) {
    for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir())) {
      const auto name = entry.path().filename().string();
      if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() == ".eml") {
        return bob->receive(as_bytes(testing::read_file(entry.path())), now).value();
      }
    }
    throw std::runtime_error("no recording " + prefix);
  };
  for (const char* step : {"21", "25", "26", "27"}) {
    feed(step);
  }
  auto fx = feed("28");
  auto msgs = events_of<MessageEvent>(fx);
  ASSERT_EQ(msgs.size(), 1u) << fx.dropped;
  ASSERT_EQ(msgs[0].attachments.size(), 1u);
  EXPECT_EQ(msgs[0].attachments[0].filename, "counter.xdc");
  EXPECT_EQ(msgs[0].attachments[0].mime_type, "application/webxdc+zip");
  EXPECT_EQ(msgs[0].attachments[0].data, counter_xdc());
  EXPECT_TRUE(XdcArchive::open(msgs[0].attachments[0].data));
  const std::int64_t instance = msgs[0].message_id;
  EXPECT_EQ(
      find_webxdc_instance(*bob.account, "68b69f71-937b-4d34-b2b3-b022a38f0ba2@localhost").value(),
      instance);

  fx = feed("29");
  auto carol = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(carol.size(), 1u) << fx.dropped;
  EXPECT_EQ(carol[0].payload, R"({"n":1})");
  EXPECT_EQ(carol[0].info, "counter is 1");
  EXPECT_EQ(carol[0].uid, "t9MqJseZeuuleWuSB_82GqVr");
  EXPECT_EQ(carol[0].sender_fpr, "44AFDAEB5F7CED73FEC396820D0A05B642D400F6");
  EXPECT_EQ(carol[0].instance_id, instance);
  EXPECT_EQ(carol[0].chat_id, msgs[0].chat_id);

  fx = feed("30");
  auto alice = events_of<WebxdcUpdateEvent>(fx);
  ASSERT_EQ(alice.size(), 1u) << fx.dropped;
  EXPECT_EQ(alice[0].payload, R"({"n":2})");
  EXPECT_EQ(alice[0].summary, "2 clicks");
  EXPECT_EQ(alice[0].sender_fpr, "639D3F8576BEBFD311AEAE4DDA27E353CC0E3128");
  EXPECT_GT(alice[0].serial, carol[0].serial);
}

}  // namespace
}  // namespace dcbot::chat
