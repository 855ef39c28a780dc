// SPDX-License-Identifier: MIT
#include "chat/securejoin.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "chat/contacts.h"
#include "chat/invite.h"
#include "chat/test_loop.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/runtime_tables.h"

// SecureJoin between two dcbot accounts (mails moved by hand) and against the mails the real core
// 2.62 recorded (tests/data/core-2.62 01-04, 15-19). PROTOCOL.md §5.
namespace dcbot::chat {
namespace {

using testing::load_fixture;
using testing::open_mail;
using testing::Opened;
using testing::Peer;

constexpr std::int64_t kNow = 1795395800;  // 2026-11-23, the day the vectors were recorded.

Peer make_sj_peer(const std::string& fixture, const std::string& name, bool bot,
                  SecureJoinOptions options = {}) {
  return testing::make_hooked_peer(fixture, name, bot, kNow, {.securejoin = options});
}

std::string step_of(const Opened& o) {
  return o.inner.headers.value("Secure-Join").value_or("");
}

const ContactVerifiedEvent* verified_event(const Effects& fx) {
  for (const auto& ev : fx.events) {
    if (const auto* v = std::get_if<ContactVerifiedEvent>(&ev)) {
      return v;
    }
  }
  return nullptr;
}

store::Contact contact_of(Peer& peer, const std::string& fpr) {
  auto c = store::Contacts(*peer.db).get(fpr).value();
  if (!c) {
    throw std::runtime_error("no contact " + fpr);
  }
  return *c;
}

bool is_verified_by(Peer& peer, Peer& other) {
  auto c = store::Contacts(*peer.db).get(other->fingerprint()).value();
  return c && c->verified == store::VerifiedState::Verified
         && c->verifier_fingerprint == peer->fingerprint();
}

const OutgoingMail& only_mail(const Effects& fx) {
  EXPECT_EQ(fx.outgoing.size(), 1u) << fx.dropped;
  if (fx.outgoing.size() != 1) {
    throw std::runtime_error("expected one mail; dropped: " + fx.dropped);
  }
  return fx.outgoing.front();
}

Effects deliver_at(const OutgoingMail& mail, Peer& to, std::int64_t now) {
  return to->receive(mail.raw, now).value();
}

Effects deliver(const OutgoingMail& mail, Peer& to) {
  return deliver_at(mail, to, kNow + 5);
}

class SecureJoinLoop : public ::testing::TestWithParam<bool> {};

// A complete 1:1 join: `joiner` scans `inviter`'s link. Checks every step's shape on the way.
void run_join(Peer& inviter, Peer& joiner, bool legacy) {
  InviteLinkOptions link_options;
  link_options.legacy = legacy;
  const std::string link = make_invite_link(*inviter.account, kNow, link_options).value();
  EXPECT_EQ(link.find("&v=3") != std::string::npos, !legacy);
  auto start = start_join(*joiner.account, link, kNow).value();
  EXPECT_FALSE(start.shortcut);
  const OutgoingMail request = only_mail(start.effects);
  EXPECT_EQ(request.recipients, std::vector<std::string>{inviter->profile().addr});
  EXPECT_EQ(pending_joins(*joiner.db).value().size(), 1u);

  // Step 1 -> 2: vc-request-pubkey / vc-request answered by vc-pubkey / vc-auth-required.
  Effects at_inviter = deliver(request, inviter);
  const OutgoingMail answer = only_mail(at_inviter);
  EXPECT_EQ(answer.recipients, std::vector<std::string>{joiner->profile().addr});
  const auto auth = parse_invite(link).value().auth;
  Opened opened =
      legacy ? open_mail(answer, &joiner->key())
             : open_mail(answer, nullptr, "securejoin/" + inviter->fingerprint() + "/" + auth);
  EXPECT_EQ(step_of(opened), legacy ? "vc-auth-required" : "vc-pubkey");
  EXPECT_EQ(opened.symmetric, !legacy);
  EXPECT_GT(opened.signatures, 0u);
  // §5.3: no display name before the auth step.
  EXPECT_EQ(mime::parse_mailbox(*opened.inner.headers.raw("From")).value().name, "");

  // Step 2 -> 3: the joiner verifies the inviter and sends its AUTH.
  Effects at_joiner = deliver(answer, joiner);
  const OutgoingMail with_auth = only_mail(at_joiner);
  EXPECT_TRUE(is_verified_by(joiner, inviter));
  Opened auth_mail = open_mail(with_auth, &inviter->key());
  EXPECT_EQ(step_of(auth_mail), "vc-request-with-auth");
  EXPECT_EQ(auth_mail.inner.headers.value("Secure-Join-Auth"), auth);
  EXPECT_EQ(auth_mail.inner.headers.value("Secure-Join-Fingerprint"), joiner->fingerprint());
  EXPECT_TRUE(auth_mail.inner.headers.has("Autocrypt-Gossip"));

  // Step 3 -> 4: the inviter verifies the joiner and confirms.
  Effects done_inviter = deliver(with_auth, inviter);
  const OutgoingMail confirm = only_mail(done_inviter);
  const auto* ev = verified_event(done_inviter);
  ASSERT_NE(ev, nullptr) << done_inviter.dropped;
  EXPECT_EQ(ev->fingerprint, joiner->fingerprint());
  EXPECT_TRUE(is_verified_by(inviter, joiner));
  auto chat = store::Chats(*inviter.db).get(ev->chat_id).value();
  ASSERT_TRUE(chat);
  EXPECT_FALSE(chat->blocked);
  EXPECT_EQ(step_of(open_mail(confirm, &joiner->key())), "vc-contact-confirm");

  // Step 4: the joiner is done.
  Effects done_joiner = deliver(confirm, joiner);
  const auto* ev2 = verified_event(done_joiner);
  ASSERT_NE(ev2, nullptr) << done_joiner.dropped;
  EXPECT_EQ(ev2->fingerprint, inviter->fingerprint());
  EXPECT_EQ(ev2->chat_id, start.chat_id);
  EXPECT_TRUE(pending_joins(*joiner.db).value().empty());
  EXPECT_TRUE(done_joiner.outgoing.empty());

  // Afterwards they chat in the verified 1:1 chat.
  SendOptions send;
  send.now = kNow + 20;
  auto text = joiner->build_text(start.chat_id, "hello", send).value();
  Effects msg = deliver_at(text, inviter, kNow + 21);
  ASSERT_EQ(msg.events.size(), 1u) << msg.dropped;
  const auto& m = std::get<MessageEvent>(msg.events[0]);
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(m.chat_id, ev->chat_id);
}

TEST_P(SecureJoinLoop, UserJoinsBot) {
  Peer bot = make_sj_peer("alice", "Echo Bot", true);
  Peer user = make_sj_peer("bob", "Bob", false);
  run_join(bot, user, GetParam());
}

TEST_P(SecureJoinLoop, BotJoinsUser) {
  Peer bot = make_sj_peer("botty", "Echo Bot", true);
  Peer user = make_sj_peer("carol", "Carol", false);
  run_join(user, bot, GetParam());
}

std::string flow_name(const ::testing::TestParamInfo<bool>& flow) {
  return flow.param ? "Legacy" : "V3";
}

INSTANTIATE_TEST_SUITE_P(V3AndLegacy, SecureJoinLoop, ::testing::Values(false, true), flow_name);

TEST(SecureJoin, BotStepsCarryAutoSubmitted) {
  Peer bot = make_sj_peer("botty", "Bot", true);
  Peer user = make_sj_peer("carol", "Carol", false);
  const std::string link = make_invite_link(*user.account, kNow).value();
  auto start = start_join(*bot.account, link, kNow).value();
  const auto auth = parse_invite(link).value().auth;
  Opened o = open_mail(only_mail(start.effects), nullptr,
                       "securejoin/" + user->fingerprint() + "/" + auth);
  EXPECT_EQ(o.signatures, 0u);
  EXPECT_EQ(step_of(o), "vc-request-pubkey");
  EXPECT_EQ(o.inner.headers.value("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(o.inner.headers.value("Subject"), "Secure-Join");
  EXPECT_FALSE(o.inner.headers.has("Autocrypt"));
  EXPECT_FALSE(o.inner.headers.has("Chat-Version"));
  const auto outer = mime::parse(only_mail(start.effects).raw).value();
  EXPECT_FALSE(outer.headers.has("Chat-Version"));
}

TEST(SecureJoin, InviteNumberIsReusedAuthIsNewUnlessFixed) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  const auto a = parse_invite(make_invite_link(*bot.account, kNow).value()).value();
  const auto b = parse_invite(make_invite_link(*bot.account, kNow + 1).value()).value();
  InviteLinkOptions fixed;
  fixed.reuse_auth = true;
  const auto c = parse_invite(make_invite_link(*bot.account, kNow + 2, fixed).value()).value();
  EXPECT_EQ(a.invitenumber, b.invitenumber);
  EXPECT_NE(a.auth, b.auth);
  EXPECT_EQ(c.auth, b.auth);
  EXPECT_EQ(a.fingerprint, bot->fingerprint());
  EXPECT_EQ(a.name, "Bot");
  // Every AUTH handed out stays valid (the passwords of the v3 step).
  EXPECT_EQ(securejoin_passwords(*bot.db).value().size(), 2u);
}

// A peer with a key generated like the core's: its `relays@chatmail.at` notation lists the address
// (the recorded fixture keys were exported without it).
Peer make_generated_peer(const std::string& addr, const std::string& name, bool bot) {
  Peer p;
  p.db = std::make_unique<store::Db>(store::open_store(":memory:").value());
  p.account = std::make_unique<Account>(Account::open(*p.db).value());
  Profile profile;
  profile.addr = addr;
  profile.display_name = name;
  profile.bot = bot;
  p->set_profile(profile).value();
  p->ensure_key(kNow).value();
  ensure_securejoin_schema(*p.db).value();
  Hooks hooks;
  install_securejoin(hooks, *p.db);
  p->set_hooks(std::move(hooks));
  return p;
}

TEST(SecureJoin, NoShortcutWithoutRelayNotation) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  Peer user = make_sj_peer("bob", "Bob", false);
  testing::introduce(user, bot, kNow);  // Known key, but no relay notation in it.
  auto start = start_join(*user.account, make_invite_link(*bot.account, kNow).value(), kNow);
  ASSERT_TRUE(start);
  EXPECT_FALSE(start->shortcut);
  auto o =
      open_mail(only_mail(start->effects), nullptr, securejoin_passwords(*user.db).value().front());
  EXPECT_EQ(step_of(o), "vc-request-pubkey");
}

TEST(SecureJoin, ShortcutWhenInviterKeyAndRelaysAreKnown) {
  Peer bot = make_generated_peer("echo@relay.test", "Bot", true);
  Peer user = make_generated_peer("user@relay.test", "User", false);
  testing::introduce(user, bot, kNow);  // The user has the bot's key, whose notation lists it.
  const std::string link = make_invite_link(*bot.account, kNow).value();
  auto start = start_join(*user.account, link, kNow).value();
  ASSERT_TRUE(start.shortcut);
  EXPECT_TRUE(is_verified_by(user, bot));
  Opened o = open_mail(only_mail(start.effects), &bot->key());
  EXPECT_EQ(step_of(o), "vc-request-with-auth");
  Effects at_bot = deliver(only_mail(start.effects), bot);
  ASSERT_NE(verified_event(at_bot), nullptr) << at_bot.dropped;
  Effects at_user = deliver(only_mail(at_bot), user);
  ASSERT_NE(verified_event(at_user), nullptr) << at_user.dropped;
}

TEST(SecureJoin, WrongAuthCannotEvenBeDecrypted) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  Peer user = make_sj_peer("bob", "Bob", false);
  auto invite = parse_invite(make_invite_link(*bot.account, kNow).value()).value();
  invite.auth = generate_token();
  auto start = start_join(*user.account, format_invite(invite), kNow).value();
  Effects fx = deliver(only_mail(start.effects), bot);
  EXPECT_TRUE(fx.outgoing.empty());
  EXPECT_EQ(fx.dropped, "decryption failed");
}

TEST(SecureJoin, LegacyUnknownInvitenumberIsIgnored) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  Peer user = make_sj_peer("bob", "Bob", false);
  InviteLinkOptions legacy;
  legacy.legacy = true;
  auto invite = parse_invite(make_invite_link(*bot.account, kNow, legacy).value()).value();
  invite.invitenumber = generate_token();
  auto start = start_join(*user.account, format_invite(invite), kNow).value();
  Effects fx = deliver(only_mail(start.effects), bot);
  EXPECT_TRUE(fx.outgoing.empty());
  EXPECT_EQ(fx.dropped, "securejoin: vc-request: unknown invitenumber");
}

