// SPDX-License-Identifier: MIT
#include "chat/channel.h"

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "chat/group.h"
#include "chat/invite.h"
#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "mime/builder.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/chats.h"
#include "store/messages.h"

// Broadcast channels between dcbot accounts (mails moved by hand): the owner's link, the
// SecureJoin that ends in the member-added mail to the new subscriber only, symmetric posts that
// only subscribers can read, removal, and the checks a subscriber applies. PROTOCOL.md §4.4.
namespace dcbot::chat {
namespace {

using testing::open_mail;
using testing::Opened;
using testing::Peer;

constexpr std::int64_t kNow = 1795395800;

Peer make_channel_peer(const std::string& fixture, const std::string& name, bool bot) {
  return testing::make_hooked_peer(fixture, name, bot, kNow, {.groups = true, .channels = true});
}

const OutgoingMail& only_mail(const Effects& fx) {
  EXPECT_EQ(fx.outgoing.size(), 1u) << fx.dropped;
  if (fx.outgoing.size() != 1) {
    throw std::runtime_error("expected one mail; dropped: " + fx.dropped);
  }
  return fx.outgoing.front();
}

template <class T>
const T* find_event(const Effects& fx) {
  for (const auto& ev : fx.events) {
    if (const auto* e = std::get_if<T>(&ev)) {
      return e;
    }
  }
  return nullptr;
}

Effects pass(const OutgoingMail& mail, Peer& to, std::int64_t now = kNow + 5) {
  return to->receive(mail.raw, now).value();
}

store::Chat chat_of(Peer& peer, std::int64_t id) {
  return store::Chats(*peer.db).get(id).value().value();
}

class Channels : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = make_channel_peer("alice", "Alice Bot", true);
    bob_ = make_channel_peer("bob", "Bob", false);
    carol_ = make_channel_peer("carol", "Carol", false);
    channel_ = create_channel(*owner_.account, "Daily News", kNow).value();
    secret_ = channel_secret(*owner_.db, channel_).value().value();
  }

  // `joiner` scans the owner's channel link and every mail is delivered; returns the
  // member-added mail and the joiner's channel chat id.
  std::int64_t join(Peer& joiner, bool legacy, OutgoingMail* member_added = nullptr,
                    std::vector<OutgoingMail>* resent = nullptr) {
    InviteLinkOptions options;
    options.legacy = legacy;
    const std::string link =
        make_channel_invite_link(*owner_.account, channel_, kNow, options).value();
    auto start = start_join(*joiner.account, link, kNow).value();
    EXPECT_EQ(chat_of(joiner, start.chat_id).type, store::ChatType::BroadcastIn);
    EXPECT_EQ(chat_of(joiner, start.chat_id).name, "Daily News");
    // v3: vc-request-pubkey -> vc-pubkey; legacy: vg-request -> vg-auth-required.
    auto fx = pass(only_mail(start.effects), owner_);
    EXPECT_EQ(fx.dropped,
              legacy ? "securejoin: vg-request handled" : "securejoin: vc-request-pubkey handled");
    fx = pass(only_mail(fx), joiner);
    EXPECT_TRUE(fx.dropped.find("handled") != std::string::npos) << fx.dropped;
    const OutgoingMail request_with_auth = only_mail(fx);
    const Opened opened = open_mail(request_with_auth, &owner_->key());
    EXPECT_EQ(opened.inner.headers.value("Secure-Join").value_or(""), "vg-request-with-auth");
    EXPECT_FALSE(opened.inner.headers.has("Secure-Join-Group"));
    fx = pass(request_with_auth, owner_);
    EXPECT_EQ(fx.dropped, "securejoin: vg-request-with-auth handled");
    const auto* sub = find_event<ChannelSubscriberEvent>(fx);
    EXPECT_NE(sub, nullptr);
    if (sub != nullptr) {
      EXPECT_EQ(sub->chat_id, channel_);
      EXPECT_EQ(sub->fingerprint, joiner->fingerprint());
      EXPECT_TRUE(sub->subscribed);
    }
    // The member-added mail first, then the channel's last posts again (resent).
    EXPECT_GE(fx.outgoing.size(), 1u) << fx.dropped;
    if (fx.outgoing.empty()) {
      return 0;
    }
    const OutgoingMail added = fx.outgoing.front();
    if (resent != nullptr) {
      resent->assign(fx.outgoing.begin() + 1, fx.outgoing.end());
    }
    // §4.4: only the new subscriber gets it.
    EXPECT_EQ(added.recipients, std::vector<std::string>{joiner->profile().addr});
    if (member_added != nullptr) {
      *member_added = added;
    }
    fx = pass(added, joiner);
    const auto* joined = find_event<ChannelJoinedEvent>(fx);
    EXPECT_NE(joined, nullptr) << fx.dropped;
    if (joined != nullptr) {
      EXPECT_EQ(joined->chat_id, start.chat_id);
      EXPECT_EQ(joined->owner_fpr, owner_->fingerprint());
      EXPECT_TRUE(joined->joined);
    }
    EXPECT_NE(find_event<ContactVerifiedEvent>(fx), nullptr);
    return start.chat_id;
  }

