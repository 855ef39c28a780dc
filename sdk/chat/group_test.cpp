// SPDX-License-Identifier: MIT
#include "chat/group.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "chat/invite.h"
#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "store/chats.h"
#include "store/mailbox.h"
#include "store/runtime_tables.h"

// Groups between four dcbot accounts (mails moved by hand, as the relays would) and the group
// mails the real core 2.62 recorded (tests/data/core-2.62 21-27, 31, 32). PROTOCOL.md §4.
namespace dcbot::chat {
namespace {

using testing::events_of;
using testing::load_fixture;
using testing::Peer;

constexpr std::int64_t kNow = 1795395800;

Peer make_group_peer(const std::string& fixture, const std::string& name, bool bot) {
  return testing::make_hooked_peer(fixture, name, bot, kNow, {.groups = true});
}

std::string fpr(Peer& p) {
  return p->fingerprint();
}

std::int64_t chat_of(Peer& p, const std::string& grpid) {
  auto chat = store::Chats(*p.db).find_by_grpid(grpid).value();
  return chat ? chat->id : 0;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class Groups : public ::testing::Test {
 public:
  void SetUp() override {
    bot_ = make_group_peer("botty", "Bot", true);
    alice_ = make_group_peer("alice", "Alice", false);
    bob_ = make_group_peer("bob", "Bob", false);
    carol_ = make_group_peer("carol", "Carol", false);
    peers_ = {&bot_, &alice_, &bob_, &carol_};
  }

  std::map<Peer*, Effects> deliver_public(const OutgoingMail& mail, std::int64_t now) {
    return deliver(mail, now);
  }

  // Delivers `mail` to every peer whose address is an SMTP recipient.
  std::map<Peer*, Effects> deliver(const OutgoingMail& mail, std::int64_t now) {
    std::map<Peer*, Effects> out;
    for (Peer* p : peers_) {
      const auto& r = mail.recipients;
      if (std::find(r.begin(), r.end(), (*p)->profile().addr) != r.end()) {
        out[p] = testing::deliver(mail, *p, now);
      }
    }
    return out;
  }

  // The bot knows the three humans and creates "Team" with them, then greets.
  std::string create_team(std::int64_t now) {
    testing::introduce(bot_, alice_, now);
    testing::introduce(bot_, bob_, now);
    testing::introduce(bot_, carol_, now);
    team_ = create_group(*bot_.account, "Team", {fpr(alice_), fpr(bob_), fpr(carol_)}, now).value();
    auto mail = bot_->build_text(team_, "hello team", SendOptions{{}, {}, now}).value();
    auto fx = deliver(mail, now);
    EXPECT_EQ(fx.size(), 3u);
    for (auto& [peer, effects] : fx) {
      EXPECT_EQ(events_of<GroupJoinedEvent>(effects).size(), 1u) << effects.dropped;
      auto msgs = events_of<MessageEvent>(effects);
      EXPECT_EQ(msgs.size(), 1u) << effects.dropped;
    }
    return store::Chats(*bot_.db).get(team_).value()->grpid;
  }

  Peer bot_, alice_, bob_, carol_;
  std::vector<Peer*> peers_;
  std::int64_t team_ = 0;
};

TEST_F(Groups, CreatedGroupReachesEveryMemberAndAllReadEachOther) {
  const std::string grpid = create_team(kNow);
  const auto humans = sorted({fpr(alice_), fpr(bob_), fpr(carol_)});
  for (Peer* p : {&alice_, &bob_, &carol_}) {
    const auto chat = chat_of(*p, grpid);
    ASSERT_NE(chat, 0);
    std::vector<std::string> expected = {fpr(bot_)};
    for (const auto& h : humans) {
      if (h != fpr(*p)) {
        expected.push_back(h);
      }
    }
    EXPECT_EQ(group_members(*p->account, chat).value(), sorted(expected));
    EXPECT_EQ(store::Chats(*p->db).get(chat).value()->name, "Team");
  }
  // Alice learned Bob's and Carol's keys from the gossip and writes to everyone.
  auto reply =
      alice_->build_text(chat_of(alice_, grpid), "hi all", SendOptions{{}, {}, kNow + 5}).value();
  auto fx = deliver(reply, kNow + 5);
  ASSERT_EQ(fx.size(), 3u);
  for (auto& [peer, effects] : fx) {
    auto msgs = events_of<MessageEvent>(effects);
    ASSERT_EQ(msgs.size(), 1u) << effects.dropped;
    EXPECT_EQ(msgs[0].text, "hi all");
    EXPECT_EQ(msgs[0].chat_id, chat_of(*peer, grpid));
    EXPECT_EQ(msgs[0].sender_fpr, fpr(alice_));
  }
}

TEST_F(Groups, AddRemoveLeaveRenamePropagate) {
  testing::introduce(bot_, alice_, kNow);
  testing::introduce(bot_, bob_, kNow);
  testing::introduce(bot_, carol_, kNow);
  team_ = create_group(*bot_.account, "Team", {fpr(alice_), fpr(bob_)}, kNow).value();
  auto first = bot_->build_text(team_, "hello", SendOptions{{}, {}, kNow}).value();
  deliver(first, kNow);
  const std::string grpid = store::Chats(*bot_.db).get(team_).value()->grpid;
  EXPECT_EQ(chat_of(carol_, grpid), 0);

  // Add Carol: everyone sees her; she joins with the full member list.
  auto add = build_add_member(*bot_.account, team_, fpr(carol_), kNow + 10).value();
  auto fx = deliver(add, kNow + 10);
  ASSERT_EQ(fx.size(), 3u);
  auto added = events_of<MemberAddedEvent>(fx[&alice_]);
  ASSERT_EQ(added.size(), 1u) << fx[&alice_].dropped;
  EXPECT_EQ(added[0].fingerprint, fpr(carol_));
  EXPECT_EQ(added[0].actor_fpr, fpr(bot_));
  EXPECT_EQ(fx[&alice_].dropped, "group system message: member added");
  auto joined = events_of<GroupJoinedEvent>(fx[&carol_]);
  ASSERT_EQ(joined.size(), 1u) << fx[&carol_].dropped;
  EXPECT_EQ(sorted(joined[0].member_fprs), sorted({fpr(bot_), fpr(alice_), fpr(bob_)}));

  // Carol renames; the rename wins everywhere.
  auto rename = build_rename(*carol_.account, chat_of(carol_, grpid), "Renamed", kNow + 20).value();
  fx = deliver(rename, kNow + 20);
  ASSERT_EQ(fx.size(), 3u);
  for (auto& [peer, effects] : fx) {
    auto ev = events_of<GroupRenamedEvent>(effects);
    ASSERT_EQ(ev.size(), 1u) << effects.dropped;
    EXPECT_EQ(ev[0].old_name, "Team");
    EXPECT_EQ(ev[0].new_name, "Renamed");
    EXPECT_EQ(store::Chats(*peer->db).get(chat_of(*peer, grpid)).value()->name, "Renamed");
  }

  // Alice removes Bob: Bob still gets that mail and learns he is out.
  auto remove =
      build_remove_member(*alice_.account, chat_of(alice_, grpid), fpr(bob_), kNow + 30).value();
  fx = deliver(remove, kNow + 30);
  ASSERT_EQ(fx.size(), 3u);
  EXPECT_EQ(events_of<GroupRemovedEvent>(fx[&bob_]).size(), 1u) << fx[&bob_].dropped;
  auto removed = events_of<MemberRemovedEvent>(fx[&bot_]);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].fingerprint, fpr(bob_));
  EXPECT_EQ(removed[0].actor_fpr, fpr(alice_));
  EXPECT_FALSE(removed[0].left);
  EXPECT_FALSE(is_group_member(*bob_.account, chat_of(bob_, grpid)).value());
  EXPECT_EQ(
      bob_->build_text(chat_of(bob_, grpid), "x", SendOptions{{}, {}, kNow + 31}).error().code,
      Errc::InvalidArgument);