// A step signed by someone else than the link's fingerprint never verifies anybody: Carol answers
// a legacy link that names Alice's fingerprint but Carol's address.
TEST(SecureJoin, AuthRequiredSignedByWrongKeyIsIgnored) {
  Peer alice = make_sj_peer("alice", "Alice", true);
  Peer carol = make_sj_peer("carol", "Carol", false);
  Peer bob = make_sj_peer("bob", "Bob", false);
  InviteLinkOptions legacy;
  legacy.legacy = true;
  auto carols = parse_invite(make_invite_link(*carol.account, kNow, legacy).value()).value();
  auto forged = carols;
  forged.fingerprint = alice->fingerprint();
  auto start = start_join(*bob.account, format_invite(forged), kNow).value();
  Effects at_carol = deliver(only_mail(start.effects), carol);
  Effects at_bob = deliver(only_mail(at_carol), bob);
  EXPECT_TRUE(at_bob.outgoing.empty());
  EXPECT_EQ(at_bob.dropped, "securejoin: vc-auth-required: no pending join for this key");
  auto c = store::Contacts(*bob.db).get(carol->fingerprint()).value();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verified, store::VerifiedState::Unverified);
}

// Hand-made vc-request-with-auth variants built with the chat engine's own builder (signed,
// encrypted to Alice) that must all be ignored by the inviter.
class RequestWithAuthVariants : public ::testing::Test {
 protected:
  void SetUp() override {
    bot_ = make_sj_peer("alice", "Bot", true);
    user_ = make_sj_peer("bob", "Bob", false);
    auth_ = parse_invite(make_invite_link(*bot_.account, kNow).value()).value().auth;
    chat_ = testing::introduce(user_, bot_, kNow);
  }

