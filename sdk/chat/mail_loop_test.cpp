// SPDX-License-Identifier: MIT
#include <optional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "chat/account.h"
#include "chat/contacts.h"
#include "chat/mdn.h"
#include "chat/test_loop.h"
#include "mime/builder.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/mailbox.h"
#include "store/messages.h"

// Two accounts talking through MailLoop-style delivery: everything an echo bot relies on, and
// every mail that must be dropped (PROTOCOL.md §1.6, §9).
namespace dcbot::chat {
namespace {

using testing::deliver;
using testing::introduce;
using testing::load_fixture;
using testing::make_peer;
using testing::Peer;

constexpr std::int64_t kNow = 1795395800;

template <class T>
const T& only_event(const Effects& fx) {
  EXPECT_EQ(fx.events.size(), 1u) << fx.dropped;
  if (fx.events.size() != 1 || !std::holds_alternative<T>(fx.events[0])) {
    throw std::runtime_error("unexpected events; dropped: " + fx.dropped);
  }
  return std::get<T>(fx.events[0]);
}

class MailLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_fixture_ = std::make_unique<testing::Fixture>(load_fixture("alice"));
    bob_fixture_ = std::make_unique<testing::Fixture>(load_fixture("bob"));
    alice_ = make_peer(*alice_fixture_, "Alice Bot", true, kNow);
    bob_ = make_peer(*bob_fixture_, "Bob", false, kNow);
    alice_chat_ = introduce(alice_, bob_, kNow);
  }

  // Alice writes to Bob, who has never seen her key: he learns it from the protected Autocrypt
  // header of the signed mail.
  OutgoingMail alice_says(std::string_view text, SendOptions options = {}) {
    if (options.now == 0) {
      options.now = kNow + 10;
    }
    return alice_->build_text(alice_chat_, text, options).value();
  }

  std::unique_ptr<testing::Fixture> alice_fixture_;
  std::unique_ptr<testing::Fixture> bob_fixture_;
  Peer alice_;
  Peer bob_;
  std::int64_t alice_chat_ = 0;
};

TEST_F(MailLoop, TextBothWaysWithUnicodeEmojiAndThreading) {
  const std::string text = "Grüße 👋 from Alice — ✓";
  auto mail = alice_says(text);
  EXPECT_EQ(mail.envelope_from, alice_->profile().addr);
  EXPECT_EQ(mail.recipients, std::vector<std::string>{bob_->profile().addr});
  auto fx = deliver(mail, bob_, kNow + 20);
  const auto& ev = only_event<MessageEvent>(fx);
  EXPECT_EQ(ev.text, text);
  EXPECT_EQ(ev.sender_fpr, alice_->fingerprint());
  EXPECT_EQ(ev.sender_addr, alice_->profile().addr);
  EXPECT_EQ(ev.sender_name, "Alice Bot");
  EXPECT_TRUE(ev.is_bot);
  EXPECT_FALSE(ev.verified);
  EXPECT_EQ(ev.rfc724_mid, mail.rfc724_mid);
  EXPECT_EQ(ev.timestamp, kNow + 10);
  EXPECT_TRUE(ev.in_reply_to.empty());
  auto contact = store::Contacts(*bob_.db).get(alice_->fingerprint()).value();
  ASSERT_TRUE(contact);
  EXPECT_TRUE(contact->is_bot);
  EXPECT_EQ(contact->display_name, "Alice Bot");

  SendOptions reply;
  reply.now = kNow + 30;
  auto answer = bob_->build_text(ev.chat_id, "Hallo zurück 🙂", reply).value();
  EXPECT_EQ(answer.recipients, std::vector<std::string>{alice_->profile().addr});
  auto back = deliver(answer, alice_, kNow + 40);
  const auto& ev2 = only_event<MessageEvent>(back);
  EXPECT_EQ(ev2.text, "Hallo zurück 🙂");
  EXPECT_EQ(ev2.chat_id, alice_chat_);
  EXPECT_EQ(ev2.in_reply_to, mail.rfc724_mid);
  EXPECT_FALSE(ev2.is_bot);  // Bob's profile is not a bot: no Auto-Submitted.
  EXPECT_EQ(store::Messages(*alice_.db).list(alice_chat_, 10).value().size(), 2u);
}