  // Carol leaves.
  auto leave = build_leave(*carol_.account, chat_of(carol_, grpid), kNow + 40).value();
  fx = deliver(leave, kNow + 40);
  EXPECT_EQ(fx.count(&bob_), 0u);
  auto left = events_of<MemberRemovedEvent>(fx[&bot_]);
  ASSERT_EQ(left.size(), 1u) << fx[&bot_].dropped;
  EXPECT_TRUE(left[0].left);
  EXPECT_EQ(left[0].fingerprint, fpr(carol_));

  // Member lists agree: the bot and Alice remain.
  EXPECT_EQ(group_members(*bot_.account, team_).value(), std::vector<std::string>{fpr(alice_)});
  EXPECT_EQ(group_members(*alice_.account, chat_of(alice_, grpid)).value(),
            std::vector<std::string>{fpr(bot_)});

  // The next ordinary message names Bob and Carol as past members.
  auto msg = bot_->build_text(team_, "just us", SendOptions{{}, {}, kNow + 50}).value();
  fx = deliver(msg, kNow + 50);
  ASSERT_EQ(fx.size(), 1u);
  EXPECT_EQ(events_of<MessageEvent>(fx[&alice_]).size(), 1u);
}

TEST_F(Groups, MailsQueuedRightAfterAMemberAddedOrAnAppAreHeldBriefly) {
  testing::introduce(bot_, alice_, kNow);
  testing::introduce(bot_, bob_, kNow);
  team_ = create_group(*bot_.account, "Team", {fpr(alice_)}, kNow).value();
  const auto other = create_group(*bot_.account, "Other", {fpr(alice_)}, kNow).value();
  auto add = build_add_member(*bot_.account, team_, fpr(bob_), kNow).value();
  EXPECT_TRUE(add.holds_chat);
  auto welcome = bot_->build_text(team_, "welcome, bob", SendOptions{{}, {}, kNow}).value();
  EXPECT_FALSE(welcome.holds_chat);
  auto elsewhere = bot_->build_text(other, "unrelated", SendOptions{{}, {}, kNow}).value();
  ASSERT_TRUE(bot_->queue(add, kNow));
  const auto held = bot_->queue(welcome, kNow + 1).value();
  ASSERT_TRUE(bot_->queue(elsewhere, kNow + 1));
  store::Outbox outbox(*bot_.db);
  EXPECT_EQ(outbox.get(held).value()->next_attempt_at, kNow + 3);
  // Before then only the member-added mail and the other chat's mail are due.
  auto due = outbox.next_due(kNow + 2, 10).value();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].rfc724_mid, add.rfc724_mid);
  EXPECT_EQ(due[1].rfc724_mid, elsewhere.rfc724_mid);
  ASSERT_TRUE(outbox.mark_sent(due[0].id));
  ASSERT_TRUE(outbox.mark_sent(due[1].id));
  EXPECT_TRUE(outbox.next_due(kNow + 2, 10).value().empty());
  due = outbox.next_due(kNow + 3, 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].rfc724_mid, welcome.rfc724_mid);
  // Later mails are not held.
  auto later = bot_->build_text(team_, "later", SendOptions{{}, {}, kNow + 5}).value();
  const auto id = bot_->queue(later, kNow + 5).value();
  EXPECT_EQ(outbox.get(id).value()->next_attempt_at, 0);

  // A webxdc app holds its chat too: its first status update must not overtake it.
  Attachment app;
  app.filename = "poll.xdc";
  app.mime_type = "application/webxdc+zip";
  app.data = Bytes{'P', 'K'};
  auto instance = bot_->build_text(team_, "", SendOptions{{}, {app}, kNow + 10}).value();
  EXPECT_TRUE(instance.holds_chat);
  ASSERT_TRUE(bot_->queue(instance, kNow + 10));
  auto update = bot_->build_text(team_, "update", SendOptions{{}, {}, kNow + 10}).value();
  const auto update_id = bot_->queue(update, kNow + 10).value();
  EXPECT_EQ(outbox.get(update_id).value()->next_attempt_at, kNow + 13);
}

