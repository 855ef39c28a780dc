// SPDX-License-Identifier: MIT
#include "pgp/message.h"

#include <gtest/gtest.h>

#include "pgp/armor.h"

namespace dcbot::pgp {
namespace {

constexpr std::uint32_t kNow = 1800000000;

struct Keys {
  SecretKey alice = *SecretKey::generate("alice@relay.test", {}, kNow);
  SecretKey bob = *SecretKey::generate("bob@relay.test", {}, kNow);
  SecretKey old = *SecretKey::generate("old@relay.test", {}, kNow, false);
};

const Keys& keys() {
  static const Keys k;
  return k;
}

Bytes long_text() {
  Bytes b;
  for (int i = 0; i < 30000; ++i) {
    b.push_back(static_cast<std::uint8_t>('a' + i % 26));
  }
  return b;
}

TEST(PgpMessage, AsymmetricRoundTripV2) {
  const Keys& k = keys();
  for (bool compress : {false, true}) {
    for (const Bytes& text : {to_bytes("hello"), long_text(), Bytes{}}) {
      const Certificate* to[] = {&k.bob.certificate()};
      auto msg = encrypt(text, k.alice, to, {.compress = compress, .now = kNow});
      ASSERT_TRUE(msg) << msg.error().message;
      auto packets = parse_packets(*msg);
      ASSERT_TRUE(packets);
      ASSERT_EQ(packets->size(), 3u);
      EXPECT_EQ((*packets)[0].body[0], 6);  // PKESK v6.
      EXPECT_EQ((*packets)[2].body[0], 2);  // SEIPD v2.
      const SecretKey* bob[] = {&k.bob};
      const Certificate* verifiers[] = {&k.alice.certificate()};
      auto dec = decrypt(*msg, bob, {}, verifiers);
      ASSERT_TRUE(dec) << dec.error().message;
      EXPECT_EQ(dec->plaintext, text);
      EXPECT_FALSE(dec->was_symmetric);
      ASSERT_EQ(dec->signatures.size(), 1u);
      EXPECT_TRUE(dec->signatures[0].valid);
      EXPECT_EQ(dec->signatures[0].signer, k.alice.fingerprint());
      EXPECT_EQ(dec->signatures[0].created, kNow);
      EXPECT_EQ(dec->signatures[0].intended_recipients,
                (std::vector<Fingerprint>{k.alice.fingerprint(), k.bob.fingerprint()}));
      // The sender can read its own copy.
      const SecretKey* alice[] = {&k.alice};
      EXPECT_TRUE(decrypt(*msg, alice, {}, verifiers));
      // Without the signer's certificate the signature is reported, not valid.
      auto unverified = decrypt(*msg, bob, {}, {});
      ASSERT_TRUE(unverified);
      EXPECT_FALSE(unverified->is_signed());
    }
  }
}

TEST(PgpMessage, FallsBackToV1WithoutSeipdv2) {
  const Keys& k = keys();
  const Certificate* to[] = {&k.old.certificate()};
  auto msg = encrypt(long_text(), k.alice, to, {.compress = true, .now = kNow});
  ASSERT_TRUE(msg);
  auto packets = parse_packets(*msg);
  ASSERT_TRUE(packets);
  EXPECT_EQ((*packets)[0].body[0], 3);  // PKESK v3, wildcard.
  EXPECT_EQ((*packets)[2].body[0], 1);  // SEIPD v1.
  const SecretKey* old[] = {&k.old};
  const Certificate* verifiers[] = {&k.alice.certificate()};
  auto dec = decrypt(*msg, old, {}, verifiers);
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(dec->plaintext, long_text());
  EXPECT_TRUE(dec->is_signed());
}

TEST(PgpMessage, SymmetricRoundTrip) {
  const Keys& k = keys();
  std::string pw = "securejoin/ABC/def";
  auto msg = encrypt_symmetric(to_bytes("Secure-Join"), pw, nullptr, {.now = kNow});
  ASSERT_TRUE(msg);
  std::vector<std::string> passwords{"wrong", pw};
  auto dec = decrypt(*msg, {}, passwords, {});
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_TRUE(dec->was_symmetric);
  EXPECT_EQ(to_string(dec->plaintext), "Secure-Join");
  EXPECT_TRUE(dec->signatures.empty());
  std::vector<std::string> wrong{"nope"};
  auto bad = decrypt(*msg, {}, wrong, {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Crypto);
  EXPECT_EQ(bad.error().message, "decryption failed");

  auto signed_msg = encrypt_symmetric(long_text(), pw, &k.bob, {.compress = true, .now = kNow});
  ASSERT_TRUE(signed_msg);
  const Certificate* verifiers[] = {&k.bob.certificate()};
  auto dec2 = decrypt(*signed_msg, {}, passwords, verifiers);
  ASSERT_TRUE(dec2);
  EXPECT_EQ(dec2->plaintext, long_text());
  ASSERT_TRUE(dec2->is_signed());
  EXPECT_TRUE(dec2->signatures[0].intended_recipients.empty());
}

TEST(PgpMessage, TamperingFailsWithOneGenericError) {
  const Keys& k = keys();
  const Certificate* to[] = {&k.bob.certificate()};
  const Certificate* old_to[] = {&k.old.certificate()};
  const SecretKey* both[] = {&k.bob, &k.old};
  for (const auto* rcpt : {&to, &old_to}) {
    auto msg = encrypt(long_text(), k.alice, *rcpt, {.now = kNow});
    ASSERT_TRUE(msg);
    for (std::size_t pos :
         {msg->size() - 1, msg->size() - 20, msg->size() - 9000, msg->size() / 2}) {
      Bytes bad = *msg;
      bad[pos] ^= 0x40;
      auto r = decrypt(bad, both, {}, {});
      ASSERT_FALSE(r) << pos;
      if (r.error().code != Errc::Parse) {
        EXPECT_EQ(r.error().message, "decryption failed");
      }
    }
    // Truncations never succeed.
    for (std::size_t n = 0; n < msg->size(); n += 997) {
      EXPECT_FALSE(decrypt(ByteView(*msg).first(n), both, {}, {}));
    }
  }
  // Not for us.
  auto msg = encrypt(to_bytes("x"), k.alice, to, {.now = kNow});
  const SecretKey* old[] = {&k.old};
  EXPECT_FALSE(decrypt(*msg, old, {}, {}));
}

TEST(PgpMessage, RefusesLegacyAndExtraPackets) {
  const Keys& k = keys();
  const Certificate* to[] = {&k.bob.certificate()};
  const SecretKey* bob[] = {&k.bob};
  auto msg = encrypt(to_bytes("x"), k.alice, to, {.now = kNow});
  ASSERT_TRUE(msg);
  Bytes sed;
  write_packet(sed, Tag::SymEncrypted, Bytes(40, 1));
  EXPECT_FALSE(decrypt(sed, bob, {}, {}));
  Bytes ocb;
  write_packet(ocb, Tag::OcbEncrypted, Bytes(40, 1));
  EXPECT_FALSE(decrypt(ocb, bob, {}, {}));
  Bytes trailing = *msg;
  write_packet(trailing, Tag::Literal, Bytes(4, 0));
  EXPECT_FALSE(decrypt(trailing, bob, {}, {}));
  // Two SKESKs are not tried symmetrically.
  std::string pw = "pw";
  auto sym = encrypt_symmetric(to_bytes("x"), pw, nullptr, {.now = kNow});
  auto sym_packets = parse_packets(*sym);
  Bytes doubled;
  write_packet(doubled, Tag::Skesk, (*sym_packets)[0].body);
  append(doubled, *sym);
  std::vector<std::string> passwords{pw};
  EXPECT_TRUE(decrypt(*sym, {}, passwords, {}));
  EXPECT_FALSE(decrypt(doubled, {}, passwords, {}));
}

}  // namespace
}  // namespace dcbot::pgp