  Effects send(std::vector<mime::HeaderField> headers, bool gossip,
               std::int64_t receive_at = kNow + 5) {
    Account::Draft d;
    d.chat_id = chat_;
    d.now = kNow + 1;
    d.hidden = true;
    d.compress = false;
    d.root = mime::text_part("Secure-Join: vc-request-with-auth");
    d.headers = std::move(headers);
    if (gossip) {
      d.headers.push_back(
          {"Autocrypt-Gossip", mime::autocrypt_value(bot_->profile().addr,
                                                     bot_->key().certificate().serialize(), true)});
    }
    auto mail = user_->build(d).value();
    return deliver_at(mail, bot_, receive_at);
  }

  std::vector<mime::HeaderField> good_headers() {
    return {{"Secure-Join", "vc-request-with-auth"},
            {"Secure-Join-Auth", auth_},
            {"Secure-Join-Fingerprint", user_->fingerprint()}};
  }

  void expect_ignored(const Effects& fx, const std::string& reason) {
    EXPECT_TRUE(fx.outgoing.empty());
    EXPECT_EQ(verified_event(fx), nullptr);
    EXPECT_EQ(fx.dropped, reason);
    auto c = store::Contacts(*bot_.db).get(user_->fingerprint()).value();
    EXPECT_TRUE(!c || c->verified == store::VerifiedState::Unverified);
  }