TEST_F(Groups, RemovingTheLastOtherMemberStillTellsThatMember) {
  testing::introduce(bot_, alice_, kNow);
  team_ = create_group(*bot_.account, "Duo", {fpr(alice_)}, kNow).value();
  deliver(bot_->build_text(team_, "hi", SendOptions{{}, {}, kNow}).value(), kNow);
  const std::string grpid = store::Chats(*bot_.db).get(team_).value()->grpid;
  auto remove = build_remove_member(*bot_.account, team_, fpr(alice_), kNow + 10).value();
  EXPECT_EQ(remove.recipients, std::vector<std::string>{alice_->profile().addr});
  auto fx = deliver(remove, kNow + 10);
  ASSERT_EQ(fx.size(), 1u);
  EXPECT_EQ(events_of<GroupRemovedEvent>(fx[&alice_]).size(), 1u) << fx[&alice_].dropped;
  EXPECT_FALSE(is_group_member(*alice_.account, chat_of(alice_, grpid)).value());
  // Alone now, the bot has nobody to write to.
  EXPECT_EQ(bot_->build_text(team_, "anyone?", SendOptions{{}, {}, kNow + 20}).error().code,
            Errc::InvalidArgument);
}

TEST_F(Groups, AvatarChangeAndRemovalReachEveryMember) {
  const std::string grpid = create_team(kNow);
  // Large enough that the base64 header is folded over many lines.
  Bytes image(3000);
  for (std::size_t i = 0; i < image.size(); ++i) {
    image[i] = static_cast<std::uint8_t>(i * 31 + 7);
  }
  auto set = build_set_avatar(*bot_.account, team_, image, kNow + 10).value();
  auto fx = deliver(set, kNow + 10);
  ASSERT_EQ(fx.size(), 3u);
  for (auto& [peer, effects] : fx) {
    auto ev = events_of<GroupAvatarEvent>(effects);
    ASSERT_EQ(ev.size(), 1u) << effects.dropped;
    EXPECT_EQ(ev[0].chat_id, chat_of(*peer, grpid));
    EXPECT_EQ(ev[0].actor_fpr, fpr(bot_));
    EXPECT_EQ(ev[0].image, image);
    EXPECT_EQ(effects.dropped, "group system message: avatar changed");
  }
  auto removed = build_set_avatar(*alice_.account, chat_of(alice_, grpid), {}, kNow + 20).value();
  fx = deliver(removed, kNow + 20);
  ASSERT_EQ(fx.size(), 3u);
  auto ev = events_of<GroupAvatarEvent>(fx[&bot_]);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].image.empty());
  EXPECT_EQ(ev[0].actor_fpr, fpr(alice_));

  Bytes huge(kMaxGroupAvatarSize + 1);
  EXPECT_EQ(build_set_avatar(*bot_.account, team_, huge, kNow + 30).error().code,
            Errc::InvalidArgument);
}