TEST_F(MailLoop, LongTextAndFooterBecomesStatus) {
  Profile p = alice_->profile();
  p.status = "I echo what you write";
  ASSERT_TRUE(alice_->set_profile(p));
  std::string text;
  while (text.size() < 10 * 1024) {
    text += "Zeile mit Ümlauten und Emoji 🚀 ";
    text += std::to_string(text.size());
    text += '\n';
  }
  text.pop_back();
  auto fx = deliver(alice_says(text), bob_, kNow + 20);
  EXPECT_EQ(only_event<MessageEvent>(fx).text, text);
  EXPECT_EQ(contact_status(*bob_.db, alice_->fingerprint()).value(), "I echo what you write");
}

TEST_F(MailLoop, AttachmentsKeepBytesAndNonAsciiNames) {
  SendOptions options;
  Bytes binary;
  for (int i = 0; i < 70000; ++i) {
    binary.push_back(static_cast<std::uint8_t>((i * 7919) & 0xff));
  }
  options.attachments.push_back(Attachment{"Größe résumé.bin", "", binary});
  options.attachments.push_back(Attachment{"../evil/notes.txt", "text/plain", to_bytes("a\r\nb")});
  auto fx = deliver(alice_says("two files", options), bob_, kNow + 20);
  const auto& ev = only_event<MessageEvent>(fx);
  EXPECT_EQ(ev.text, "two files");
  ASSERT_EQ(ev.attachments.size(), 2u);
  EXPECT_EQ(ev.attachments[0].filename, "Größe résumé.bin");
  EXPECT_EQ(ev.attachments[0].mime_type, "application/octet-stream");
  EXPECT_EQ(ev.attachments[0].data, binary);
  EXPECT_EQ(ev.attachments[1].filename, "notes.txt");
  EXPECT_EQ(ev.attachments[1].data, to_bytes("a\r\nb"));
}

TEST_F(MailLoop, ReactionEditAndDelete) {
  auto mail = alice_says("original text");
  auto fx = deliver(mail, bob_, kNow + 20);
  const auto bob_chat = only_event<MessageEvent>(fx).chat_id;

  auto reaction = bob_->build_reaction(bob_chat, mail.rfc724_mid, "👍", kNow + 30).value();
  EXPECT_EQ(reaction.message_id, 0);
  auto rfx = deliver(reaction, alice_, kNow + 31);
  const auto& r = only_event<ReactionEvent>(rfx);
  EXPECT_EQ(r.emoji, "👍");
  EXPECT_EQ(r.target_mid, mail.rfc724_mid);
  EXPECT_EQ(r.sender_fpr, bob_->fingerprint());
  EXPECT_EQ(r.chat_id, alice_chat_);

  auto edit = alice_->build_edit(alice_chat_, mail.rfc724_mid, "edited ✏ text", kNow + 40).value();
  auto efx = deliver(edit, bob_, kNow + 41);
  const auto& e = only_event<EditEvent>(efx);
  EXPECT_EQ(e.target_mid, mail.rfc724_mid);
  EXPECT_EQ(e.text, "edited ✏ text");
  EXPECT_EQ(efx.dropped, "edit request applied");
  auto row = store::Messages(*bob_.db).find_by_mid(mail.rfc724_mid).value();
  ASSERT_TRUE(row);
  EXPECT_EQ(row->text, "edited ✏ text");
  EXPECT_EQ(store::Messages(*alice_.db).find_by_mid(mail.rfc724_mid).value()->text,
            "edited ✏ text");

  // Bob cannot edit Alice's message.
  EXPECT_FALSE(bob_->build_edit(bob_chat, mail.rfc724_mid, "x", kNow + 42));

  auto del = alice_->build_delete(alice_chat_, mail.rfc724_mid, kNow + 50).value();
  auto dfx = deliver(del, bob_, kNow + 51);
  const auto& d = only_event<DeleteEvent>(dfx);
  EXPECT_EQ(d.target_mids, std::vector<std::string>{mail.rfc724_mid});
  EXPECT_EQ(d.message_ids.size(), 1u);
  EXPECT_FALSE(store::Messages(*bob_.db).find_by_mid(mail.rfc724_mid).value());
  EXPECT_FALSE(store::Messages(*alice_.db).find_by_mid(mail.rfc724_mid).value());
}