  Peer bot_;
  Peer user_;
  std::string auth_;
  std::int64_t chat_ = 0;
};

TEST_F(RequestWithAuthVariants, WellFormedOneVerifies) {
  Effects fx = send(good_headers(), true);
  ASSERT_NE(verified_event(fx), nullptr) << fx.dropped;
  EXPECT_EQ(fx.outgoing.size(), 1u);
}

// The joiner's Date header claims a time within the AUTH's validity; what counts is when we
// received the mail.
TEST_F(RequestWithAuthVariants, BackdatedMailDoesNotRefreshAnOldAuth) {
  Effects fx = send(good_headers(), true, kNow + kVerificationTimeout + 100);
  EXPECT_EQ(fx.outgoing.size(), 1u) << fx.dropped;
  EXPECT_EQ(verified_event(fx), nullptr);
  auto c = store::Contacts(*bot_.db).get(user_->fingerprint()).value();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verified, store::VerifiedState::Unverified);
}

TEST_F(RequestWithAuthVariants, MissingSelfGossipIsIgnored) {
  expect_ignored(send(good_headers(), false),
                 "securejoin: vc-request-with-auth: no gossip of our own key");
}

TEST_F(RequestWithAuthVariants, WrongAuthIsIgnored) {
  auto h = good_headers();
  h[1].raw = generate_token();
  expect_ignored(send(h, true), "securejoin: vc-request-with-auth: unknown auth");
}