TEST_F(Groups, ChangesFromNonMembersAreIgnored) {
  const std::string grpid = create_team(kNow);
  auto remove = build_remove_member(*bot_.account, team_, fpr(carol_), kNow + 10).value();
  deliver(remove, kNow + 10);
  // Carol's client ignores her removal and renames anyway (a forged member row).
  const auto carol_chat = chat_of(carol_, grpid);
  store::ChatMembers(*carol_.db).set({carol_chat, fpr(carol_), kNow + 20, 0}).value();
  auto rename = build_rename(*carol_.account, carol_chat, "Hijacked", kNow + 20).value();
  auto fx = deliver(rename, kNow + 20);
  ASSERT_EQ(fx.count(&bot_), 1u);
  EXPECT_EQ(fx[&bot_].dropped, "group change from a non-member ignored");
  EXPECT_TRUE(fx[&bot_].events.empty());
  EXPECT_EQ(store::Chats(*bot_.db).get(team_).value()->name, "Team");
  // Her ordinary messages are still shown, without changing anything.
  auto text = carol_->build_text(carol_chat, "still here", SendOptions{{}, {}, kNow + 21}).value();
  fx = deliver(text, kNow + 21);
  EXPECT_EQ(events_of<MessageEvent>(fx[&bot_]).size(), 1u);
  EXPECT_EQ(sorted(group_members(*bot_.account, team_).value()), sorted({fpr(alice_), fpr(bob_)}));
}

TEST_F(Groups, UnknownGroupNeedsNameAndNoRemoval) {
  const std::string grpid = create_team(kNow);
  (void)grpid;
  // A removal for a group the receiver never saw does not create it.
  auto remove = build_remove_member(*bot_.account, team_, fpr(carol_), kNow + 10).value();
  Peer fresh = make_group_peer("carol", "Carol2", false);
  auto fx = testing::deliver(remove, fresh, kNow + 10);
  EXPECT_EQ(fx.dropped, "group removal for an unknown group");
}

// A mail shaped like an old client's group mail (no member timestamps), sent through `from`'s 1:1
// chat with `to`, so To names only `to`.
OutgoingMail legacy_group_mail(Peer& from, Peer& to, std::vector<mime::HeaderField> headers,
                               std::int64_t now) {
  const auto chat = testing::introduce(from, to, now);
  Account::Draft d;
  d.chat_id = chat;
  d.now = now;
  d.root = mime::text_part("legacy");
  d.text = "legacy";
  d.headers = std::move(headers);
  return from->build(d).value();
}

