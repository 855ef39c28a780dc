// SPDX-License-Identifier: MIT
#include "pgp/detached.h"

#include <array>

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "pgp/packet.h"
#include "pgp/signature.h"

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

TEST(PgpDetached, SignVerifyRoundTrip) {
  const Keys& k = keys();
  Bytes data = to_bytes("detached payload\n");
  auto sig = sign_detached(data, k.alice, kNow);
  ASSERT_TRUE(sig) << sig.error().message;
  std::array both{&k.bob.certificate(), &k.alice.certificate()};
  auto infos = verify_detached(data, *sig, both);
  ASSERT_TRUE(infos) << infos.error().message;
  ASSERT_EQ(infos->size(), 1u);
  EXPECT_TRUE((*infos)[0].valid);
  EXPECT_EQ((*infos)[0].signer, k.alice.fingerprint());
  EXPECT_EQ((*infos)[0].created, kNow);
  // The wrong certificate reports the issuer without validity.
  std::array bob{&k.bob.certificate()};
  infos = verify_detached(data, *sig, bob);
  ASSERT_TRUE(infos);
  EXPECT_FALSE((*infos)[0].valid);
  EXPECT_EQ((*infos)[0].signer, k.alice.fingerprint());
  // Changed data does not verify.
  Bytes other = data;
  other.back() ^= 1;
  infos = verify_detached(other, *sig, both);
  ASSERT_TRUE(infos);
  EXPECT_FALSE((*infos)[0].valid);
}

TEST(PgpDetached, SeveralSignaturesInOneInput) {
  const Keys& k = keys();
  Bytes data = to_bytes("two signers");
  Bytes sigs = *sign_detached(data, k.alice, kNow);
  append(sigs, *sign_detached(data, k.bob, kNow + 1));
  std::array bob{&k.bob.certificate()};
  auto infos = verify_detached(data, sigs, bob);
  ASSERT_TRUE(infos);
  ASSERT_EQ(infos->size(), 2u);
  EXPECT_FALSE((*infos)[0].valid);
  EXPECT_TRUE((*infos)[1].valid);
  EXPECT_EQ((*infos)[1].created, kNow + 1);
}

TEST(PgpDetached, RejectsNonSignatureInput) {
  const Keys& k = keys();
  std::array alice{&k.alice.certificate()};
  EXPECT_EQ(verify_detached(to_bytes("x"), {}, alice).error().code, Errc::Parse);
  Bytes cert = k.alice.certificate().serialize();
  EXPECT_EQ(verify_detached(to_bytes("x"), cert, alice).error().code, Errc::Parse);
  EXPECT_EQ(verify_detached(to_bytes("x"), to_bytes("garbage"), alice).error().code, Errc::Parse);
}

TEST(PgpEncryptTo, UnsignedToRecipientsOnly) {
  const Keys& k = keys();
  std::array to{&k.bob.certificate()};
  auto msg = encrypt_to(to_bytes("hi bob"), to, nullptr, {.now = kNow});
  ASSERT_TRUE(msg) << msg.error().message;
  auto packets = parse_packets(*msg);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);  // One PKESK: no own key is added.
  std::array bob{&k.bob};
  auto dec = decrypt(*msg, bob, {}, {});
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(dec->plaintext, to_bytes("hi bob"));
  EXPECT_TRUE(dec->signatures.empty());
  std::array alice{&k.alice};
  EXPECT_EQ(decrypt(*msg, alice, {}, {}).error().code, Errc::Crypto);
  EXPECT_EQ(encrypt_to(to_bytes("x"), {}, nullptr, {}).error().code, Errc::InvalidArgument);
}

TEST(PgpEncryptTo, SignedAndProfileFollowsRecipients) {
  const Keys& k = keys();
  std::array to{&k.bob.certificate(), &k.old.certificate()};
  auto msg = encrypt_to(to_bytes("mixed"), to, &k.alice, {.compress = true, .now = kNow});
  ASSERT_TRUE(msg) << msg.error().message;
  auto packets = parse_packets(*msg);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0].body[0], 3);  // PKESK v3: one recipient lacks SEIPDv2.
  EXPECT_EQ((*packets)[2].body[0], 1);  // SEIPD v1.
  std::array old{&k.old};
  std::array verifiers{&k.alice.certificate()};
  auto dec = decrypt(*msg, old, {}, verifiers);
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_TRUE(dec->is_signed());
  EXPECT_EQ(dec->signatures[0].intended_recipients,
            (std::vector<Fingerprint>{k.bob.fingerprint(), k.old.fingerprint()}));
}