TEST_F(MailLoop, DuplicatesAreDropped) {
  auto mail = alice_says("once");
  EXPECT_EQ(deliver(mail, bob_, kNow + 20).events.size(), 1u);
  auto again = deliver(mail, bob_, kNow + 21);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.dropped, "duplicate message-id");
}

TEST_F(MailLoop, EphemeralTimerIsRememberedAndMirrored) {
  store::Chats alice_chats(*alice_.db);
  auto chat = alice_chats.get(alice_chat_).value().value();
  chat.ephemeral_timer = 3600;
  ASSERT_TRUE(alice_chats.update(chat));
  auto fx = deliver(alice_says("vanishing"), bob_, kNow + 20);
  const auto bob_chat = only_event<MessageEvent>(fx).chat_id;
  EXPECT_EQ(store::Chats(*bob_.db).get(bob_chat).value()->ephemeral_timer, 3600);
  SendOptions reply;
  reply.now = kNow + 30;
  auto answer = bob_->build_text(bob_chat, "ok", reply).value();
  chat.ephemeral_timer = 0;
  ASSERT_TRUE(alice_chats.update(chat));
  deliver(answer, alice_, kNow + 40);
  EXPECT_EQ(alice_chats.get(alice_chat_).value()->ephemeral_timer, 3600);
}

TEST_F(MailLoop, PreMessageJoinsItsPostMessage) {
  const std::string post_mid = "5511bec9-0000-4000-8000-000000000001@localhost";
  Account::Draft pre;
  pre.chat_id = alice_chat_;
  pre.now = kNow + 10;
  pre.root = mime::text_part("big file caption");
  pre.headers.push_back({"Chat-Post-Message-ID", "<" + post_mid + ">"});
  pre.headers.push_back(
      {"Chat-Post-Message-Metadata", R"({"size":200000,"viewtype":"File","filename":"big.bin"})"});
  pre.hidden = true;
  auto pre_fx = deliver(alice_->build(pre).value(), bob_, kNow + 20);
  EXPECT_TRUE(pre_fx.events.empty());
  EXPECT_EQ(pre_fx.dropped, "pre-message: waiting for post-message");

  Account::Draft post;
  post.chat_id = alice_chat_;
  post.now = kNow + 11;
  post.rfc724_mid = post_mid;
  post.post_message = true;
  const Bytes big(200000, 0x5a);
  std::vector<mime::Entity> parts;
  parts.push_back(mime::text_part(""));
  parts.push_back(mime::attachment_part("application/octet-stream", "big.bin", big));
  post.root = mime::multipart("mixed", std::move(parts), "b0undary-for-test");
  auto post_mail = alice_->build(post).value();
  EXPECT_NE(to_string(post_mail.raw).find("Chat-Is-Post-Message: 1"), std::string::npos);
  auto fx = deliver(post_mail, bob_, kNow + 21);
  const auto& ev = only_event<MessageEvent>(fx);
  EXPECT_EQ(ev.rfc724_mid, post_mid);
  EXPECT_EQ(ev.text, "big file caption");
  ASSERT_EQ(ev.attachments.size(), 1u);
  EXPECT_EQ(ev.attachments[0].data, big);
}