TEST_F(Groups, LegacyMemberAddedNeedsGossipOfTheAddedAddress) {
  const std::string grpid = generate_token();
  // No Chat-Group-Name: an unknown group is not created.
  auto fx = testing::deliver(legacy_group_mail(alice_, bot_, {{"Chat-Group-ID", grpid}}, kNow),
                             bot_, kNow);
  EXPECT_EQ(fx.dropped, "unknown group without name");
  EXPECT_EQ(chat_of(bot_, grpid), 0);
  // Named: created with the sender, us and the To addresses (no timestamps header).
  fx = testing::deliver(
      legacy_group_mail(alice_, bot_, {{"Chat-Group-ID", grpid}, {"Chat-Group-Name", "Old"}},
                        kNow + 1),
      bot_, kNow + 1);
  ASSERT_EQ(events_of<GroupJoinedEvent>(fx).size(), 1u) << fx.dropped;
  EXPECT_EQ(group_members(*bot_.account, chat_of(bot_, grpid)).value(),
            std::vector<std::string>{fpr(alice_)});
  // Member-Added without gossip for Carol (she is not in To, so gossip would not count): ignored.
  const std::string carol_addr = carol_->profile().addr;
  const auto carol_gossip =
      mime::autocrypt_value(carol_addr, carol_->key().certificate().serialize(), true);
  fx = testing::deliver(legacy_group_mail(alice_, bot_,
                                          {{"Chat-Group-ID", grpid},
                                           {"Chat-Group-Name", "Old"},
                                           {"Chat-Group-Member-Added", carol_addr},
                                           {"Autocrypt-Gossip", carol_gossip}},
                                          kNow + 2),
                        bot_, kNow + 2);
  EXPECT_TRUE(events_of<MemberAddedEvent>(fx).empty());
  EXPECT_NE(
      std::find(fx.notes.begin(), fx.notes.end(), "group: member-added without gossip ignored"),
      fx.notes.end());
  // To Carol herself, with the gossip of her address in To: she is added (and joins).
  fx = testing::deliver(legacy_group_mail(alice_, carol_,
                                          {{"Chat-Group-ID", grpid},
                                           {"Chat-Group-Name", "Old"},
                                           {"Chat-Group-Member-Added", carol_addr},
                                           {"Autocrypt-Gossip", carol_gossip}},
                                          kNow + 3),
                        carol_, kNow + 3);
  ASSERT_EQ(events_of<GroupJoinedEvent>(fx).size(), 1u) << fx.dropped;
  EXPECT_TRUE(is_group_member(*carol_.account, chat_of(carol_, grpid)).value());
  EXPECT_EQ(fx.dropped, "group system message: member added");
}

// Runs a group SecureJoin: `joiner` scans `link` of `inviter`, mails move until the joiner is in.
// Returns what the joiner got from the final vg-member-added.
Effects run_join(Groups* g, Peer& inviter, Peer& joiner, const std::string& link, std::int64_t now,
                 std::map<Peer*, Effects>& last_round) {
  auto start = start_join(*joiner.account, link, now).value();
  std::vector<std::pair<OutgoingMail, Peer*>> queue;
  for (auto& m : start.effects.outgoing) {
    queue.emplace_back(m, &joiner);
  }
  Effects joiner_fx;
  for (int round = 0; round < 6 && !queue.empty(); ++round) {
    auto batch = std::move(queue);
    queue.clear();
    for (auto& [mail, from] : batch) {
      last_round = g->deliver_public(mail, now + round + 1);
      for (auto& [peer, fx] : last_round) {
        if (peer == &joiner) {
          joiner_fx = fx;
        }
        for (auto& out : fx.outgoing) {
          queue.emplace_back(out, peer);
        }
      }
    }
  }
  (void)inviter;
  return joiner_fx;
}