TEST_F(RequestWithAuthVariants, FingerprintOfAnotherKeyIsIgnored) {
  auto h = good_headers();
  h[2].raw = load_fixture("carol").key.certificate().fingerprint_hex();
  expect_ignored(send(h, true),
                 "securejoin: vc-request-with-auth: not signed by secure-join-fingerprint");
}

TEST_F(RequestWithAuthVariants, MissingFingerprintIsIgnored) {
  auto h = good_headers();
  h.pop_back();
  expect_ignored(send(h, true), "securejoin: vc-request-with-auth: no secure-join-fingerprint");
}

TEST_F(RequestWithAuthVariants, BlockedContactIsIgnored) {
  // Alice learns Bob's key from a first, harmless mail, then blocks him.
  testing::introduce(bot_, user_, kNow);
  store::Contacts(*bot_.db).set_blocked(user_->fingerprint(), true).value();
  expect_ignored(send(good_headers(), true), "securejoin: vc-request-with-auth: blocked contact");
}

TEST_F(RequestWithAuthVariants, UnsignedMailNeverReachesTheHook) {
  std::string inner = "From: <" + user_->profile().addr + ">\r\nSecure-Join: vc-request-with-auth"
                      "\r\nSecure-Join-Auth: " + auth_ + "\r\nSecure-Join-Fingerprint: "
                      + user_->fingerprint() + "\r\n\r\nSecure-Join: vc-request-with-auth\r\n";
  const pgp::Certificate* to[] = {&bot_->key().certificate()};
  auto enc = pgp::encrypt_to(as_bytes(inner), to, nullptr, {}).value();
  mime::OuterHeaders outer;
  outer.from_addr = user_->profile().addr;
  outer.date = kNow;
  outer.message_id = "unsigned-1@localhost";
  const std::string raw = mime::build_encrypted_message(
      outer, pgp::armor_encode(enc, pgp::ArmorKind::Message), "b0undary");
  Effects fx = bot_->receive(as_bytes(raw), kNow + 2).value();
  EXPECT_TRUE(fx.outgoing.empty());
  EXPECT_EQ(fx.dropped, "unsigned");
}

TEST_F(RequestWithAuthVariants, TamperedCiphertextIsDropped) {
  Account::Draft d;
  d.chat_id = chat_;
  d.now = kNow + 1;
  d.hidden = true;
  d.compress = false;
  d.root = mime::text_part("Secure-Join: vc-request-with-auth");
  d.headers = good_headers();
  auto mail = user_->build(d).value();
  // Flip one base64 character well inside the armored SEIPD body.
  std::string raw = to_string(mail.raw);
  const auto at = raw.find("-----BEGIN PGP MESSAGE-----") + 200;
  raw[at] = raw[at] == 'A' ? 'B' : 'A';
  Effects fx = bot_->receive(as_bytes(raw), kNow + 2).value();
  EXPECT_TRUE(fx.outgoing.empty());
  EXPECT_EQ(verified_event(fx), nullptr);
  EXPECT_TRUE(fx.is_dropped());
}