// --- mails that must be dropped ---------------------------------------------------------------

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  if (at != std::string::npos) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST_F(MailLoop, PlaintextAndGarbageAreDropped) {
  auto fx = bob_->receive(as_bytes("From: <alice@relay.test>\r\nTo: <bob@relay.test>\r\n"
                                   "Message-ID: <p1@x>\r\nSubject: hi\r\nChat-Version: 1.0\r\n\r\n"
                                   "hello"),
                          kNow)
                .value();
  EXPECT_EQ(fx.dropped, "not encrypted");
  EXPECT_TRUE(fx.events.empty());
  auto garbage = bob_->receive(as_bytes("\x01\x02 this is : not\r\n a mail\xff"), kNow).value();
  EXPECT_TRUE(garbage.is_dropped());
  auto empty = bob_->receive(ByteView{}, kNow).value();
  EXPECT_TRUE(empty.is_dropped());
  // The legacy SecureJoin request is recognised but needs the SecureJoin hook.
  auto sj = bob_->receive(as_bytes("From: <carol@relay.test>\r\nMessage-ID: <sj1@x>\r\n"
                                   "Secure-Join: vc-request\r\nSecure-Join-Invitenumber: abc\r\n"
                                   "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
                                   "Content-Type: text/plain\r\n\r\nSecure-Join: vc-request\r\n"
                                   "--B--\r\n"),
                          kNow)
                .value();
  EXPECT_EQ(sj.dropped, "securejoin request: no securejoin handler");
}

TEST_F(MailLoop, LegacySecureJoinRequestReachesTheHook) {
  bool called = false;
  Hooks hooks;
  hooks.securejoin = [&](Account&, const IncomingMail& in, Effects& fx) -> Result<bool> {
    called = true;
    EXPECT_FALSE(in.encrypted);
    EXPECT_EQ(in.from.addr, "carol@relay.test");
    EXPECT_EQ(in.headers->value("Secure-Join-Invitenumber"), "abc");
    fx.dropped = "securejoin: handled";
    return true;
  };
  bob_->set_hooks(hooks);
  auto sj = bob_->receive(as_bytes("From: <carol@relay.test>\r\nMessage-ID: <sj2@x>\r\n"
                                   "Secure-Join: vg-request\r\nSecure-Join-Invitenumber: abc\r\n"
                                   "\r\nSecure-Join: vg-request\r\n"),
                          kNow)
                .value();
  EXPECT_TRUE(called);
  EXPECT_EQ(sj.dropped, "securejoin: handled");
}

TEST_F(MailLoop, TamperedCiphertextIsDropped) {
  auto mail = alice_says("do not touch");
  auto root = mime::parse(mail.raw).value();
  const auto parts = mime::encrypted_parts(root).value();
  const std::string armored_text = to_string(parts.payload->body);
  auto armored = pgp::armor_decode(armored_text).value();
  armored.data[armored.data.size() - 40] ^= 0x01;
  const std::string forged = pgp::armor_encode(armored.data, pgp::ArmorKind::Message);
  std::string raw = to_string(mail.raw);
  const auto begin = raw.find("-----BEGIN PGP MESSAGE-----");
  const auto end =
      raw.find("-----END PGP MESSAGE-----") + std::string("-----END PGP MESSAGE-----\r\n").size();
  raw.replace(begin, end - begin, forged);
  auto fx = bob_->receive(as_bytes(raw), kNow + 20).value();
  EXPECT_EQ(fx.dropped, "decryption failed");
  EXPECT_TRUE(fx.events.empty());
  // The genuine mail is still accepted afterwards (the tampered copy did not mark it seen).
  EXPECT_EQ(deliver(mail, bob_, kNow + 21).events.size(), 1u);
}

// An encrypted mail around a hand-made inner part.
std::string wrap(std::string_view inner_from, ByteView ciphertext, std::string_view outer_from,
                 std::string_view mid) {
  mime::OuterHeaders outer;
  outer.from_addr = std::string(outer_from);
  outer.date = kNow;
  outer.message_id = std::string(mid);
  (void)inner_from;
  return mime::build_encrypted_message(
      outer, pgp::armor_encode(ciphertext, pgp::ArmorKind::Message), "bndry-test-123");
}

std::string inner_text(std::string_view from, std::string_view mid, std::string_view text) {
  return "From: <" + std::string(from) + ">\r\nMessage-ID: <" + std::string(mid)
         + ">\r\nDate: Mon, 23 Nov 2026 01:13:22 +0000\r\nChat-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"; "
           "hp=\"cipher\"\r\n\r\n"
         + std::string(text) + "\r\n";
}