TEST_F(Groups, JoinByLinkBothRolesV3AndLegacy) {
  for (const bool legacy : {false, true}) {
    SetUp();
    // The bot owns a group with Bob; Alice joins by the bot's link.
    testing::introduce(bot_, bob_, kNow);
    team_ = create_group(*bot_.account, "Team", {fpr(bob_)}, kNow).value();
    deliver(bot_->build_text(team_, "hello", SendOptions{{}, {}, kNow}).value(), kNow);
    InviteLinkOptions options;
    options.legacy = legacy;
    const std::string link = make_group_invite_link(*bot_.account, team_, kNow, options).value();
    const Invite invite = parse_invite(link).value();
    EXPECT_EQ(invite.kind, InviteKind::Group);
    EXPECT_EQ(invite.group_name, "Team");
    std::map<Peer*, Effects> last;
    auto fx = run_join(this, bot_, alice_, link, kNow + 10, last);
    const std::string grpid = store::Chats(*bot_.db).get(team_).value()->grpid;
    const auto alice_chat = chat_of(alice_, grpid);
    ASSERT_NE(alice_chat, 0) << "legacy=" << legacy << " " << fx.dropped;
    EXPECT_EQ(events_of<ContactVerifiedEvent>(fx).size(), 1u);
    EXPECT_EQ(events_of<GroupJoinedEvent>(fx).size(), 1u);
    EXPECT_EQ(sorted(group_members(*alice_.account, alice_chat).value()),
              sorted({fpr(bot_), fpr(bob_)}));
    EXPECT_EQ(sorted(group_members(*bot_.account, team_).value()),
              sorted({fpr(alice_), fpr(bob_)}));
    ASSERT_EQ(last.count(&bob_), 1u);
    auto added = events_of<MemberAddedEvent>(last[&bob_]);
    ASSERT_EQ(added.size(), 1u) << last[&bob_].dropped;
    EXPECT_EQ(added[0].fingerprint, fpr(alice_));
    EXPECT_EQ(added[0].actor_fpr, fpr(bot_));
    EXPECT_EQ(sorted(group_members(*bob_.account, chat_of(bob_, grpid)).value()),
              sorted({fpr(alice_), fpr(bot_)}));
    // Alice can write to everyone at once.
    auto hi = alice_->build_text(alice_chat, "hi", SendOptions{{}, {}, kNow + 30}).value();
    auto got = deliver(hi, kNow + 30);
    EXPECT_EQ(events_of<MessageEvent>(got[&bob_]).size(), 1u) << got[&bob_].dropped;
    EXPECT_EQ(events_of<MessageEvent>(got[&bot_]).size(), 1u) << got[&bot_].dropped;

    // The other way round: the bot joins Carol's group by her link.
    testing::introduce(carol_, bob_, kNow);
    const auto carols = create_group(*carol_.account, "Carol's", {fpr(bob_)}, kNow + 40).value();
    const std::string link2 =
        make_group_invite_link(*carol_.account, carols, kNow + 40, options).value();
    auto bot_fx = run_join(this, carol_, bot_, link2, kNow + 50, last);
    const std::string grpid2 = store::Chats(*carol_.db).get(carols).value()->grpid;
    ASSERT_NE(chat_of(bot_, grpid2), 0) << "legacy=" << legacy << " " << bot_fx.dropped;
    EXPECT_EQ(sorted(group_members(*bot_.account, chat_of(bot_, grpid2)).value()),
              sorted({fpr(carol_), fpr(bob_)}));
  }
}

// A group link: the group's own INVITENUMBER (reused) and AUTH (new unless reuse_auth), apart
// from the 1:1 link's tokens; the inviter name cut to 16 characters.
TEST(GroupInvite, LinkHasTheGroupsOwnTokensAndACutInviterName) {
  Peer carol = make_group_peer("carol", "Carol With A Long Name", false);
  const auto team = create_group(*carol.account, "Team", {}, kNow).value();
  const std::string grpid = store::Chats(*carol.db).get(team).value()->grpid;
  const Invite a = parse_invite(make_group_invite_link(*carol.account, team, kNow).value()).value();
  const Invite b =
      parse_invite(make_group_invite_link(*carol.account, team, kNow + 1).value()).value();
  InviteLinkOptions fixed;
  fixed.reuse_auth = true;
  const Invite c =
      parse_invite(make_group_invite_link(*carol.account, team, kNow + 2, fixed).value()).value();
  InviteLinkOptions legacy;
  legacy.legacy = true;
  const Invite d =
      parse_invite(make_group_invite_link(*carol.account, team, kNow + 3, legacy).value()).value();
  EXPECT_EQ(a.kind, InviteKind::Group);
  EXPECT_EQ(a.grpid, grpid);
  EXPECT_EQ(a.group_name, "Team");
  EXPECT_EQ(a.fingerprint, carol->fingerprint());
  EXPECT_EQ(a.addr, carol->profile().addr);
  EXPECT_EQ(a.name, "Carol With A Lo\u2026");
  EXPECT_TRUE(a.v3);
  EXPECT_FALSE(d.v3);
  EXPECT_EQ(a.invitenumber, b.invitenumber);
  EXPECT_EQ(d.invitenumber, a.invitenumber);
  EXPECT_NE(a.auth, b.auth);
  EXPECT_EQ(c.auth, b.auth);
  const Invite contact = parse_invite(make_invite_link(*carol.account, kNow).value()).value();
  EXPECT_EQ(contact.kind, InviteKind::Contact);
  EXPECT_NE(contact.invitenumber, a.invitenumber);
  EXPECT_NE(contact.auth, a.auth);
  EXPECT_EQ(contact.name, "Carol With A Long Name");
}