TEST(SecureJoin, OldAuthCompletesButDoesNotVerify) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  Peer user = make_sj_peer("bob", "Bob", false);
  const std::string link = make_invite_link(*bot.account, kNow).value();
  const std::int64_t later = kNow + kVerificationTimeout + 100;
  auto start = start_join(*user.account, link, later).value();
  Effects a =
      user->receive(only_mail(bot->receive(only_mail(start.effects).raw, later).value()).raw, later)
          .value();
  Effects at_bot = bot->receive(only_mail(a).raw, later).value();
  EXPECT_EQ(at_bot.outgoing.size(), 1u);       // Still confirmed (the join completes)...
  EXPECT_EQ(verified_event(at_bot), nullptr);  // ...but the joiner is not verified.
  EXPECT_FALSE(is_verified_by(bot, user));
}

TEST(SecureJoin, OwnLinkIsRefusedGroupAndChannelLinksStart) {
  Peer bot = make_sj_peer("alice", "Bot", true);
  const std::string own = make_invite_link(*bot.account, kNow).value();
  EXPECT_EQ(start_join(*bot.account, own, kNow).error().code, Errc::InvalidArgument);
  // Group and channel links start a join (group_test.cpp and channel_test.cpp run them to the
  // end); a channel join returns the channel's chat, created up front.
  const std::string group = testing::read_file(testing::data_dir() / "group-invite.txt");
  Peer user = make_sj_peer("bob", "Bob", false);
  auto started = start_join(*user.account, group, kNow);
  ASSERT_TRUE(started.has_value());
  ASSERT_EQ(started->effects.outgoing.size(), 1u);
  Invite channel = parse_invite(group).value();
  channel.kind = InviteKind::Channel;
  channel.grpid = "ChannelIdAbcdefghijklmn";
  auto joined = start_join(*user.account, format_invite(channel), kNow);
  ASSERT_TRUE(joined.has_value());
  ASSERT_EQ(joined->effects.outgoing.size(), 1u);
  auto chat = store::Chats(*user.db).get(joined->chat_id).value();
  ASSERT_TRUE(chat.has_value());
  EXPECT_EQ(chat->type, store::ChatType::BroadcastIn);
  EXPECT_EQ(chat->grpid, channel.grpid);
}

// ---- The recorded core-2.62 handshakes.

constexpr std::int64_t kRecorded = 1795396500;  // Shortly after the recording (23 Nov 2026).
constexpr const char* kAliceInvitenumber = "pktrLzSY3w4UMFzTIqHkGXdR";
constexpr const char* kAliceAuth = "Dcru6pdWcbYerkAymWQP6XTt";

Bytes recorded_mail(const std::string& prefix) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) == 0) {
      return to_bytes(testing::read_file(entry.path()));
    }
  }
  throw std::runtime_error("no recorded mail " + prefix);
}

std::string alice_password() {
  return "securejoin/" + load_fixture("alice").key.certificate().fingerprint_hex() + "/"
         + kAliceAuth;
}

// Alice's account with the tokens of alice-invite.txt, as the real core stored them.
Peer recorded_alice() {
  Peer alice = make_sj_peer("alice", "alice", false);
  store::SecureJoinTokens tokens(*alice.db);
  tokens.add({store::TokenKind::InviteNumber, kAliceInvitenumber, "", kRecorded - 600}).value();
  tokens.add({store::TokenKind::Auth, kAliceAuth, "", kRecorded - 600}).value();
  return alice;
}