TEST_F(MailLoop, UnsignedEncryptedMailIsDropped) {
  Hooks hooks;
  hooks.symmetric_passwords = [] {
    return std::vector<std::string>{"shared secret"};
  };
  bob_->set_hooks(hooks);
  const std::string from = alice_->profile().addr;
  auto ct = pgp::encrypt_symmetric(as_bytes(inner_text(from, "u1@localhost", "unsigned hi")),
                                   "shared secret", nullptr, {})
                .value();
  auto fx = bob_->receive(as_bytes(wrap(from, ct, from, "u1@localhost")), kNow).value();
  EXPECT_EQ(fx.dropped, "unsigned");
  // Unsigned with an outer From that differs from the inner one: forged (§1.6).
  auto ct2 = pgp::encrypt_symmetric(as_bytes(inner_text(from, "u2@localhost", "forged")),
                                    "shared secret", nullptr, {})
                 .value();
  auto fx2 =
      bob_->receive(as_bytes(wrap(from, ct2, "mallory@evil.test", "u2@localhost")), kNow).value();
  EXPECT_EQ(fx2.dropped, "forged from: unsigned mail with differing outer from");
}

std::string keyupdate_inner(const testing::Fixture& who, std::string_view mid) {
  // §1.8: the 2.62 keyupdate layout, unsigned, with the sender's protected Autocrypt header.
  return "From: <" + who.addr + ">\r\nMessage-ID: <" + std::string(mid) + ">\r\nAutocrypt: "
         + mime::autocrypt_value(who.addr, who.key.certificate().serialize())
         + "\r\nContent-Type: multipart/report; report-type=disposition-notification; "
           "protected-headers=\"v1\"; hp=\"cipher\"; boundary=\"K\"\r\n"
           "To: \"hidden-recipients\": ;\r\nSubject: Keyupdate\r\n\r\n--K\r\n"
           "Content-Type: text/plain; charset=\"utf-8\"\r\n\r\n"
           "This message updates the sender's encryption key and relay list.\r\n--K\r\n"
           "Content-Type: message/disposition-notification\r\n\r\n"
           "Disposition: automatic-action/MDN-sent-automatically; processed\r\n--K--\r\n";
}

TEST_F(MailLoop, UnsignedAsymmetricMailAndKeyupdates) {
  const pgp::Certificate* to[] = {&bob_->key().certificate()};
  const std::string from = alice_->profile().addr;
  auto ct = pgp::encrypt_to(as_bytes(inner_text(from, "a1@localhost", "no signature")), to, nullptr,
                            {false, static_cast<std::uint32_t>(kNow)})
                .value();
  auto fx = bob_->receive(as_bytes(wrap(from, ct, from, "a1@localhost")), kNow).value();
  EXPECT_EQ(fx.dropped, "unsigned");

  // A keyupdate for a key Bob does not know cannot introduce it.
  auto carol = load_fixture("carol");
  auto ct2 = pgp::encrypt_to(as_bytes(keyupdate_inner(carol, "k1@localhost")), to, nullptr,
                             {false, static_cast<std::uint32_t>(kNow)})
                 .value();
  auto fx2 =
      bob_->receive(as_bytes(wrap(carol.addr, ct2, carol.addr, "k1@localhost")), kNow).value();
  EXPECT_EQ(fx2.dropped, "keyupdate");
  EXPECT_TRUE(fx2.events.empty());
  EXPECT_EQ(fx2.notes, std::vector<std::string>{"keyupdate for an unknown key ignored"});
  EXPECT_FALSE(store::Contacts(*bob_.db).get(carol.key.certificate().fingerprint_hex()).value());

  // Once Bob knows Alice's key, her keyupdate is merged (and still not shown).
  deliver(alice_says("hi"), bob_, kNow + 20);
  auto ct3 = pgp::encrypt_to(as_bytes(keyupdate_inner(*alice_fixture_, "k2@localhost")), to,
                             nullptr, {false, static_cast<std::uint32_t>(kNow)})
                 .value();
  auto fx3 = bob_->receive(as_bytes(wrap(from, ct3, from, "k2@localhost")), kNow + 30).value();
  EXPECT_EQ(fx3.dropped, "keyupdate");
  EXPECT_TRUE(fx3.events.empty());
  EXPECT_EQ(fx3.notes, std::vector<std::string>{"keyupdate merged"});
}