  Peer owner_;
  Peer bob_;
  Peer carol_;
  std::int64_t channel_ = 0;
  std::string secret_;
};

TEST(ChannelSecret, ShapeAndValidation) {
  const std::string s = generate_channel_secret();
  EXPECT_EQ(s.size(), kChannelSecretLength);
  EXPECT_TRUE(is_valid_channel_secret(s));
  EXPECT_NE(s, generate_channel_secret());
  EXPECT_FALSE(is_valid_channel_secret(s.substr(0, 42)));
  EXPECT_FALSE(is_valid_channel_secret(s.substr(0, 42) + "="));
  EXPECT_FALSE(is_valid_channel_secret(std::string(101, 'a')));
}

TEST(ChannelListId, ParsesTheCoreForms) {
  EXPECT_EQ(channel_list_id("Daily News <AbCdEfGhIjKlMnOpQrStUvWx>"), "AbCdEfGhIjKlMnOpQrStUvWx");
  EXPECT_EQ(channel_list_id("  a <b> <AbCdEfGhIjKl> "), "AbCdEfGhIjKl");
  EXPECT_EQ(channel_list_id("<AbCdEfGhIjKl>"), "AbCdEfGhIjKl");
  EXPECT_EQ(channel_list_id("AbCdEfGhIjKl"), "AbCdEfGhIjKl");
  EXPECT_EQ(channel_list_id(""), "");
  EXPECT_EQ(channel_list_id("<>"), "");
}

TEST_F(Channels, CreateMakesAnOwnedChannelWithASecret) {
  const auto chat = chat_of(owner_, channel_);
  EXPECT_EQ(chat.type, store::ChatType::BroadcastOut);
  EXPECT_TRUE(is_valid_token(chat.grpid));
  EXPECT_TRUE(is_valid_channel_secret(secret_));
  EXPECT_TRUE(channel_subscribers(*owner_.account, channel_).value().empty());
  EXPECT_EQ(create_channel(*owner_.account, " \r\n", kNow).error().code, Errc::InvalidArgument);
  // A name with a line break stays on one line (core sanitize_single_line).
  const auto two = create_channel(*owner_.account, "Two\nLines", kNow).value();
  EXPECT_EQ(chat_of(owner_, two).name, "Two Lines");
  // Groups are not channels.
  const auto group = create_group(*owner_.account, "G", {}, kNow).value();
  EXPECT_EQ(make_channel_invite_link(*owner_.account, group, kNow).error().code, Errc::NotFound);
}

TEST_F(Channels, InviteLinkHasChannelFieldsAndReusesTheInvitenumber) {
  const std::string link = make_channel_invite_link(*owner_.account, channel_, kNow).value();
  const Invite invite = parse_invite(link).value();
  EXPECT_EQ(invite.kind, InviteKind::Channel);
  EXPECT_EQ(invite.grpid, chat_of(owner_, channel_).grpid);
  EXPECT_EQ(invite.group_name, "Daily News");
  EXPECT_EQ(invite.fingerprint, owner_->fingerprint());
  EXPECT_TRUE(invite.v3);
  EXPECT_NE(link.find("&j="), std::string::npos);
  EXPECT_NE(link.find("&b=Daily+News"), std::string::npos);
  EXPECT_EQ(link.find("&i="), std::string::npos);
  InviteLinkOptions fixed;
  fixed.reuse_auth = true;
  const Invite again =
      parse_invite(make_channel_invite_link(*owner_.account, channel_, kNow, fixed).value())
          .value();
  EXPECT_EQ(again.invitenumber, invite.invitenumber);
  EXPECT_EQ(again.auth, invite.auth);
  const Invite fresh =
      parse_invite(make_channel_invite_link(*owner_.account, channel_, kNow).value()).value();
  EXPECT_NE(fresh.auth, invite.auth);
}

