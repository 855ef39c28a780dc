// SPDX-License-Identifier: MIT
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "chat/account.h"
#include "chat/test_loop.h"
#include "crypto/hash.h"
#include "mime/date.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/contacts.h"
#include "store/messages.h"

// The recorded mails of the real core 2.62 (tests/data/core-2.62, INDEX.tsv) fed into our engine
// with the recorded accounts' keys, in order; and our own mail compared with the core's layout.
namespace dcbot::chat {
namespace {

using testing::data_dir;
using testing::load_fixture;
using testing::make_peer;
using testing::Peer;
using testing::read_file;

std::int64_t recorded_now() {
  return mime::parse_date("Mon, 23 Nov 2026 02:00:00 +0000").value();
}

Effects feed(Peer& peer, const std::string& prefix) {
  for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() == ".eml") {
      return peer->receive(as_bytes(read_file(entry.path())), recorded_now()).value();
    }
  }
  throw std::runtime_error("no recording " + prefix);
}

std::string sha256_hex(ByteView data) {
  return hex_encode(crypto::hash(crypto::HashAlgo::Sha256, data));
}

class RecordedCore : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_key_ = std::make_unique<testing::Fixture>(load_fixture("alice"));
    bob_key_ = std::make_unique<testing::Fixture>(load_fixture("bob"));
    alice_ = make_peer(*alice_key_, "alice", false, recorded_now());
    bob_ = make_peer(*bob_key_, "bob", false, recorded_now());
  }

  std::unique_ptr<testing::Fixture> alice_key_;
  std::unique_ptr<testing::Fixture> bob_key_;
  Peer alice_;
  Peer bob_;
};

TEST_F(RecordedCore, AliceReceivesBobsMails) {
  // 01: SecureJoin v3 vc-request-pubkey, symmetric: no AUTH token here, so it cannot decrypt.
  EXPECT_EQ(feed(alice_, "01").dropped, "decryption failed");
  // 03: vc-request-with-auth, signed by Bob with his protected Autocrypt key: the key is learned
  // even though SecureJoin itself is not handled by this engine.
  EXPECT_EQ(feed(alice_, "03").dropped, "securejoin step: no securejoin handler");
  const std::string bob_fpr = bob_key_->key.certificate().fingerprint_hex();
  auto contact = store::Contacts(*alice_.db).get(bob_fpr).value();
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact->addr, bob_key_->addr);
  EXPECT_EQ(contact->relay_addrs, std::vector<std::string>{bob_key_->addr});

  auto text = feed(alice_, "05");
  ASSERT_EQ(text.events.size(), 1u) << text.dropped;
  const auto& msg = std::get<MessageEvent>(text.events[0]);
  EXPECT_EQ(msg.text, "hello alice");
  EXPECT_EQ(msg.sender_fpr, bob_fpr);
  EXPECT_EQ(msg.sender_name, "bob");
  EXPECT_FALSE(msg.is_bot);
  EXPECT_EQ(msg.rfc724_mid, "6c7c7590-290c-4c1f-81c0-83c88f093cd0@localhost");
  EXPECT_EQ(msg.timestamp, mime::parse_date("Mon, 23 Nov 2026 01:13:22 +0000").value());

  auto reaction = feed(alice_, "09");
  ASSERT_EQ(reaction.events.size(), 1u) << reaction.dropped;
  const auto& r = std::get<ReactionEvent>(reaction.events[0]);
  EXPECT_EQ(r.emoji, "\U0001F44D");
  EXPECT_EQ(r.target_mid, "fd8353a9-0b22-4248-96e5-70c36e47b3ab@localhost");
  EXPECT_EQ(r.sender_fpr, bob_fpr);

  EXPECT_EQ(feed(alice_, "10").dropped, "read receipt (mdn)");

  auto image = feed(alice_, "33");
  ASSERT_EQ(image.events.size(), 1u) << image.dropped;
  const auto& img = std::get<MessageEvent>(image.events[0]);
  EXPECT_EQ(img.text, "");
  ASSERT_EQ(img.attachments.size(), 1u);
  EXPECT_EQ(img.attachments[0].filename, "image_2026-11-23_01-14-22.png");
  EXPECT_EQ(img.attachments[0].mime_type, "image/png");
  const Bytes png = base64_decode(
                        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                        "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
                        .value();
  EXPECT_EQ(sha256_hex(img.attachments[0].data), sha256_hex(png));
  EXPECT_EQ(img.chat_id, msg.chat_id);

  // Replays (multi-relay copies) are dropped.
  EXPECT_EQ(feed(alice_, "05").dropped, "duplicate message-id");
}