TEST_F(MailLoop, SignedByUnknownKeyIsDropped) {
  auto carol = load_fixture("carol");
  const pgp::Certificate* to[] = {&bob_->key().certificate()};
  auto ct = pgp::encrypt(as_bytes(inner_text(carol.addr, "c1@localhost", "who am I")), carol.key,
                         to, {true, static_cast<std::uint32_t>(kNow)})
                .value();
  auto fx = bob_->receive(as_bytes(wrap(carol.addr, ct, carol.addr, "c1@localhost")), kNow).value();
  EXPECT_EQ(fx.dropped, "signed by unknown key");
  EXPECT_FALSE(store::Contacts(*bob_.db).get(carol.key.certificate().fingerprint_hex()).value());
}

TEST_F(MailLoop, ForgedOuterFromOfSignedMailIsAttributedToTheSigner) {
  auto mail = alice_says("the server rewrote my From");
  std::string raw = replace_once(to_string(mail.raw), "From: <" + alice_->profile().addr + ">",
                                 "From: <mallory@evil.test>");
  ASSERT_NE(raw.find("mallory@evil.test"), std::string::npos);
  auto fx = bob_->receive(as_bytes(raw), kNow + 20).value();
  const auto& ev = only_event<MessageEvent>(fx);
  EXPECT_EQ(ev.sender_fpr, alice_->fingerprint());
  EXPECT_EQ(ev.sender_addr, alice_->profile().addr);
  EXPECT_TRUE(store::Contacts(*bob_.db).find_by_addr("mallory@evil.test").value().empty());
}

TEST_F(MailLoop, GossipIsOnlyTakenForAddressesInTo) {
  auto carol = load_fixture("carol");
  // Alice (known to Bob after one mail) gossips Carol's key while Carol is not in To.
  deliver(alice_says("hi"), bob_, kNow + 20);
  Account::Draft d;
  d.chat_id = alice_chat_;
  d.now = kNow + 30;
  d.root = mime::text_part("gossip attempt");
  d.text = "gossip attempt";
  d.headers.push_back(
      {"Autocrypt-Gossip",
       mime::autocrypt_value(carol.addr, carol.key.certificate().serialize(), true)});
  deliver(alice_->build(d).value(), bob_, kNow + 31);
  EXPECT_FALSE(store::Contacts(*bob_.db).get(carol.key.certificate().fingerprint_hex()).value());
}

TEST_F(MailLoop, RowsJoinTheCallersTransaction) {
  auto mail = alice_says("rolled back");
  {
    auto txn = store::Txn::begin(*bob_.db).value();
    auto fx = bob_->receive(mail.raw, kNow + 20).value();
    EXPECT_EQ(fx.events.size(), 1u);
    txn.rollback();
  }
  // Nothing was kept, so the replay after a crash is processed again.
  auto fx = deliver(mail, bob_, kNow + 21);
  EXPECT_EQ(fx.events.size(), 1u);
}

TEST_F(MailLoop, OldOwnKeysStillDecryptAfterRotation) {
  auto fresh = load_fixture("carol");
  ASSERT_TRUE(bob_->import_key(fresh.key, kNow + 5));
  EXPECT_EQ(bob_->fingerprint(), fresh.key.certificate().fingerprint_hex());
  // Alice still encrypts to Bob's previous key.
  auto fx = deliver(alice_says("to your old key"), bob_, kNow + 20);
  EXPECT_EQ(only_event<MessageEvent>(fx).text, "to your old key");
  // And after reopening from the store.
  auto reopened = Account::open(*bob_.db).value();
  auto fx2 = reopened.receive(alice_says("again").raw, kNow + 30).value();
  EXPECT_EQ(only_event<MessageEvent>(fx2).text, "again");
}