void inviter_answers_recorded_joiner(const std::string& joiner, const std::string& request,
                                     const std::string& with_auth) {
  Peer alice = recorded_alice();
  const auto joiner_key = load_fixture(joiner).key;
  const std::string joiner_fpr = joiner_key.certificate().fingerprint_hex();

  Effects fx = alice->receive(recorded_mail(request), kRecorded).value();
  const OutgoingMail& pubkey = only_mail(fx);
  EXPECT_EQ(pubkey.recipients, std::vector<std::string>{load_fixture(joiner).addr});
  Opened o = open_mail(pubkey, nullptr, alice_password());
  EXPECT_EQ(step_of(o), "vc-pubkey");
  EXPECT_GT(o.signatures, 0u);
  EXPECT_EQ(o.inner.headers.value("Secure-Join-Auth"), kAliceAuth);
  EXPECT_TRUE(o.inner.headers.has("Autocrypt"));

  Effects done = alice->receive(recorded_mail(with_auth), kRecorded).value();
  const auto* ev = verified_event(done);
  ASSERT_NE(ev, nullptr) << done.dropped;
  EXPECT_EQ(ev->fingerprint, joiner_fpr);
  const auto contact = contact_of(alice, joiner_fpr);
  EXPECT_EQ(contact.verified, store::VerifiedState::Verified);
  EXPECT_EQ(contact.verifier_fingerprint, alice->fingerprint());
  Opened confirm = open_mail(only_mail(done), &joiner_key);
  EXPECT_EQ(step_of(confirm), "vc-contact-confirm");
  auto gossip = confirm.inner.headers.value("Autocrypt-Gossip").value_or("");
  EXPECT_EQ(gossip.rfind("addr=" + load_fixture(joiner).addr + "; keydata=", 0), 0u) << gossip;
}

TEST(SecureJoinRecorded, AliceAnswersBobsSteps) {
  inviter_answers_recorded_joiner("bob", "01", "03");
}

TEST(SecureJoinRecorded, AliceAnswersBottysSteps) {
  inviter_answers_recorded_joiner("botty", "15", "17");
}

void joiner_follows_recorded_inviter(const std::string& joiner, bool bot, const std::string& pubkey,
                                     const std::string& confirm) {
  Peer me = make_sj_peer(joiner, joiner, bot);
  const auto alice_key = load_fixture("alice").key;
  const std::string link = testing::read_file(testing::data_dir() / "alice-invite.txt");
  auto start = start_join(*me.account, link, kRecorded).value();
  Opened request = open_mail(only_mail(start.effects), nullptr, alice_password());
  EXPECT_EQ(step_of(request), "vc-request-pubkey");
  EXPECT_EQ(request.inner.headers.value("Secure-Join-Auth"), kAliceAuth);
  EXPECT_EQ(request.inner.headers.has("Auto-Submitted"), bot);

  Effects fx = me->receive(recorded_mail(pubkey), kRecorded).value();
  const OutgoingMail& with_auth = only_mail(fx);
  const auto alice = contact_of(me, alice_key.certificate().fingerprint_hex());
  EXPECT_EQ(alice.verified, store::VerifiedState::Verified);
  EXPECT_EQ(alice.display_name, "alice");
  Opened o = open_mail(with_auth, &alice_key);
  EXPECT_EQ(step_of(o), "vc-request-with-auth");
  EXPECT_EQ(o.inner.headers.value("Secure-Join-Fingerprint"), me->fingerprint());
  EXPECT_EQ(o.inner.headers.value("To"), "\"alice\" <alice396394105@relay.test>");

  Effects done = me->receive(recorded_mail(confirm), kRecorded).value();
  const auto* ev = verified_event(done);
  ASSERT_NE(ev, nullptr) << done.dropped;
  EXPECT_EQ(ev->fingerprint, alice_key.certificate().fingerprint_hex());
  EXPECT_EQ(ev->chat_id, start.chat_id);
  EXPECT_TRUE(pending_joins(*me.db).value().empty());
}

TEST(SecureJoinRecorded, BobFollowsAlicesSteps) {
  joiner_follows_recorded_inviter("bob", false, "02", "04");
}

TEST(SecureJoinRecorded, BottyFollowsAlicesSteps) {
  joiner_follows_recorded_inviter("botty", true, "16", "19");
}

TEST(SecureJoinRecorded, ConfirmWithoutPendingJoinIsIgnored) {
  Peer bob = make_sj_peer("bob", "bob", false);
  // Bob never scanned the link: alice's vc-pubkey cannot even be decrypted, and her confirm is
  // not for a join of his.
  Effects a = bob->receive(recorded_mail("02"), kRecorded).value();
  EXPECT_EQ(a.dropped, "decryption failed");
  Effects b = bob->receive(recorded_mail("04"), kRecorded).value();
  EXPECT_EQ(b.dropped, "securejoin: vc-contact-confirm: no pending join for this key");
  EXPECT_EQ(verified_event(b), nullptr);
}

}  // namespace
}  // namespace dcbot::chat