TEST_F(RecordedCore, BobReceivesAlicesMails) {
  EXPECT_EQ(feed(bob_, "02").dropped, "decryption failed");
  EXPECT_EQ(feed(bob_, "04").dropped, "securejoin step: no securejoin handler");
  const std::string alice_fpr = alice_key_->key.certificate().fingerprint_hex();
  ASSERT_TRUE(store::Contacts(*bob_.db).get(alice_fpr).value());

  auto long_text = feed(bob_, "06");
  ASSERT_EQ(long_text.events.size(), 1u) << long_text.dropped;
  const auto& t = std::get<MessageEvent>(long_text.events[0]);
  EXPECT_EQ(t.text.rfind("Grüße 👋 long line", 0), 0u);
  EXPECT_GT(t.text.size(), 1000u);
  EXPECT_EQ(t.in_reply_to, "6c7c7590-290c-4c1f-81c0-83c88f093cd0@localhost");
  EXPECT_EQ(t.sender_fpr, alice_fpr);

  auto file = feed(bob_, "07");
  ASSERT_EQ(file.events.size(), 1u) << file.dropped;
  const auto& f = std::get<MessageEvent>(file.events[0]);
  EXPECT_EQ(f.text, "a file");
  ASSERT_EQ(f.attachments.size(), 1u);
  EXPECT_EQ(f.attachments[0].filename, "fichier été.txt");
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    expected += "attachment body\n";
  }
  EXPECT_EQ(to_string(f.attachments[0].data).substr(0, 32), expected.substr(0, 32));
  EXPECT_EQ(f.attachments[0].data.size() % 16, 0u);
  EXPECT_EQ(to_string(f.attachments[0].data), expected.substr(0, f.attachments[0].data.size()));

  auto target = feed(bob_, "08");
  ASSERT_EQ(target.events.size(), 1u) << target.dropped;
  EXPECT_EQ(std::get<MessageEvent>(target.events[0]).text, "react to me");
  const std::string target_mid = "fd8353a9-0b22-4248-96e5-70c36e47b3ab@localhost";

  auto edit = feed(bob_, "11");
  ASSERT_EQ(edit.events.size(), 1u) << edit.dropped;
  const auto& e = std::get<EditEvent>(edit.events[0]);
  EXPECT_EQ(e.target_mid, target_mid);
  EXPECT_EQ(e.text, "edited text");
  EXPECT_EQ(store::Messages(*bob_.db).find_by_mid(target_mid).value()->text, "edited text");

  auto del = feed(bob_, "12");
  ASSERT_EQ(del.events.size(), 1u) << del.dropped;
  const auto& d = std::get<DeleteEvent>(del.events[0]);
  EXPECT_EQ(d.target_mids, std::vector<std::string>{target_mid});
  EXPECT_FALSE(store::Messages(*bob_.db).find_by_mid(target_mid).value());
}

// Header names of a header block, in order, without the relay's trace fields.
std::vector<std::string> header_names(const mime::Headers& headers) {
  std::vector<std::string> out;
  for (const auto& f : headers.fields()) {
    if (f.name != "Return-Path" && f.name != "Received") {
      out.push_back(f.name);
    }
  }
  return out;
}

mime::Part decrypt_inner(const mime::Part& outer, const pgp::SecretKey& key) {
  const auto parts = mime::encrypted_parts(outer).value();
  const auto armored = pgp::armor_decode(to_string(parts.payload->body)).value();
  const pgp::SecretKey* keys[] = {&key};
  auto plain = pgp::decrypt(armored.data, keys, {}, {}).value();
  return mime::parse(plain.plaintext).value();
}

TEST_F(RecordedCore, OurMailHasTheCoresStructure) {
  // 20-text-from-bot: the first text of a bot account (botty, bot=1) to alice.
  auto botty = load_fixture("botty");
  const auto recorded =
      mime::parse(as_bytes(read_file(data_dir() / "20-text-from-bot.eml"))).value();
  const auto recorded_inner = decrypt_inner(recorded, alice_key_->key);

  Peer bot = make_peer(botty, "botty", true, recorded_now());
  const auto chat = testing::introduce(bot, alice_, recorded_now());
  // botty's SecureJoin steps had carried `Chat-User-Avatar: 0` already (PROTOCOL.md §5.2 step 4),
  // so its first text carries none; `introduce` skips SecureJoin, so mark it sent the same way.
  ASSERT_TRUE(
      bot->user_avatar_header({alice_key_->key.certificate().fingerprint_hex()}, recorded_now()));
  SendOptions options;
  options.now = recorded_now();
  auto mail = bot->build_text(chat, "I am a bot", options).value();
  const auto ours = mime::parse(mail.raw).value();
  EXPECT_EQ(header_names(ours.headers), header_names(recorded.headers));
  const auto our_inner = decrypt_inner(ours, alice_key_->key);
  const auto names = header_names(our_inner.headers);
  const auto recorded_names = header_names(recorded_inner.headers);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            std::set<std::string>(recorded_names.begin(), recorded_names.end()));
  EXPECT_EQ(names, recorded_names);
  EXPECT_EQ(our_inner.content_type.param("hp"), "cipher");
  EXPECT_EQ(our_inner.headers.value("Subject"), "Message from botty");
  EXPECT_EQ(our_inner.headers.value("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(our_inner.headers.raw("To"), "\"alice\" <" + alice_key_->addr + ">");
  EXPECT_EQ(ours.headers.raw("To"), "\"hidden-recipients\": ;");
  EXPECT_EQ(ours.headers.raw("Subject"), "[...]");
  const auto outer_date = mime::parse_date(ours.headers.raw("Date").value_or("")).value();
  EXPECT_LE(outer_date, recorded_now());
  EXPECT_GE(outer_date, recorded_now() - 6 * 24 * 3600);
  EXPECT_EQ(to_string(mail.raw).find("Version: "), to_string(mail.raw).find("Version: 1"));
  // And alice (a real-core account's key) accepts it.
  auto fx = alice_->receive(mail.raw, recorded_now() + 5).value();
  ASSERT_EQ(fx.events.size(), 1u) << fx.dropped;
  EXPECT_TRUE(std::get<MessageEvent>(fx.events[0]).is_bot);
}

}  // namespace
}  // namespace dcbot::chat