TEST_F(MailLoop, QueueWritesAnOutboxRow) {
  auto mail = alice_says("queued");
  const auto id = alice_->queue(mail, kNow + 10).value();
  auto row = store::Outbox(*alice_.db).get(id).value();
  ASSERT_TRUE(row);
  EXPECT_EQ(row->rfc724_mid, mail.rfc724_mid);
  EXPECT_EQ(row->recipients, mail.recipients);
  EXPECT_EQ(row->raw, mail.raw);
  EXPECT_EQ(row->chat_id, alice_chat_);
}

}  // namespace
}  // namespace dcbot::chat

namespace dcbot::chat {
namespace {

// The inner `Chat-User-Avatar` of a mail to `reader`, or nullopt when it has none.
std::optional<std::string> avatar_field(const OutgoingMail& mail, const pgp::SecretKey& reader) {
  auto outer = mime::parse(mail.raw).value();
  EXPECT_FALSE(outer.headers.has("Chat-User-Avatar")) << "the avatar is only sent encrypted";
  auto enc = mime::encrypted_parts(outer).value();
  auto armored = pgp::armor_decode(to_string(enc.payload->body)).value();
  const pgp::SecretKey* keys[] = {&reader};
  auto plain = pgp::decrypt(armored.data, keys, {}, {}).value();
  auto inner = mime::parse(plain.plaintext).value();
  auto raw = inner.headers.raw("Chat-User-Avatar");
  if (!raw) {
    return std::nullopt;
  }
  return std::string(*raw);
}

constexpr std::int64_t kDay = 24 * 3600;

// The inner part of a mail that claims to be from `from_addr` and carries `autocrypt_key` in its
// protected Autocrypt header.
std::string claimed_inner(std::string_view from_addr, const pgp::Certificate& autocrypt_key,
                          std::string_view mid, std::string_view text) {
  return "From: <" + std::string(from_addr) + ">\r\nMessage-ID: <" + std::string(mid)
         + ">\r\nAutocrypt: "
         + mime::autocrypt_value(from_addr, autocrypt_key.serialize())
         + "\r\nDate: Mon, 23 Nov 2026 01:13:22 +0000\r\nChat-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"; "
           "hp=\"cipher\"\r\n\r\n"
         + std::string(text) + "\r\n";
}

TEST_F(MailLoop, ForgedFromWithTheClaimedSendersKeyButAStrangersSignatureIsDropped) {
  // Bob knows Alice. Carol signs a mail that claims to be Alice's and even carries Alice's
  // (public) key as its Autocrypt header.
  deliver(alice_says("hi"), bob_, kNow + 20);
  auto carol = load_fixture("carol");
  const std::string alice_addr = alice_->profile().addr;
  const pgp::Certificate* to[] = {&bob_->key().certificate()};
  auto ct = pgp::encrypt(as_bytes(claimed_inner(alice_addr, alice_->key().certificate(),
                                                "f1@localhost", "I am Alice")),
                         carol.key, to, {true, static_cast<std::uint32_t>(kNow)})
                .value();
  auto fx =
      bob_->receive(as_bytes(wrap(alice_addr, ct, alice_addr, "f1@localhost")), kNow + 30).value();
  EXPECT_EQ(fx.dropped, "signed by unknown key");
  EXPECT_TRUE(fx.events.empty());
  EXPECT_TRUE(fx.outgoing.empty());
  EXPECT_FALSE(store::Contacts(*bob_.db).get(carol.key.certificate().fingerprint_hex()).value());
  auto alice = store::Contacts(*bob_.db).get(alice_->fingerprint()).value();
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->addr, alice_addr);
}

TEST_F(MailLoop, ANewKeyClaimingAKnownAddressIsAnotherContact) {
  // Key-contacts (PROTOCOL.md §1.2): Carol's own key in an Autocrypt header for Alice's address
  // makes a new, unverified contact keyed by Carol's fingerprint; nothing is attributed to Alice.
  auto alice_ev = only_event<MessageEvent>(deliver(alice_says("hi"), bob_, kNow + 20));
  auto carol = load_fixture("carol");
  const std::string alice_addr = alice_->profile().addr;
  const pgp::Certificate* to[] = {&bob_->key().certificate()};
  auto ct = pgp::encrypt(as_bytes(claimed_inner(alice_addr, carol.key.certificate(), "f2@localhost",
                                                "I am Alice too")),
                         carol.key, to, {true, static_cast<std::uint32_t>(kNow)})
                .value();
  auto fx =
      bob_->receive(as_bytes(wrap(alice_addr, ct, alice_addr, "f2@localhost")), kNow + 30).value();
  const auto& ev = only_event<MessageEvent>(fx);
  EXPECT_EQ(ev.sender_fpr, carol.key.certificate().fingerprint_hex());
  EXPECT_NE(ev.chat_id, alice_ev.chat_id);
  EXPECT_FALSE(ev.verified);
  auto alice = store::Contacts(*bob_.db).get(alice_->fingerprint()).value();
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->addr, alice_addr);
}