TEST_F(Channels, MemberAddedGoesToTheJoinerOnlyWithTheSecret) {
  OutgoingMail added;
  join(bob_, false, &added);
  const Opened o = open_mail(added, &bob_->key());
  EXPECT_FALSE(o.symmetric);
  EXPECT_EQ(o.signatures, 1u);
  const auto& h = o.inner.headers;
  EXPECT_EQ(h.value("Secure-Join").value_or(""), "vg-member-added");
  EXPECT_EQ(h.value("Chat-Broadcast-Secret").value_or(""), secret_);
  EXPECT_EQ(h.value("Chat-Group-Member-Added").value_or(""), bob_->profile().addr);
  EXPECT_EQ(h.value("Chat-Group-Member-Added-Fpr").value_or(""), bob_->fingerprint());
  EXPECT_EQ(channel_list_id(h.value("Chat-List-ID").value_or("")), chat_of(owner_, channel_).grpid);
  EXPECT_EQ(h.value("Chat-Group-Name").value_or(""), "Daily News");
  EXPECT_FALSE(h.has("Chat-Group-ID"));
  EXPECT_FALSE(h.has("Chat-Group-Member-Timestamps"));
  EXPECT_EQ(h.all_raw("Autocrypt-Gossip").size(), 1u);  // The joiner's key (§5.5).
  EXPECT_EQ(channel_subscribers(*owner_.account, channel_).value(),
            std::vector<std::string>{bob_->fingerprint()});
}

TEST_F(Channels, TwoSubscribersReadSymmetricPosts) {
  const auto bob_chat = join(bob_, false);
  const auto carol_chat = join(carol_, true);  // The legacy handshake works as well.
  auto subs = channel_subscribers(*owner_.account, channel_).value();
  EXPECT_EQ(subs.size(), 2u);

  SendOptions options;
  options.now = kNow + 60;
  const auto post = owner_->build_text(channel_, "Hello subscribers 📰", options).value();
  // Every subscriber in the envelope, nobody in the headers.
  auto recipients = post.recipients;
  std::sort(recipients.begin(), recipients.end());
  std::vector<std::string> want = {bob_->profile().addr, carol_->profile().addr};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(recipients, want);
  // §1.4: SKESK with the secret, signed; a subscriber's key cannot open it.
  const Opened o = open_mail(post, nullptr, secret_);
  EXPECT_TRUE(o.symmetric);
  EXPECT_EQ(o.signatures, 1u);
  EXPECT_EQ(o.inner.headers.raw("To").value_or(""), "\"hidden-recipients\": ;");
  EXPECT_EQ(o.inner.headers.value("Subject").value_or(""), "Re: Daily News");
  EXPECT_FALSE(o.inner.headers.has("Autocrypt-Gossip"));
  EXPECT_FALSE(o.inner.headers.has("Chat-Broadcast-Secret"));
  EXPECT_TRUE(o.inner.headers.has("Chat-List-ID"));

  for (Peer* sub : {&bob_, &carol_}) {
    auto fx = pass(post, *sub, kNow + 70);
    const auto* msg = find_event<MessageEvent>(fx);
    ASSERT_NE(msg, nullptr) << fx.dropped;
    EXPECT_EQ(msg->text, "Hello subscribers 📰");
    EXPECT_EQ(msg->chat_id, sub == &bob_ ? bob_chat : carol_chat);
    EXPECT_EQ(msg->sender_fpr, owner_->fingerprint());
  }
  // The owner's post row exists; a subscriber cannot write into the channel.
  EXPECT_EQ(store::Messages(*owner_.db).find_by_mid(post.rfc724_mid).value()->chat_id, channel_);
  SendOptions reply;
  reply.now = kNow + 80;
  EXPECT_EQ(bob_->build_text(bob_chat, "can I?", reply).error().code, Errc::Unsupported);
}