TEST(PgpInlineSigned, RoundTripAndTamper) {
  const Keys& k = keys();
  std::array alice{&k.alice.certificate()};
  for (bool compress : {false, true}) {
    auto msg = sign_inline(to_bytes("signed text"), k.alice, {.compress = compress, .now = kNow});
    ASSERT_TRUE(msg) << msg.error().message;
    auto v = verify_inline(*msg, alice);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->plaintext, to_bytes("signed text"));
    ASSERT_EQ(v->signatures.size(), 1u);
    EXPECT_TRUE(v->signatures[0].valid);
    EXPECT_EQ(v->signatures[0].signer, k.alice.fingerprint());
  }
  auto msg = sign_inline(to_bytes("signed text"), k.alice, {.now = kNow});
  ASSERT_TRUE(msg);
  Bytes tampered = *msg;
  // The literal's last content byte sits right before the signature packet.
  auto packets = parse_packets(tampered);
  ASSERT_TRUE(packets);
  Bytes rebuilt;
  for (auto& p : *packets) {
    if (p.tag == static_cast<std::uint8_t>(Tag::Literal)) {
      p.body.back() ^= 1;
    }
    write_packet(rebuilt, static_cast<Tag>(p.tag), p.body);
  }
  auto v = verify_inline(rebuilt, alice);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->is_signed());
  EXPECT_EQ(verify_inline(to_bytes("not pgp"), alice).error().code, Errc::Parse);
}

// Regression (issue #3, sqop interop): Sequoia binds its signing subkey with a critical Embedded
// Signature subpacket (type 32). It was treated as an unknown critical subpacket, so the binding
// failed and the whole certificate was refused.
TEST(PgpCertificate, AcceptsSigningSubkeyWithCriticalEmbeddedSignature) {
  const Keys& k = keys();
  const Certificate& cert = k.alice.certificate();
  Bytes data = cert.serialize();
  auto sub_pair = crypto::ed25519_generate();
  PublicKey sub = make_ed25519_public_key(kNow, sub_pair.public_key);
  Bytes created;
  put_u32be(created, kNow);
  Bytes back_hashed;
  write_subpacket(back_hashed, kSubCreated, false, created);
  auto back = make_signature(0x19, back_hashed, {},
                             key_signature_data(cert.primary(), nullptr, &sub), sub_pair.seed);
  ASSERT_TRUE(back);
  Bytes hashed;
  write_subpacket(hashed, kSubCreated, false, created);
  write_subpacket(hashed, kSubKeyFlags, true, Bytes{0x02});
  write_subpacket(hashed, kSubEmbeddedSignature, true, back->serialize());
  auto binding =
      make_signature(kSigSubkeyBinding, hashed, {},
                     key_signature_data(cert.primary(), nullptr, &sub), k.alice.signing_seed());
  ASSERT_TRUE(binding);
  // Signing subkey first, as Sequoia orders them: the encryption key must still be found.
  Bytes reordered;
  auto packets = parse_packets(data);
  ASSERT_TRUE(packets);
  bool inserted = false;
  for (const Packet& p : *packets) {
    if (!inserted && p.tag == static_cast<std::uint8_t>(Tag::PublicSubkey)) {
      write_packet(reordered, Tag::PublicSubkey, sub.body);
      write_packet(reordered, Tag::Signature, binding->serialize());
      inserted = true;
    }
    write_packet(reordered, static_cast<Tag>(p.tag), p.body);
  }
  auto parsed = Certificate::parse(reordered);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_NE(parsed->encryption_key(), nullptr);
  EXPECT_TRUE(parsed->encryption_key()->is_cv25519());
  EXPECT_EQ(parsed->primary_key_flags(), std::optional<std::uint8_t>(0x03));
}

}  // namespace
}  // namespace dcbot::pgp