// The recorded core 2.62 mails as Bob saw them: alice creates "Test Group" with Bob (21), Carol
// joins by link (25, vg-member-added), writes (26), Alice renames (27) and removes Bob (31).
TEST(GroupVectors, BobFollowsTheRecordedGroup) {
  const std::int64_t now = mime::parse_date("Mon, 23 Nov 2026 02:00:00 +0000").value();
  Peer bob = make_group_peer("bob", "bob", false);
  const std::string alice_fpr = "639D3F8576BEBFD311AEAE4DDA27E353CC0E3128";
  const std::string carol_fpr = "44AFDAEB5F7CED73FEC396820D0A05B642D400F6";
  auto feed = [&](const std::string& prefix) {
    for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir())) {
      const auto name = entry.path().filename().string();
      if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() == ".eml") {
        return bob->receive(as_bytes(testing::read_file(entry.path())), now).value();
      }
    }
    throw std::runtime_error("no recording " + prefix);
  };
  auto fx = feed("21");
  auto joined = events_of<GroupJoinedEvent>(fx);
  ASSERT_EQ(joined.size(), 1u) << fx.dropped;
  EXPECT_EQ(joined[0].grpid, "2FeZl2aTPLJzqN0z8uJURVLF");
  EXPECT_EQ(joined[0].name, "Test Group");
  EXPECT_EQ(joined[0].member_fprs, std::vector<std::string>{alice_fpr});
  auto msgs = events_of<MessageEvent>(fx);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].text, "welcome to the group");
  const std::int64_t chat = joined[0].chat_id;
  EXPECT_EQ(msgs[0].chat_id, chat);

  fx = feed("25");
  auto added = events_of<MemberAddedEvent>(fx);
  ASSERT_EQ(added.size(), 1u) << fx.dropped;
  EXPECT_EQ(added[0].fingerprint, carol_fpr);
  EXPECT_EQ(added[0].actor_fpr, alice_fpr);
  EXPECT_EQ(sorted(group_members(*bob.account, chat).value()), sorted({alice_fpr, carol_fpr}));

  fx = feed("26");
  msgs = events_of<MessageEvent>(fx);
  ASSERT_EQ(msgs.size(), 1u) << fx.dropped;
  EXPECT_EQ(msgs[0].text, "hi all, carol here");
  EXPECT_EQ(msgs[0].sender_fpr, carol_fpr);
  EXPECT_EQ(msgs[0].chat_id, chat);

  fx = feed("27");
  auto renamed = events_of<GroupRenamedEvent>(fx);
  ASSERT_EQ(renamed.size(), 1u) << fx.dropped;
  EXPECT_EQ(renamed[0].old_name, "Test Group");
  EXPECT_EQ(renamed[0].new_name, "Renamed Group");
  EXPECT_EQ(renamed[0].actor_fpr, alice_fpr);

  fx = feed("31");
  EXPECT_EQ(events_of<GroupRemovedEvent>(fx).size(), 1u) << fx.dropped;
  EXPECT_FALSE(is_group_member(*bob.account, chat).value());
  EXPECT_EQ(sorted(group_members(*bob.account, chat).value()), sorted({alice_fpr, carol_fpr}));
}

Effects feed_recorded(Peer& peer, const std::string& prefix, std::int64_t now) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() == ".eml") {
      return peer->receive(as_bytes(testing::read_file(entry.path())), now).value();
    }
  }
  throw std::runtime_error("no recording " + prefix);
}

// Carol's side of the recorded group join (22-25): she scans group-invite.txt, gets Alice's
// vc-pubkey (23), answers with vg-request-with-auth and is in the group on vg-member-added (25).
TEST(GroupVectors, CarolJoinsTheRecordedGroupByLink) {
  const std::int64_t now = mime::parse_date("Mon, 23 Nov 2026 01:13:50 +0000").value();
  Peer carol = make_group_peer("carol", "carol", false);
  const std::string alice_fpr = "639D3F8576BEBFD311AEAE4DDA27E353CC0E3128";
  const std::string bob_fpr = "9FDF5F9C2FBFF1F09A9CCC8004E3978B1A945A9F";
  const std::string link = testing::read_file(testing::data_dir() / "group-invite.txt");
  auto start = start_join(*carol.account, link, now).value();
  ASSERT_FALSE(start.shortcut);
  auto fx = feed_recorded(carol, "23", now + 2);
  EXPECT_EQ(fx.dropped, "securejoin: vc-pubkey handled");
  ASSERT_EQ(fx.outgoing.size(), 1u);
  fx = feed_recorded(carol, "25", now + 6);
  EXPECT_EQ(events_of<ContactVerifiedEvent>(fx).size(), 1u) << fx.dropped;
  auto joined = events_of<GroupJoinedEvent>(fx);
  ASSERT_EQ(joined.size(), 1u) << fx.dropped;
  EXPECT_EQ(joined[0].grpid, "2FeZl2aTPLJzqN0z8uJURVLF");
  EXPECT_EQ(joined[0].name, "Test Group");
  EXPECT_EQ(sorted(joined[0].member_fprs), sorted({alice_fpr, bob_fpr}));
  EXPECT_TRUE(pending_joins(*carol.db).value().empty());
  // 27: Alice renames; 31: Alice removes Bob (Carol stays).
  fx = feed_recorded(carol, "27", now + 12);
  EXPECT_EQ(events_of<GroupRenamedEvent>(fx).size(), 1u) << fx.dropped;
  fx = feed_recorded(carol, "31", now + 30);
  auto removed = events_of<MemberRemovedEvent>(fx);
  ASSERT_EQ(removed.size(), 1u) << fx.dropped;
  EXPECT_EQ(removed[0].fingerprint, bob_fpr);
  EXPECT_EQ(removed[0].actor_fpr, alice_fpr);
  EXPECT_EQ(group_members(*carol.account, joined[0].chat_id).value(),
            std::vector<std::string>{alice_fpr});
}