TEST_F(Channels, NewSubscriberGetsTheLastTenPostsAgain) {
  join(bob_, false);
  std::vector<OutgoingMail> posts;
  for (int i = 0; i < 12; ++i) {
    SendOptions options;
    options.now = kNow + 60 + i;
    posts.push_back(owner_->build_text(channel_, "post " + std::to_string(i), options).value());
  }
  // Deleted for everyone: not resent.
  owner_->build_delete(channel_, posts[5].rfc724_mid, kNow + 80).value();
  std::vector<OutgoingMail> resent;
  const auto carol_chat = join(carol_, false, nullptr, &resent);
  ASSERT_EQ(resent.size(), 9u);  // Posts 2..11 without 5.
  std::size_t k = 0;
  for (int i = 2; i < 12; ++i) {
    if (i == 5) {
      continue;
    }
    const auto& mail = resent[k++];
    EXPECT_EQ(mail.rfc724_mid, posts[static_cast<std::size_t>(i)].rfc724_mid);
    EXPECT_EQ(mail.recipients, std::vector<std::string>{carol_->profile().addr});
    const Opened o = open_mail(mail, &carol_->key());
    EXPECT_FALSE(o.symmetric);  // To the new subscriber only, asymmetric.
    EXPECT_EQ(o.signatures, 1u);
    // Carol reads it; the original Message-ID, text and channel.
    auto fx = pass(mail, carol_, kNow + 100);
    const auto* msg = find_event<MessageEvent>(fx);
    ASSERT_NE(msg, nullptr) << fx.dropped;
    EXPECT_EQ(msg->text, "post " + std::to_string(i));
    EXPECT_EQ(msg->chat_id, carol_chat);
    EXPECT_EQ(msg->rfc724_mid, mail.rfc724_mid);
  }
  // A repeated join resends them; Carol already has them and drops the copies as duplicates.
  const std::string link = make_channel_invite_link(*owner_.account, channel_, kNow).value();
  auto start = start_join(*carol_.account, link, kNow + 200).value();
  auto fx = pass(only_mail(start.effects), owner_, kNow + 201);
  fx = pass(only_mail(fx), carol_, kNow + 202);
  fx = pass(only_mail(fx), owner_, kNow + 203);
  ASSERT_EQ(fx.outgoing.size(), 10u);
  EXPECT_EQ(pass(fx.outgoing.back(), carol_, kNow + 204).dropped, "duplicate message-id");
}

// What a subscriber's app sends to the owner (core: asymmetric, to the owner only, with the
// channel's Chat-List-ID): a reaction, a leave; a plain text is refused.
TEST_F(Channels, OwnerTakesReactionsAndLeavesFromSubscribersOnly) {
  join(bob_, false);
  SendOptions options;
  options.now = kNow + 60;
  const auto post = owner_->build_text(channel_, "react to me", options).value();
  pass(post, bob_, kNow + 61);
  const auto to_owner = bob_->single_chat(owner_->fingerprint(), kNow).value();
  const std::string list_id = "Daily News <" + chat_of(owner_, channel_).grpid + ">";
  auto draft = [&](std::int64_t now) {
    Account::Draft d;
    d.chat_id = to_owner;
    d.now = now;
    d.hidden = true;
    d.headers.push_back({"Chat-List-ID", list_id});
    return d;
  };

  auto text = draft(kNow + 70);
  text.root = mime::text_part("hello owner");
  auto fx = pass(bob_->build(text).value(), owner_, kNow + 71);
  EXPECT_EQ(fx.dropped, "channel: message from a subscriber ignored (channels are one-way)");
  EXPECT_TRUE(fx.events.empty());

  auto reaction = draft(kNow + 72);
  reaction.root = mime::text_part("\U0001F44D");
  reaction.leading_headers.push_back({"Content-Disposition", "reaction"});
  reaction.in_reply_to = post.rfc724_mid;
  fx = pass(bob_->build(reaction).value(), owner_, kNow + 73);
  const auto* r = find_event<ReactionEvent>(fx);
  ASSERT_NE(r, nullptr) << fx.dropped;
  EXPECT_EQ(r->chat_id, channel_);
  EXPECT_EQ(r->target_mid, post.rfc724_mid);
  EXPECT_EQ(r->sender_fpr, bob_->fingerprint());

  // Carol is no subscriber: her reaction is refused.
  const auto carol_to_owner = testing::introduce(carol_, owner_, kNow);
  auto foreign = reaction;
  foreign.chat_id = carol_to_owner;
  fx = pass(carol_->build(foreign).value(), owner_, kNow + 74);
  EXPECT_EQ(fx.dropped, "channel message from a non-subscriber");

  auto leave = draft(kNow + 75);
  leave.root = mime::text_part("You left the channel.");
  leave.headers.push_back({"Chat-Group-Member-Removed", bob_->profile().addr});
  leave.headers.push_back({"Chat-Group-Member-Removed-Fpr", bob_->fingerprint()});
  fx = pass(bob_->build(leave).value(), owner_, kNow + 76);
  EXPECT_EQ(fx.dropped, "channel system message: subscriber left");
  const auto* left = find_event<ChannelSubscriberEvent>(fx);
  ASSERT_NE(left, nullptr);
  EXPECT_FALSE(left->subscribed);
  EXPECT_EQ(left->fingerprint, bob_->fingerprint());
  EXPECT_TRUE(channel_subscribers(*owner_.account, channel_).value().empty());
}