TEST_F(MailLoop, UserAvatarGoesOutOnFirstMailAndAgainAfterFourteenDays) {
  const pgp::SecretKey& bob_key = bob_->key();
  // No avatar set: "0" on the first mail, as the core sends it; then nothing.
  EXPECT_EQ(avatar_field(alice_says("one"), bob_key), "0");
  EXPECT_EQ(avatar_field(alice_says("two"), bob_key), std::nullopt);

  Bytes image;
  for (int i = 0; i < 3000; ++i) {
    image.push_back(static_cast<std::uint8_t>(i * 31 + 7));
  }
  ASSERT_TRUE(alice_->set_avatar(image));
  SendOptions o;
  o.now = kNow + 20;
  auto mail = alice_->build_text(alice_chat_, "three", o).value();
  auto field = avatar_field(mail, bob_key);
  ASSERT_TRUE(field);
  ASSERT_EQ(field->rfind("base64:", 0), 0U);
  EXPECT_EQ(base64_decode(field->substr(7)).value(), image);
  // Bob still reads the message as usual.
  EXPECT_EQ(only_event<MessageEvent>(deliver(mail, bob_, kNow + 21)).text, "three");

  // Not again within 14 days, nor after setting the same image again (a restart).
  o.now = kNow + 13 * kDay;
  EXPECT_EQ(avatar_field(alice_->build_text(alice_chat_, "four", o).value(), bob_key),
            std::nullopt);
  ASSERT_TRUE(alice_->set_avatar(image));
  EXPECT_EQ(avatar_field(alice_->build_text(alice_chat_, "five", o).value(), bob_key),
            std::nullopt);
  // After 14 days it goes out again.
  o.now = kNow + 20 + 14 * kDay + 1;
  EXPECT_TRUE(avatar_field(alice_->build_text(alice_chat_, "six", o).value(), bob_key));
  o.now += 10;
  EXPECT_EQ(avatar_field(alice_->build_text(alice_chat_, "seven", o).value(), bob_key),
            std::nullopt);

  // A new image goes out at once; a read receipt never carries it.
  image.push_back(1);
  ASSERT_TRUE(alice_->set_avatar(image));
  SendOptions bo;
  bo.now = o.now;
  auto from_bob =
      bob_->build_text(only_event<MessageEvent>(deliver(alice_says("x"), bob_, o.now)).chat_id,
                       "read me", bo)
          .value();
  // alice_says("x") above already carried the new image.
  auto ev = only_event<MessageEvent>(deliver(from_bob, alice_, o.now + 1));
  ev.wants_read_receipt = true;
  ASSERT_TRUE(alice_->set_avatar({}));  // Due again ("0"), still not in the receipt.
  auto receipt =
      build_read_receipt(*alice_.account, ev, ReadReceiptOptions{.send = true}, o.now + 2);
  ASSERT_TRUE(receipt && *receipt);
  EXPECT_EQ(avatar_field(**receipt, bob_key), std::nullopt);
  o.now += 5;
  EXPECT_EQ(avatar_field(alice_->build_text(alice_chat_, "eight", o).value(), bob_key), "0");
}

}  // namespace
}  // namespace dcbot::chat