// Alice's side: the group exists with Bob, her link's tokens are stored; Carol's recorded
// vg-request-with-auth (24) adds her, Carol writes (26) and leaves (32).
TEST(GroupVectors, AliceAddsTheJoinerOfTheRecordedGroup) {
  const std::int64_t now = mime::parse_date("Mon, 23 Nov 2026 01:13:54 +0000").value();
  Peer alice = make_group_peer("alice", "alice", false);
  Peer bob = make_group_peer("bob", "bob", false);
  testing::introduce(alice, bob, now - 100);
  const std::string grpid = "2FeZl2aTPLJzqN0z8uJURVLF";
  store::Chat chat;
  chat.type = store::ChatType::Group;
  chat.grpid = grpid;
  chat.name = "Test Group";
  chat.name_timestamp = 1795396431;
  const auto chat_id = store::Chats(*alice.db).add(chat).value();
  store::ChatMembers(*alice.db).set({chat_id, alice->fingerprint(), 1795396431, 0}).value();
  store::ChatMembers(*alice.db).set({chat_id, bob->fingerprint(), 1795396431, 0}).value();
  const Invite invite =
      parse_invite(testing::read_file(testing::data_dir() / "group-invite.txt")).value();
  store::SecureJoinTokens tokens(*alice.db);
  tokens.add({store::TokenKind::InviteNumber, invite.invitenumber, grpid, now - 60}).value();
  tokens.add({store::TokenKind::Auth, invite.auth, grpid, now - 60}).value();

  const std::string carol_fpr = "44AFDAEB5F7CED73FEC396820D0A05B642D400F6";
  auto fx = feed_recorded(alice, "24", now + 1);
  EXPECT_EQ(fx.dropped, "securejoin: vg-request-with-auth handled");
  EXPECT_EQ(events_of<ContactVerifiedEvent>(fx).size(), 1u);
  ASSERT_EQ(fx.outgoing.size(), 1u);
  const auto& added = fx.outgoing[0];
  // Appendix A3: the new member's relays first, then everyone else.
  ASSERT_EQ(added.recipients.size(), 2u);
  EXPECT_EQ(added.recipients[0], load_fixture("carol").addr);
  EXPECT_EQ(sorted(group_members(*alice.account, chat_id).value()),
            sorted({bob->fingerprint(), carol_fpr}));
  // Bob (a dcbot account here) gets our vg-member-added like the core's.
  auto bob_fx = testing::deliver(added, bob, now + 2);
  (void)bob_fx;
  fx = feed_recorded(alice, "26", now + 6);
  auto msgs = events_of<MessageEvent>(fx);
  ASSERT_EQ(msgs.size(), 1u) << fx.dropped;
  EXPECT_EQ(msgs[0].chat_id, chat_id);
  EXPECT_EQ(msgs[0].text, "hi all, carol here");
  // 32: Carol leaves. Her mail also lists Bob as a past member (the recorded Alice had removed
  // him in 31, which this Alice never sent), so his removal propagates from it too.
  fx = feed_recorded(alice, "32", now + 25);
  auto removed = events_of<MemberRemovedEvent>(fx);
  ASSERT_EQ(removed.size(), 2u) << fx.dropped;
  for (const auto& ev : removed) {
    EXPECT_EQ(ev.actor_fpr, carol_fpr);
    EXPECT_EQ(ev.left, ev.fingerprint == carol_fpr);
  }
  EXPECT_TRUE(group_members(*alice.account, chat_id).value().empty());
}

}  // namespace
}  // namespace dcbot::chat