TEST_F(Channels, PostingWithoutSubscribersFails) {
  SendOptions options;
  options.now = kNow + 1;
  EXPECT_EQ(owner_->build_text(channel_, "nobody here", options).error().code,
            Errc::InvalidArgument);
}

TEST_F(Channels, NonSubscriberCannotReadPosts) {
  join(bob_, false);
  SendOptions options;
  options.now = kNow + 60;
  const auto post = owner_->build_text(channel_, "members only", options).value();
  auto fx = pass(post, carol_);
  EXPECT_EQ(fx.dropped, "decryption failed");
}

TEST_F(Channels, PostWithAnotherChannelsSecretIsRefused) {
  // Bob subscribes to two channels of the same owner; a post that names the second one but is
  // encrypted with the first one's secret must not be accepted (the engine tries every secret).
  const auto bob_first = join(bob_, false);
  const std::string first_secret = secret_;
  channel_ = create_channel(*owner_.account, "Daily News", kNow).value();
  const auto bob_second = join(bob_, false);
  ASSERT_NE(bob_first, bob_second);
  auto stmt = owner_.db->cached("UPDATE chat_channel_secrets SET secret = ? WHERE chat_id = ?");
  ASSERT_TRUE(stmt.has_value());
  ASSERT_TRUE((*stmt)->bind_all(first_secret, channel_).has_value());
  ASSERT_TRUE((*stmt)->run().has_value());
  SendOptions options;
  options.now = kNow + 60;
  const auto post = owner_->build_text(channel_, "crossed", options).value();
  auto fx = pass(post, bob_);
  EXPECT_EQ(fx.dropped, "channel post not encrypted with the channel secret");
  EXPECT_EQ(find_event<MessageEvent>(fx), nullptr);
}

TEST_F(Channels, RemovedSubscriberStopsReceiving) {
  const auto bob_chat = join(bob_, false);
  join(carol_, false);
  const auto removal =
      build_remove_subscriber(*owner_.account, channel_, bob_->fingerprint(), kNow + 30).value();
  EXPECT_EQ(removal.recipients, std::vector<std::string>{bob_->profile().addr});
  auto fx = pass(removal, bob_, kNow + 31);
  EXPECT_EQ(fx.dropped, "channel system message: removed");
  const auto* left = find_event<ChannelJoinedEvent>(fx);
  ASSERT_NE(left, nullptr);
  EXPECT_FALSE(left->joined);
  EXPECT_FALSE(channel_secret(*bob_.db, bob_chat).value().has_value());
  EXPECT_TRUE(chat_of(bob_, bob_chat).has_left);

  SendOptions options;
  options.now = kNow + 60;
  const auto post = owner_->build_text(channel_, "after removal", options).value();
  EXPECT_EQ(post.recipients, std::vector<std::string>{carol_->profile().addr});
  EXPECT_EQ(pass(post, bob_, kNow + 61).dropped, "decryption failed");
  EXPECT_NE(find_event<MessageEvent>(pass(post, carol_, kNow + 61)), nullptr);
  EXPECT_EQ(build_remove_subscriber(*owner_.account, channel_, bob_->fingerprint(), kNow + 70)
                .error()
                .code,
            Errc::InvalidArgument);
}

TEST_F(Channels, RepeatedJoinResendsMemberAddedWithoutNewEvent) {
  join(bob_, false);
  // Bob scans again (e.g. reinstalled): the owner answers again, no second subscriber event.
  const std::string link = make_channel_invite_link(*owner_.account, channel_, kNow).value();
  auto start = start_join(*bob_.account, link, kNow + 100).value();
  auto fx = pass(only_mail(start.effects), owner_, kNow + 101);
  fx = pass(only_mail(fx), bob_, kNow + 102);
  fx = pass(only_mail(fx), owner_, kNow + 103);
  EXPECT_EQ(fx.outgoing.size(), 1u);
  EXPECT_EQ(find_event<ChannelSubscriberEvent>(fx), nullptr);
  EXPECT_EQ(channel_subscribers(*owner_.account, channel_).value().size(), 1u);
}

TEST_F(Channels, UnknownChannelMailIsDropped) {
  // Carol never scanned the link: the owner's member-added for Bob, even if it reached her,
  // names neither her nor a channel she knows.
  OutgoingMail added;
  join(bob_, false, &added);
  auto fx = pass(added, carol_);
  EXPECT_TRUE(fx.is_dropped());
  EXPECT_EQ(find_event<ChannelJoinedEvent>(fx), nullptr);
}

}  // namespace
}  // namespace dcbot::chat
