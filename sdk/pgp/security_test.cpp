// SPDX-License-Identifier: MIT
// One test (or a named existing test, see docs/security-audit.md) per item of SECURITY.md's "Bad
// inputs for the OpenPGP layer" and "Limits worth copying". Test names carry the item number.
#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "pgp/armor.h"
#include "pgp/compress.h"
#include "pgp/detached.h"
#include "pgp/key.h"
#include "pgp/message.h"
#include "pgp/packet.h"
#include "pgp/pkesk.h"
#include "pgp/session.h"
#include "pgp/signature.h"

namespace dcbot::pgp {
namespace {

constexpr std::uint32_t kNow = 1800000000;

struct Keys {
  SecretKey alice = *SecretKey::generate("alice@relay.test", {}, kNow);
  SecretKey bob = *SecretKey::generate("bob@relay.test", {}, kNow);
};

const Keys& keys() {
  static const Keys k;
  return k;
}

Bytes operator+(Bytes a, const Bytes& b) {
  append(a, b);
  return a;
}

Bytes packet(Tag tag, ByteView body) {
  Bytes out;
  write_packet(out, tag, body);
  return out;
}

Bytes literal_packet(std::string_view text) {
  Bytes body{'b', 0, 0, 0, 0, 0};
  append(body, as_bytes(text));
  return packet(Tag::Literal, body);
}

Bytes compressed_packet(std::uint8_t algo, ByteView inner) {
  Bytes body{algo};
  if (algo == kCompressionZip || algo == kCompressionZlib) {
    append(body, compress(algo, inner));
  } else {
    append(body, inner);
  }
  return packet(Tag::Compressed, body);
}

// A PKESK v6 to bob + SEIPD v2 around arbitrary `inner` bytes, so that the grammar checks after
// authentication can be reached with any plaintext.
Bytes encrypt_raw_v2(ByteView inner) {
  SessionKey sk = new_session_key();
  Bytes out;
  write_packet(out, Tag::Pkesk, *pkesk_encrypt(6, *keys().bob.certificate().encryption_key(), sk));
  write_packet(out, Tag::Seipd, seipd_v2_encrypt(inner, sk));
  return out;
}

// The same with PKESK v3 + SEIPD v1.
Bytes encrypt_raw_v1(ByteView inner) {
  SessionKey sk = new_session_key();
  Bytes out;
  write_packet(out, Tag::Pkesk, *pkesk_encrypt(3, *keys().bob.certificate().encryption_key(), sk));
  write_packet(out, Tag::Seipd, seipd_v1_encrypt(inner, sk));
  return out;
}

Result<Decrypted> bob_decrypts(ByteView message) {
  const SecretKey* bob[] = {&keys().bob};
  const Certificate* verifiers[] = {&keys().alice.certificate()};
  return decrypt(message, bob, {}, verifiers);
}

// Asserts the one generic decryption error (SECURITY.md 16: all errors look the same).
void expect_generic_failure(const Result<Decrypted>& r) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Crypto);
  EXPECT_EQ(r.error().message, "decryption failed");
}

// OPS + Literal + Signature by alice (sign_inline), as the inner message of the grammar tests.
Bytes signed_inner(std::string_view text) {
  return *sign_inline(as_bytes(text), keys().alice, {.now = kNow});
}

// --- Framing and length ---

TEST(PgpSecurity, Item1ZeroLengthBodiesFailInEveryParser) {
  EXPECT_FALSE(parse_signature({}));
  EXPECT_FALSE(parse_pkesk({}));
  EXPECT_FALSE(parse_public_key({}));
  EXPECT_FALSE(Certificate::parse(packet(Tag::PublicKey, {})));
  EXPECT_FALSE(SecretKey::parse(packet(Tag::SecretKey, {})));
  EXPECT_FALSE(skesk_v6_decrypt({}, "pw"));
  EXPECT_FALSE(bob_decrypts(packet(Tag::Seipd, {})));
  Bytes empty_pkesk = packet(Tag::Pkesk, {});
  append(empty_pkesk, packet(Tag::Seipd, Bytes{2}));
  EXPECT_FALSE(bob_decrypts(empty_pkesk));
  EXPECT_FALSE(verify_inline(packet(Tag::Literal, {}), {}));
  EXPECT_FALSE(verify_inline(packet(Tag::Compressed, {}), {}));
  EXPECT_FALSE(verify_inline({}, {}));
  EXPECT_FALSE(bob_decrypts({}));
}

TEST(PgpSecurity, Item2HugeLengthFieldsFailOnShortBodies) {
  // New-format 5-octet length of 4 GiB - 1, old-format 4-octet length, and a 1 GiB partial chunk,
  // each followed by a few bytes: the reader fails before it reserves the declared size.
  for (Bytes bad : {Bytes{0xCB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'b', 0},
                    Bytes{0xAE, 0xFF, 0xFF, 0xFF, 0xFF, 'b', 0}, Bytes{0xCB, 0xFE, 'b', 0, 0, 0},
                    Bytes{0xD2, 0xFE, 2, 7}}) {
    auto r = parse_packets(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::Parse);
    EXPECT_FALSE(bob_decrypts(bad));
  }
}

TEST(PgpSecurity, Item3LongPartialChainsAndBadPartials) {
  // 4096 chunks of 512 octets, then a fixed last part: reassembled in order.
  Bytes body(4096 * 512 + 7);
  for (std::size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<std::uint8_t>(i * 13);
  }
  Bytes chain;
  write_packet_partial(chain, Tag::Literal, body, 512);
  auto ps = parse_packets(chain);
  ASSERT_TRUE(ps);
  ASSERT_EQ(ps->size(), 1u);
  EXPECT_EQ((*ps)[0].body, body);
  // The chain ends after a partial chunk (no final fixed part): truncated.
  Bytes short_last{0xCB, 0xE9};
  append(short_last, Bytes(512, 'x'));
  EXPECT_FALSE(parse_packets(short_last));
  // Two fixed parts after the partial chunk: the second is trailing garbage, not a packet.
  Bytes two_fixed = short_last;
  two_fixed.push_back(0x02);
  append(two_fixed, Bytes{'a', 'b'});
  two_fixed.push_back(0x01);
  two_fixed.push_back('c');
  EXPECT_FALSE(parse_packets(two_fixed));
  // Partial lengths on every non-data packet are refused.
  for (Tag tag :
       {Tag::Pkesk, Tag::Signature, Tag::Skesk, Tag::OnePassSignature, Tag::SecretKey,
        Tag::PublicKey, Tag::Marker, Tag::UserId, Tag::PublicSubkey, Tag::Mdc, Tag::Padding}) {
    Bytes p;
    write_packet_partial(p, tag, Bytes(600, 1), 512);
    EXPECT_FALSE(parse_packets(p)) << static_cast<int>(tag);
  }
  // A first chunk under 512 octets, at every size from 1 to 256.
  for (std::uint8_t exp = 0; exp < 9; ++exp) {
    Bytes p{0xCB, static_cast<std::uint8_t>(0xE0 + exp)};
    append(p, Bytes(std::size_t{1} << exp, 'x'));
    p.push_back(0);
    EXPECT_FALSE(parse_packets(p)) << int{exp};
  }
  // A partial chain inside the compressed layer of an encrypted message decrypts. Random octets:
  // `body` repeats every 256 octets and would trip the compression-ratio cap (SECURITY.md 10).
  const Bytes noisy = crypto::random_bytes(body.size());
  Bytes inner_literal;
  Bytes lit{'b', 0, 0, 0, 0, 0};
  append(lit, noisy);
  write_packet_partial(inner_literal, Tag::Literal, lit, 1024);
  Bytes comp_body{kCompressionZip};
  append(comp_body, compress(kCompressionZip, inner_literal));
  Bytes inner;
  write_packet_partial(inner, Tag::Compressed, comp_body, 512);
  auto dec = bob_decrypts(encrypt_raw_v2(inner));
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(dec->plaintext, noisy);
}

TEST(PgpSecurity, Item4IndeterminateLengthReadsToTheEndOnDataPacketsOnly) {
  // Old-format literal (tag 11, length type 3) swallows what follows, including a "signature".
  Bytes indet{0xAF, 'b', 0, 0, 0, 0, 0, 'h', 'i'};
  append(indet, packet(Tag::Signature, Bytes{4, 0}));
  auto ps = parse_packets(indet);
  ASSERT_TRUE(ps);
  ASSERT_EQ(ps->size(), 1u);
  auto v = verify_inline(indet, {});
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->signatures.empty());
  // On a signature (tag 2) or a key (tag 6) it is refused.
  EXPECT_FALSE(parse_packets(Bytes{0x8B, 4, 0, 1}));
  EXPECT_FALSE(parse_packets(Bytes{0x9B, 4, 0, 1}));
}

TEST(PgpSecurity, Item5SubpacketAndAreaLengthsMustMatch) {
  // A 5-octet subpacket length of 4 GiB - 1; a 2-octet length cut short; a length of 1 (type only)
  // is fine, a length covering more than the area is not.
  EXPECT_FALSE(parse_subpackets(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2}));
  EXPECT_FALSE(parse_subpackets(Bytes{0xC0}));
  EXPECT_FALSE(parse_subpackets(Bytes{0xFF, 0x00, 0x00}));
  EXPECT_TRUE(parse_subpackets(Bytes{0x01, 0x02}));
  EXPECT_FALSE(parse_subpackets(Bytes{0x03, 0x02, 0x00}));
  // The hashed and unhashed area lengths of a real signature, made too large or too small.
  Bytes sig = *sign_detached(as_bytes("x"), keys().alice, kNow);
  auto sig_packets = parse_packets(sig);
  ASSERT_TRUE(sig_packets);
  const Bytes good = (*sig_packets)[0].body;
  ASSERT_TRUE(parse_signature(good));
  for (std::uint16_t hashed_len : {0xFFFF, 0x0000, 0x0001}) {
    Bytes bad = good;
    bad[4] = static_cast<std::uint8_t>(hashed_len >> 8);
    bad[5] = static_cast<std::uint8_t>(hashed_len);
    EXPECT_FALSE(parse_signature(bad)) << hashed_len;
  }
  std::size_t unhashed_at = 6 + ((std::size_t{good[4]} << 8) | good[5]);
  Bytes bad_unhashed = good;
  bad_unhashed[unhashed_at] = 0xFF;
  bad_unhashed[unhashed_at + 1] = 0xFF;
  EXPECT_FALSE(parse_signature(bad_unhashed));
  // Secret-key parameter areas cut short, or one octet longer, in every key packet.
  auto key_packets = parse_packets(keys().alice.serialize());
  ASSERT_TRUE(key_packets);
  for (std::size_t i = 0; i < key_packets->size(); ++i) {
    auto tag = static_cast<Tag>((*key_packets)[i].tag);
    if (tag != Tag::SecretKey && tag != Tag::SecretSubkey) {
      continue;
    }
    for (int delta : {-1, -3, -20, +1}) {
      Bytes out;
      for (std::size_t j = 0; j < key_packets->size(); ++j) {
        Bytes body = (*key_packets)[j].body;
        if (j == i) {
          if (delta < 0) {
            body.resize(body.size() - static_cast<std::size_t>(-delta));
          } else {
            body.push_back(0);
          }
        }
        write_packet(out, static_cast<Tag>((*key_packets)[j].tag), body);
      }
      EXPECT_FALSE(SecretKey::parse(out)) << i << " " << delta;
    }
  }
}

TEST(PgpSecurity, Item5UserAttributeWithBadImageHeaderIsSkipped) {
  // A user attribute whose image header length (16) runs past its subpacket is dropped with the
  // rest of the user attributes; it neither crashes the parser nor changes the certificate.
  auto packets = parse_packets(keys().alice.certificate().serialize());
  ASSERT_TRUE(packets);
  Bytes out;
  for (std::size_t i = 0; i < packets->size(); ++i) {
    write_packet(out, static_cast<Tag>((*packets)[i].tag), (*packets)[i].body);
    if ((*packets)[i].tag == static_cast<std::uint8_t>(Tag::UserId)) {
      // Keep the certification with its user id; the attribute goes after it.
      ++i;
      write_packet(out, static_cast<Tag>((*packets)[i].tag), (*packets)[i].body);
      write_packet(out, Tag::UserAttribute, Bytes{0x05, 0x01, 0x10, 0x00, 0x01, 0x01});
    }
  }
  auto cert = Certificate::parse(out);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ(cert->fingerprint(), keys().alice.fingerprint());
  EXPECT_NE(cert->encryption_key(), nullptr);
}

TEST(PgpSecurity, Item6TrailingBytesAreRefused) {
  const Bytes inner = signed_inner("hello");
  ASSERT_TRUE(verify_inline(inner, {}));
  // "Literal + byte(s)": bytes after the last packet of a signed message.
  for (std::size_t extra = 1; extra <= 3; ++extra) {
    Bytes bad = inner;
    append(bad, Bytes(extra, 0x01));
    EXPECT_FALSE(verify_inline(bad, {}));
    EXPECT_FALSE(bob_decrypts(encrypt_raw_v2(bad)));
  }
  // Bytes after the encrypted data, and after the compressed stream inside its packet.
  Bytes msg = encrypt_raw_v2(inner);
  ASSERT_TRUE(bob_decrypts(msg));
  msg.push_back(0x00);
  EXPECT_FALSE(bob_decrypts(msg));
  Bytes comp_body{kCompressionZlib};
  append(comp_body, compress(kCompressionZlib, inner));
  comp_body.push_back(0x00);
  EXPECT_FALSE(bob_decrypts(encrypt_raw_v2(packet(Tag::Compressed, comp_body))));
  // Bytes inside a signature packet after its last field, and inside a PKESK.
  auto ps = parse_packets(inner);
  ASSERT_TRUE(ps);
  Bytes sig_body = ps->back().body;
  sig_body.push_back(0);
  EXPECT_FALSE(parse_signature(sig_body));
  Bytes esk = *pkesk_encrypt(6, *keys().bob.certificate().encryption_key(), new_session_key());
  ASSERT_TRUE(parse_pkesk(esk));
  esk.push_back(0);
  EXPECT_FALSE(parse_pkesk(esk));
  // Bytes inside a public-key packet.
  auto key_packets = parse_packets(keys().alice.certificate().serialize());
  ASSERT_TRUE(key_packets);
  Bytes key_body = (*key_packets)[0].body;
  key_body.push_back(0);
  EXPECT_FALSE(parse_public_key(key_body));
}

// --- Message grammar and nesting ---

TEST(PgpSecurity, Item7OnlyOneCompressionLayerIsUnpacked) {
  const Bytes inner = signed_inner("nested");
  Bytes layered = inner;
  for (int depth = 1; depth <= 8; ++depth) {
    layered = compressed_packet(depth % 2 == 0 ? kCompressionZip : kCompressionZlib, layered);
    auto v = verify_inline(layered, {});
    auto d = bob_decrypts(encrypt_raw_v2(layered));
    if (depth == 1) {
      EXPECT_TRUE(v) << v.error().message;
      EXPECT_TRUE(d) << d.error().message;
    } else {
      EXPECT_FALSE(v) << depth;
      EXPECT_FALSE(d) << depth;
    }
  }
  // A compressed packet holding a compressed packet (the shape a quine has after one layer) is
  // refused; rPGP's real quine is in Item7RpgpCompressionQuineIsRefused.
  Bytes self_like = compressed_packet(kCompressionZlib, compressed_packet(kCompressionZlib, {}));
  EXPECT_FALSE(verify_inline(self_like, {}));
}

Bytes read_corpus(const std::string& name) {
  std::ifstream in(std::string(DCBOT_SOURCE_DIR "/tests/fuzz/corpus/") + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(PgpSecurity, Item7RpgpCompressionQuineIsRefused) {
  // rPGP tests/quine.out (from mumble.net/~campbell): an old-format compressed packet (ZIP) whose
  // deflate stream, octets 3 to 180, inflates to the whole 182-octet file again. The stream runs
  // past the packet's declared 176 octets, so the framing already fails. Re-framed as a proper
  // compressed packet it is unpacked once, and the result (the quine) is refused as inner
  // message; a second layer would never be unpacked (Item7OnlyOneCompressionLayerIsUnpacked).
  const Bytes quine = read_corpus("pgp_packet/rpgp-quine.bin");
  ASSERT_EQ(quine.size(), 182u);
  ByteView stream = ByteView(quine).subspan(3, 178);
  auto once = decompress(kCompressionZip, stream, 1u << 20);
  ASSERT_TRUE(once) << once.error().message;
  EXPECT_EQ(*once, quine);
  EXPECT_FALSE(parse_packets(quine));
  EXPECT_FALSE(verify_inline(quine, {}));
  EXPECT_FALSE(bob_decrypts(encrypt_raw_v2(quine)));
  Bytes reframed_body{kCompressionZip};
  append(reframed_body, stream);
  const Bytes reframed = packet(Tag::Compressed, reframed_body);
  EXPECT_FALSE(verify_inline(reframed, {}));
  auto d = bob_decrypts(encrypt_raw_v2(reframed));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::Parse);
}

TEST(PgpSecurity, Item8DeepOnePassNestingDoesNotRecurse) {
  // 4000 one-pass signatures around one literal and 4000 signatures: handled iteratively.
  auto ps = parse_packets(signed_inner("deep"));
  ASSERT_TRUE(ps);
  ASSERT_EQ(ps->size(), 3u);
  constexpr std::size_t kDepth = 4000;
  Bytes deep;
  for (std::size_t i = 0; i < kDepth; ++i) {
    write_packet(deep, Tag::OnePassSignature, (*ps)[0].body);
  }
  write_packet(deep, Tag::Literal, (*ps)[1].body);
  for (std::size_t i = 0; i < kDepth; ++i) {
    write_packet(deep, Tag::Signature, (*ps)[2].body);
  }
  auto v = verify_inline(deep, {});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->signatures.size(), kDepth);
  // Past kMaxPackets the sequence is refused.
  Bytes too_many;
  for (std::size_t i = 0; i <= kMaxPackets; ++i) {
    write_packet(too_many, Tag::OnePassSignature, (*ps)[0].body);
  }
  EXPECT_FALSE(verify_inline(too_many, {}));
  // Signed inside compressed inside signed (the recursive shape) is refused, not recursed into.
  Bytes nested;
  write_packet(nested, Tag::OnePassSignature, (*ps)[0].body);
  append(nested, compressed_packet(kCompressionZip, signed_inner("deep")));
  write_packet(nested, Tag::Signature, (*ps)[2].body);
  EXPECT_FALSE(verify_inline(nested, {}));
}

TEST(PgpSecurity, Item9GrammarViolationsFail) {
  const Bytes good = signed_inner("x");
  ASSERT_TRUE(bob_decrypts(encrypt_raw_v2(good)));
  auto ps = parse_packets(good);
  ASSERT_TRUE(ps);
  const Bytes& ops = (*ps)[0].body;
  const Bytes& lit = (*ps)[1].body;
  const Bytes& sig = (*ps)[2].body;
  std::vector<std::pair<std::string, Bytes>> bad;
  bad.emplace_back("two literals", literal_packet("a") + literal_packet("b"));
  bad.emplace_back("two signed messages", good + good);
  // Nested messages: an encrypted message, a signed message in a literal's place, and an
  // encrypted message inside the compressed layer.
  bad.emplace_back("encrypted in encrypted", encrypt_raw_v2(good));
  bad.emplace_back("encrypted in signed", packet(Tag::OnePassSignature, ops) + encrypt_raw_v2(good)
                                              + packet(Tag::Signature, sig));
  bad.emplace_back("encrypted in compressed",
                   compressed_packet(kCompressionZip, encrypt_raw_v2(good)));
  for (std::uint8_t algo : {0, 1, 2, 3}) {
    bad.emplace_back("empty compressed " + std::to_string(algo),
                     packet(Tag::Compressed, Bytes{algo}));
  }
  bad.emplace_back("empty zlib stream", compressed_packet(kCompressionZlib, {}));
  bad.emplace_back("empty zip stream", compressed_packet(kCompressionZip, {}));
  bad.emplace_back("compressed marker",
                   compressed_packet(kCompressionZip, packet(Tag::Marker, as_bytes("PGP"))));
  bad.emplace_back("mdc after literal", good + packet(Tag::Mdc, Bytes(20, 0)));
  bad.emplace_back("mdc before literal", packet(Tag::Mdc, Bytes(20, 0)) + literal_packet("a"));
  // "Literal eating MDC": the literal's length claims the 22 octets the MDC used to occupy.
  Bytes eating{0xCB, static_cast<std::uint8_t>(lit.size() + 22)};
  append(eating, lit);
  bad.emplace_back("literal eating mdc", eating);
  // A filename field that swallows the literal data (and what would follow it).
  Bytes swallow{'b', 200, 'f'};
  bad.emplace_back("filename swallows literal", packet(Tag::Literal, swallow));
  bad.emplace_back(
      "pkesk after literal",
      good
          + packet(Tag::Pkesk, *pkesk_encrypt(3, *keys().bob.certificate().encryption_key(),
                                              new_session_key())));
  auto key_packets = parse_packets(keys().alice.certificate().serialize());
  bad.emplace_back("key after literal", good + packet(Tag::PublicKey, (*key_packets)[0].body));
  bad.emplace_back("ops + literal, no signature",
                   packet(Tag::OnePassSignature, ops) + packet(Tag::Literal, lit));
  bad.emplace_back("two ops, one signature", packet(Tag::OnePassSignature, ops) + good);
  Bytes unknown{0xC0 | 60, 1, 0};
  bad.emplace_back("unknown packet", unknown + good);
  bad.emplace_back("reserved packet", Bytes{0xC0, 1, 0} + good);
  bad.emplace_back("marker before literal", packet(Tag::Marker, as_bytes("PGP")) + good);
  for (const auto& [what, inner] : bad) {
    EXPECT_FALSE(verify_inline(inner, {})) << what;
    EXPECT_FALSE(bob_decrypts(encrypt_raw_v2(inner))) << what;
    EXPECT_FALSE(bob_decrypts(encrypt_raw_v1(inner))) << what;
  }
  // Outer grammar: two PKESKs and two SEIPDv1s; encrypted data not right after the ESKs; an ESK
  // after the encrypted data; a v6 ESK with a SEIPD v1; an MDC packet outside the SEIPD.
  Bytes v1 = encrypt_raw_v1(good);
  auto v1p = parse_packets(v1);
  ASSERT_TRUE(v1p);
  const Bytes pk = packet(Tag::Pkesk, (*v1p)[0].body);
  const Bytes sd = packet(Tag::Seipd, (*v1p)[1].body);
  ASSERT_TRUE(bob_decrypts(pk + sd));
  EXPECT_FALSE(bob_decrypts(pk + pk + sd + sd));
  EXPECT_FALSE(bob_decrypts(sd + pk + sd));
  EXPECT_FALSE(bob_decrypts(pk + sd + pk));
  EXPECT_FALSE(bob_decrypts(pk + sd + packet(Tag::Mdc, Bytes(20, 0))));
  EXPECT_FALSE(bob_decrypts(pk + packet(Tag::Literal, lit) + sd));
  SessionKey sk = new_session_key();
  Bytes v6_with_v1 =
      packet(Tag::Pkesk, *pkesk_encrypt(6, *keys().bob.certificate().encryption_key(), sk))
      + packet(Tag::Seipd, seipd_v1_encrypt(good, sk));
  expect_generic_failure(bob_decrypts(v6_with_v1));
}

// --- Resource bombs ---

TEST(PgpSecurity, Item10DecompressionBombIsCappedThroughDecrypt) {
  // 4 MiB of 'A' in < 10 KB: over a 1 MiB absolute cap, and over the ratio cap at any cap.
  Bytes lit{'b', 0, 0, 0, 0, 0};
  lit.resize(lit.size() + (4u << 20), 'A');
  Bytes inner = compressed_packet(kCompressionZlib, packet(Tag::Literal, lit));
  EXPECT_LT(inner.size(), 10000u);
  Bytes msg = encrypt_raw_v2(inner);
  const SecretKey* bob[] = {&keys().bob};
  auto capped = decrypt(msg, bob, {}, {}, 1u << 20);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().code, Errc::Parse);
  auto whole = decrypt(msg, bob, {}, {}, 8u << 20);
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().code, Errc::Parse);
  EXPECT_FALSE(verify_inline(inner, {}, 1u << 20));
  EXPECT_FALSE(verify_inline(inner, {}));
}

// The ratio cap (compress.h) at the default caps of decrypt() and verify_inline(): a bomb of zero
// octets whose output is far below kMaxPlaintext is refused, through SEIPD v1 and v2 and with a
// signature, with the same error as the absolute cap and without plaintext in it. Ordinary
// compressed mail of several MiB, and short repetitive mail, still decrypt.
TEST(PgpSecurity, Item10CompressionRatioCapThroughDecrypt) {
  const SecretKey* bob[] = {&keys().bob};
  const Certificate* verifiers[] = {&keys().alice.certificate()};
  const Certificate* to_bob[] = {&keys().bob.certificate()};
  const EncryptOptions compressed{.compress = true, .now = kNow};
  Bytes bomb_text(16u << 20, 0);
  std::copy_n("secret", 6, bomb_text.begin());
  Bytes lit{'b', 0, 0, 0, 0, 0};
  append(lit, bomb_text);
  const Bytes bomb = compressed_packet(kCompressionZip, packet(Tag::Literal, lit));
  ASSERT_LT(bomb.size(), bomb_text.size() / 900);
  const auto absolute = decrypt(encrypt_raw_v2(bomb), bob, {}, {}, 1u << 20);
  ASSERT_FALSE(absolute);
  auto expect_bomb_error = [&](const auto& r) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, absolute.error().code);
    EXPECT_EQ(r.error().message, absolute.error().message);
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  };
  expect_bomb_error(decrypt(encrypt_raw_v2(bomb), bob, {}, verifiers));
  expect_bomb_error(decrypt(encrypt_raw_v1(bomb), bob, {}, verifiers));
  expect_bomb_error(verify_inline(bomb, verifiers));
  auto signed_bomb = encrypt(bomb_text, keys().alice, to_bob, compressed);
  ASSERT_TRUE(signed_bomb);
  ASSERT_LT(signed_bomb->size(), bomb_text.size() / 500);
  expect_bomb_error(decrypt(*signed_bomb, bob, {}, verifiers));
  auto symmetric_bomb = encrypt_symmetric(bomb_text, "pw", &keys().alice, compressed);
  ASSERT_TRUE(symmetric_bomb);
  const std::string pw[] = {"pw"};
  expect_bomb_error(decrypt(*symmetric_bomb, {}, pw, verifiers));

  // Ordinary text of 3 MiB (a few to one compression) and 1 MiB of one repeated letter (over the
  // ratio but within kRatioFreeOutput) decrypt and verify at the default caps.
  std::string text;
  for (std::uint32_t i = 0; text.size() < (3u << 20); ++i) {
    text += "Line " + std::to_string(i * 2654435761u) + ": hello from the bot, ticket #"
            + std::to_string(i) + "\r\n";
  }
  for (const Bytes& plain : {to_bytes(text), Bytes(kRatioFreeOutput - 4096, 'A')}) {
    auto msg = encrypt(plain, keys().alice, to_bob, compressed);
    ASSERT_TRUE(msg);
    auto d = decrypt(*msg, bob, {}, verifiers);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->plaintext, plain);
    EXPECT_TRUE(d->is_signed());
  }
}

// The seeds of the pgp_inline fuzz target for item 10 behave as their names say at the default
// caps: the bombs are refused (by the ratio cap: their output is far under kMaxPlaintext), the
// repetitive literal within kRatioFreeOutput is read.
TEST(PgpSecurity, Item10FuzzSeedsAreRefusedByTheRatioCap) {
  for (const char* name : {"item10-zip-bomb-2mib-zeros.bin", "item10-zlib-bomb-2mib-zeros.bin"}) {
    const Bytes seed = read_corpus(std::string("pgp_inline/") + name);
    ASSERT_FALSE(seed.empty()) << name;
    auto r = verify_inline(seed, {});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().message, "pgp: decompressed data too large") << name;
  }
  for (const char* name : {"item10-raw-zlib-bomb.bin", "item10-raw-zip-bomb.bin"}) {
    const Bytes seed = read_corpus(std::string("pgp_inline/") + name);
    ASSERT_FALSE(seed.empty()) << name;
    EXPECT_FALSE(decompress(seed[0], ByteView(seed).subspan(1), kMaxPlaintext)) << name;
    auto uncapped = decompress(seed[0], ByteView(seed).subspan(1), kMaxPlaintext, 0);
    ASSERT_TRUE(uncapped) << name;
    EXPECT_EQ(uncapped->size(), 3u << 20) << name;
  }
  auto fine = verify_inline(read_corpus("pgp_inline/item10-under-free-allowance.bin"), {});
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(fine->plaintext, Bytes(kRatioFreeOutput - 100, 'A'));
}

// A SKESK v6 body with the given S2K specifier, AES-128 and OCB, and random nonce and key.
Bytes skesk_with_s2k(ByteView s2k, std::uint8_t cipher = kCipherAes128,
                     std::uint8_t aead = kAeadOcb) {
  Bytes body{6, static_cast<std::uint8_t>(3 + s2k.size() + 15), cipher, aead,
             static_cast<std::uint8_t>(s2k.size())};
  append(body, s2k);
  append(body, crypto::random_bytes(15 + 16 + 16));
  return body;
}

TEST(PgpSecurity, Item11ExpensiveS2KsAndManyEsksAreRefused) {
  Bytes salt(16, 7);
  // Argon2 (type 4) with t = p = 255 and m = 2^31 KiB: refused without running it.
  Bytes argon2{4};
  append(argon2, salt);
  append(argon2, Bytes{255, 255, 31});
  // Iterated and salted (type 3) with SHA-256 and the maximum count.
  Bytes iterated{3, 8};
  append(iterated, ByteView(salt).first(8));
  iterated.push_back(0xFF);
  for (const Bytes& s2k : {argon2, iterated}) {
    Bytes esk = skesk_with_s2k(s2k);
    auto sk = skesk_v6_decrypt(esk, "pw");
    ASSERT_FALSE(sk);
    EXPECT_EQ(sk.error().message, "decryption failed");
    Bytes msg = packet(Tag::Skesk, esk) + packet(Tag::Seipd, Bytes(60, 2));
    std::vector<std::string> pw{"pw"};
    expect_generic_failure(decrypt(msg, {}, pw, {}));
  }
  // Many ESKs: over the limit the message is refused as a whole.
  std::string password = "pw";
  auto sym = encrypt_symmetric(as_bytes("x"), password, nullptr, {.now = kNow});
  ASSERT_TRUE(sym);
  auto sp = parse_packets(*sym);
  ASSERT_TRUE(sp);
  Bytes many;
  for (int i = 0; i < 1000; ++i) {
    write_packet(many, Tag::Skesk, (*sp)[0].body);
  }
  append(many, packet(Tag::Seipd, (*sp)[1].body));
  std::vector<std::string> pw{password};
  EXPECT_FALSE(decrypt(many, {}, pw, {}));
}

TEST(PgpSecurity, Item12LongMpisAndRsaKeysAreRefused) {
  // read_mpi: 16384 bits is the largest accepted MPI.
  Bytes max_mpi{0x40, 0x00, 0x80};
  append(max_mpi, Bytes(2047, 0xFF));
  ByteReader ok(max_mpi);
  auto m = read_mpi(ok);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 2048u);
  Bytes over{0x40, 0x01, 0x01};
  append(over, Bytes(2048, 0xFF));
  ByteReader too_big(over);
  EXPECT_FALSE(read_mpi(too_big));
  // A v4 RSA (algo 1) certificate with a 16384-bit modulus, and one with a 65535-bit modulus
  // whose MPI is cut short: refused, RSA is not an algorithm this engine accepts.
  for (const Bytes& n : {max_mpi, over}) {
    Bytes key{4, 0x6B, 0x49, 0x3E, 0x00, 1};
    append(key, n);
    append(key, Bytes{0x00, 0x11, 0x01, 0x00, 0x01});
    auto cert = Certificate::parse(packet(Tag::PublicKey, key));
    ASSERT_FALSE(cert);
    EXPECT_NE(cert.error().code, Errc::Internal);
  }
}

// --- Cryptographic edge cases ---

TEST(PgpSecurity, Item13UnknownAlgorithmIdsAndIdeaAreRefused) {
  // SKESK: IDEA (1), an unknown cipher (99), an unknown AEAD (99), salted S2K with an unknown
  // hash (99) and with hash id 0.
  Bytes salted{1, 8};
  append(salted, Bytes(16, 1));
  for (const Bytes& esk :
       {skesk_with_s2k(salted, 1), skesk_with_s2k(salted, 99), skesk_with_s2k(salted, 7, 99),
        skesk_with_s2k(Bytes{1, 99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
        skesk_with_s2k(Bytes{1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
        skesk_with_s2k(Bytes{99})}) {
    auto r = skesk_v6_decrypt(esk, "pw");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "decryption failed");
  }
  // SEIPD v1 with an IDEA or unknown session-key algorithm.
  for (std::uint8_t algo : {0, 1, 2, 3, 99}) {
    SessionKey sk{algo, crypto::random_secret(16)};
    Bytes body = seipd_v1_encrypt(literal_packet("x"), new_session_key());
    EXPECT_FALSE(seipd_v1_decrypt(ByteView(body).subspan(1), sk)) << int{algo};
  }
  // SEIPD v2 headers naming IDEA, an unknown cipher, an unknown AEAD, or a huge chunk size.
  SessionKey sk = new_session_key();
  Bytes good = seipd_v2_encrypt(literal_packet("x"), sk);
  ASSERT_TRUE(seipd_v2_decrypt(ByteView(good).subspan(1), sk, kMaxPlaintext));
  for (std::size_t field : {1u, 2u, 3u}) {
    for (std::uint8_t value : {0, 1, 99, 255}) {
      Bytes bad = good;
      bad[field] = value;
      EXPECT_FALSE(seipd_v2_decrypt(ByteView(bad).subspan(1), sk, kMaxPlaintext))
          << field << " " << int{value};
    }
  }
  // A PKESK for an unknown public-key algorithm keeps only its header and never decrypts.
  Bytes unknown_pkesk{3, 0, 0, 0, 0, 0, 0, 0, 0, 99, 1, 2, 3};
  auto parsed = parse_pkesk(unknown_pkesk);
  ASSERT_TRUE(parsed);
  for (const auto& d : keys().bob.decryptors()) {
    EXPECT_FALSE(pkesk_decrypt(*parsed, d));
  }
  expect_generic_failure(bob_decrypts(packet(Tag::Pkesk, unknown_pkesk)
                                      + packet(Tag::Seipd, seipd_v1_encrypt(Bytes{1}, sk))));
  // A key packet with an unknown public-key algorithm is Unsupported, not a crash.
  auto key = Certificate::parse(packet(Tag::PublicKey, Bytes{4, 0, 0, 0, 0, 99, 1, 2, 3}));
  ASSERT_FALSE(key);
}

TEST(PgpSecurity, Item15CiphertextShorterThanBlockPlusTwo) {
  SessionKey sk = new_session_key();
  for (std::size_t n = 0; n <= 40; ++n) {
    Bytes data = crypto::random_bytes(n);
    EXPECT_FALSE(seipd_v1_decrypt(data, sk)) << n;
    EXPECT_FALSE(seipd_v2_decrypt(data, sk, kMaxPlaintext)) << n;
  }
  // And through decrypt(): a real PKESK v3 followed by a 17-octet SEIPD v1 body.
  Bytes v1 = encrypt_raw_v1(literal_packet("x"));
  auto ps = parse_packets(v1);
  ASSERT_TRUE(ps);
  Bytes body{1};
  append(body, crypto::random_bytes(17));
  expect_generic_failure(
      bob_decrypts(packet(Tag::Pkesk, (*ps)[0].body) + packet(Tag::Seipd, body)));
}

// SEIPD v1 body with a chosen MDC packet header and, when `good_hash`, the right SHA-1.
Bytes seipd_v1_with_mdc(ByteView inner, const SessionKey& sk, std::uint8_t tag, std::uint8_t len,
                        bool good_hash) {
  Bytes plain = crypto::random_bytes(16);
  plain.push_back(plain[14]);
  plain.push_back(plain[15]);
  append(plain, inner);
  plain.push_back(tag);
  plain.push_back(len);
  Bytes digest = crypto::hash(crypto::HashAlgo::Sha1, plain);
  if (!good_hash) {
    digest[19] ^= 1;
  }
  append(plain, digest);
  std::array<std::uint8_t, 16> iv{};
  Bytes body{1};
  append(body, *crypto::aes_cfb_encrypt(sk.key.view(), iv, plain));
  return body;
}

TEST(PgpSecurity, Item16MdcTamperingFailsWithTheSameError) {
  const Bytes inner = literal_packet("secret plaintext");
  SessionKey sk = new_session_key();
  ASSERT_TRUE(
      seipd_v1_decrypt(ByteView(seipd_v1_with_mdc(inner, sk, 0xD3, 0x14, true)).subspan(1), sk));
  std::vector<Bytes> bad{seipd_v1_with_mdc(inner, sk, 0xD3, 0x14, false),
                         seipd_v1_with_mdc(inner, sk, 0xD3, 0x15, true),
                         seipd_v1_with_mdc(inner, sk, 0xD3, 0x13, true),
                         seipd_v1_with_mdc(inner, sk, 0xCB, 0x14, true),
                         seipd_v1_with_mdc(inner, sk, 0x93, 0x14, true)};
  Bytes good = seipd_v1_encrypt(inner, sk);
  Bytes flipped_last = good;
  flipped_last.back() ^= 0x01;
  bad.push_back(flipped_last);
  Bytes flipped_block = good;
  flipped_block[flipped_block.size() - 30] ^= 0x80;
  bad.push_back(flipped_block);
  for (std::size_t cut : {1u, 2u, 20u, 21u, 22u}) {
    bad.push_back(Bytes(good.begin(), good.end() - static_cast<std::ptrdiff_t>(cut)));
  }
  // Each body also goes through decrypt() behind a PKESK for the same session key.
  Bytes pkesk_body = *pkesk_encrypt(3, *keys().bob.certificate().encryption_key(), sk);
  for (const Bytes& body : bad) {
    auto r = seipd_v1_decrypt(ByteView(body).subspan(1), sk);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::Crypto);
    EXPECT_EQ(r.error().message, "decryption failed");
    auto d = bob_decrypts(packet(Tag::Pkesk, pkesk_body) + packet(Tag::Seipd, body));
    expect_generic_failure(d);
    EXPECT_EQ(d.error().message.find("secret"), std::string::npos);
  }
}

// SECURITY.md 16 "constant time", proven without measuring time: every integrity check on
// decrypted data goes through crypto::constant_time_equal (itself checked under Valgrind memcheck
// in sdk/crypto, ConstantTimeEqual.NoBranchOnTheContentsUnderMemcheck), exactly once per check,
// and on every failure as on success: a bad MDC header does not skip the hash compare. Lengths,
// chunk positions and fingerprints are public and need no constant-time compare.
TEST(PgpSecurity, Item16IntegrityChecksGoThroughTheConstantTimeCompare) {
  auto calls = crypto::constant_time_equal_calls;
  const Bytes inner = literal_packet("secret plaintext");
  SessionKey sk = new_session_key();

  // SEIPD v1: one compare of the MDC per decryption, whatever is wrong with it.
  std::vector<std::pair<std::string, Bytes>> v1{
      {"good", seipd_v1_with_mdc(inner, sk, 0xD3, 0x14, true)},
      {"hash", seipd_v1_with_mdc(inner, sk, 0xD3, 0x14, false)},
      {"length", seipd_v1_with_mdc(inner, sk, 0xD3, 0x15, true)},
      {"tag", seipd_v1_with_mdc(inner, sk, 0xCB, 0x14, true)},
      {"both", seipd_v1_with_mdc(inner, sk, 0x00, 0x00, false)}};
  Bytes cut = seipd_v1_encrypt(inner, sk);
  cut.pop_back();
  v1.emplace_back("cut", cut);
  for (const auto& [what, body] : v1) {
    const std::uint64_t before = calls();
    auto r = seipd_v1_decrypt(ByteView(body).subspan(1), sk);
    EXPECT_EQ(r.has_value(), what == "good") << what;
    EXPECT_EQ(calls() - before, 1u) << what;
  }

  // SEIPD v2: one OCB tag compare per chunk plus the final tag; a bad chunk stops there.
  Bytes big(3 * 8192 + 100, 'x');  // Four 8 KiB chunks.
  const Bytes v2 = seipd_v2_encrypt(big, sk);
  std::uint64_t before = calls();
  ASSERT_TRUE(seipd_v2_decrypt(ByteView(v2).subspan(1), sk, kMaxPlaintext));
  EXPECT_EQ(calls() - before, 5u);
  Bytes bad_final = v2;
  bad_final.back() ^= 1;
  before = calls();
  EXPECT_FALSE(seipd_v2_decrypt(ByteView(bad_final).subspan(1), sk, kMaxPlaintext));
  EXPECT_EQ(calls() - before, 5u);
  Bytes bad_second = v2;
  bad_second[4 + 32 + 8192 + 16 + 5] ^= 1;  // Header, salt, first chunk and tag, into the second.
  before = calls();
  EXPECT_FALSE(seipd_v2_decrypt(ByteView(bad_second).subspan(1), sk, kMaxPlaintext));
  EXPECT_EQ(calls() - before, 2u);

  // SKESK v6: the session key's OCB tag, for the right and for a wrong password.
  const Bytes skesk = skesk_v6_encrypt(sk, "right");
  before = calls();
  ASSERT_TRUE(skesk_v6_decrypt(skesk, "right"));
  EXPECT_EQ(calls() - before, 1u);
  before = calls();
  EXPECT_FALSE(skesk_v6_decrypt(skesk, "wrong"));
  EXPECT_EQ(calls() - before, 1u);

  // PKESK (ECDH, v3 and v6): the AES key-wrap integrity value, also when the wrapped key is
  // tampered with or the PKESK is for somebody else.
  for (std::uint8_t version : {3, 6}) {
    const Bytes body = *pkesk_encrypt(version, *keys().bob.certificate().encryption_key(), sk);
    Bytes tampered = body;
    tampered.back() ^= 1;
    const Bytes for_alice =
        *pkesk_encrypt(version, *keys().alice.certificate().encryption_key(), sk);
    const auto& bob_d = keys().bob.decryptors().front();
    for (const auto& [what, b] : std::vector<std::pair<std::string, Bytes>>{
             {"good", body}, {"tampered", tampered}, {"other key", for_alice}}) {
      auto p = parse_pkesk(b);
      ASSERT_TRUE(p) << what;
      before = calls();
      auto r = pkesk_decrypt(*p, bob_d);
      EXPECT_EQ(r.has_value(), what == "good") << what;
      EXPECT_EQ(calls() - before, 1u) << what << " v" << int{version};
    }
  }
}

TEST(PgpSecurity, Item18MpiLeadingZerosWrongBitCountsAndZeroLength) {
  // Leading zero octets and a bit count larger than the value: the magnitude is stripped.
  const Bytes padded_bytes{0x00, 0x18, 0x00, 0x00, 0x05};
  ByteReader padded(padded_bytes);
  auto a = read_mpi(padded);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, Bytes{0x05});
  // A bit count smaller than the value: the octet count follows the bit count.
  const Bytes small_bytes{0x00, 0x01, 0xFF};
  ByteReader small(small_bytes);
  auto b = read_mpi(small);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, Bytes{0xFF});
  // Zero length.
  const Bytes zero_bytes{0x00, 0x00};
  ByteReader zero(zero_bytes);
  auto c = read_mpi(zero);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  // An EdDSA signature with zero-length, and with oversized, r and s does not verify.
  Bytes sig = *sign_detached(as_bytes("x"), keys().alice, kNow);
  auto sp = parse_packets(sig);
  ASSERT_TRUE(sp);
  Bytes body = (*sp)[0].body;
  std::size_t hashed = (std::size_t{body[4]} << 8) | body[5];
  std::size_t unhashed = (std::size_t{body[6 + hashed]} << 8) | body[7 + hashed];
  std::size_t mpis = 8 + hashed + unhashed + 2;
  Bytes zeroed(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(mpis));
  append(zeroed, Bytes{0, 0, 0, 0});
  auto z = parse_signature(zeroed);
  ASSERT_TRUE(z);
  EXPECT_FALSE(verify_signature(*z, as_bytes("x"), keys().alice.certificate().primary()));
  Bytes padded_sig(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(mpis));
  append(padded_sig, Bytes{0x01, 0x08});
  append(padded_sig, Bytes(33, 0x01));
  append(padded_sig, Bytes{0x01, 0x08});
  append(padded_sig, Bytes(33, 0x01));
  EXPECT_FALSE(parse_signature(padded_sig));
}

TEST(PgpSecurity, Item19AllZeroSharedSecretAndBadEphemeralPoints) {
  const PublicKey& sub = *keys().bob.certificate().encryption_key();
  SessionKey sk = new_session_key();
  auto esk = pkesk_encrypt(3, sub, sk);
  ASSERT_TRUE(esk);
  auto parsed = parse_pkesk(*esk);
  ASSERT_TRUE(parsed);
  const auto& d = keys().bob.decryptors().front();
  ASSERT_TRUE(pkesk_decrypt(*parsed, d));
  // Small-order points u = 0 and u = 1 give an all-zero shared secret.
  for (std::uint8_t u : {0, 1}) {
    Pkesk zero = *parsed;
    zero.ephemeral.assign(32, 0);
    zero.ephemeral[0] = u;
    auto r = pkesk_decrypt(zero, d);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "decryption failed");
  }
  // Wrong-length ephemeral points and a missing 0x40 prefix are refused by the parser.
  for (std::size_t len : {0u, 1u, 31u, 32u, 34u, 65u}) {
    Bytes body{3, 0, 0, 0, 0, 0, 0, 0, 0, kAlgoEcdh};
    Bytes point(len, 0x09);
    if (!point.empty() && len != 32) {
      point[0] = 0x40;
    }
    write_mpi(body, point);
    body.push_back(24);
    append(body, Bytes(24, 0));
    EXPECT_FALSE(parse_pkesk(body)) << len;
  }
  // A wrapped key of a length that is no multiple of 8, or too short, never decrypts.
  for (std::size_t len : {0u, 8u, 16u, 23u, 25u, 255u}) {
    Pkesk w = *parsed;
    w.wrapped = crypto::random_bytes(len);
    EXPECT_FALSE(pkesk_decrypt(w, d)) << len;
  }
}

TEST(PgpSecurity, Item19SessionKeysWithZeroPaddingRoundTrip) {
  // Session keys that start or end with zero octets survive the ECDH wrap (no MPI stripping).
  const PublicKey& sub = *keys().bob.certificate().encryption_key();
  const auto& d = keys().bob.decryptors().front();
  for (std::uint8_t version : {3, 6}) {
    for (int shape = 0; shape < 3; ++shape) {
      Bytes raw = crypto::random_bytes(16);
      if (shape != 2) {
        raw[0] = 0;
        raw[1] = 0;
      }
      if (shape != 0) {
        raw[15] = 0;
        raw[14] = 0;
      }
      SessionKey sk{kCipherAes128, crypto::SecretBytes(raw)};
      auto esk = pkesk_encrypt(version, sub, sk);
      ASSERT_TRUE(esk);
      auto back = pkesk_decrypt(*parse_pkesk(*esk), d);
      ASSERT_TRUE(back) << int{version} << " " << shape;
      EXPECT_EQ(back->key.view().size(), 16u);
      EXPECT_TRUE(std::equal(raw.begin(), raw.end(), back->key.view().begin()));
    }
  }
}

TEST(PgpSecurity, Item19UnusualEcdhKdfParametersDisableTheKey) {
  // KDF hash SHA-1 (2), an unknown hash (99), IDEA (1) as the wrap cipher: never decrypts.
  const auto& d = keys().bob.decryptors().front();
  auto esk = parse_pkesk(*pkesk_encrypt(3, d.key, new_session_key()));
  ASSERT_TRUE(esk);
  for (auto [hash, cipher] : std::vector<std::pair<std::uint8_t, std::uint8_t>>{
           {2, 7}, {99, 7}, {8, 1}, {8, 99}, {0, 0}}) {
    SecretKey::Decryptor odd{d.key, d.scalar};
    odd.key.kdf_hash = hash;
    odd.key.kdf_cipher = cipher;
    EXPECT_FALSE(pkesk_decrypt(*esk, odd)) << int{hash} << " " << int{cipher};
  }
}

TEST(PgpSecurity, Item19UnclampedCv25519SecretKeyStillDecrypts) {
  // The cv25519 secret MPI is the scalar big-endian; its last octet holds the three bits that
  // clamping clears. Set them (and fix the checksum): X25519 clamps, so the key still works.
  auto packets = parse_packets(keys().bob.serialize());
  ASSERT_TRUE(packets);
  Bytes out;
  bool changed = false;
  for (const Packet& p : *packets) {
    Bytes body = p.body;
    if (p.tag == static_cast<std::uint8_t>(Tag::SecretSubkey)) {
      // ... || s2k usage 0 || MPI(2 + 32) || checksum(2).
      std::size_t last = body.size() - 3;
      std::size_t mpi_at = body.size() - 2 - 34;
      body[last] = static_cast<std::uint8_t>(body[last] | 0x07);
      std::uint32_t sum = 0;
      for (std::size_t i = mpi_at; i < body.size() - 2; ++i) {
        sum += body[i];
      }
      body[body.size() - 2] = static_cast<std::uint8_t>(sum >> 8);
      body[body.size() - 1] = static_cast<std::uint8_t>(sum);
      changed = true;
    }
    write_packet(out, static_cast<Tag>(p.tag), body);
  }
  ASSERT_TRUE(changed);
  auto unclamped = SecretKey::parse(out);
  ASSERT_TRUE(unclamped) << unclamped.error().message;
  auto msg = encrypt_raw_v2(literal_packet("clamp"));
  const SecretKey* key[] = {&*unclamped};
  auto dec = decrypt(msg, key, {}, {});
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(to_string(dec->plaintext), "clamp");
}

TEST(PgpSecurity, Item19OffCurveAndWrongLengthEd25519KeysNeverVerify) {
  Bytes sig_packet = *sign_detached(as_bytes("x"), keys().alice, kNow);
  auto sp = parse_packets(sig_packet);
  ASSERT_TRUE(sp);
  auto sig = parse_signature((*sp)[0].body);
  ASSERT_TRUE(sig);
  const PublicKey& primary = keys().alice.certificate().primary();
  ASSERT_TRUE(verify_signature(*sig, as_bytes("x"), primary));
  // y = 2 and y = 7 are not on Ed25519 (x^2 has no square root), y = 2^255 - 1 is not canonical.
  Bytes y2(32, 0);
  y2[0] = 2;
  Bytes y7(32, 0);
  y7[0] = 7;
  Bytes big(32, 0xFF);
  big[31] = 0x7F;
  for (const Bytes& point : {y2, y7, big, Bytes(31, 1), Bytes(33, 1), Bytes{}}) {
    PublicKey off = primary;
    off.point = point;
    EXPECT_FALSE(verify_signature(*sig, as_bytes("x"), off)) << point.size();
  }
}

// --- Keys and signatures ---

// Rebuilds alice's certificate from its packets, transformed by `edit`.
template <class Edit>
Result<Certificate> edited_cert(Edit edit) {
  auto packets = *parse_packets(keys().alice.certificate().serialize());
  edit(packets);
  Bytes out;
  for (const Packet& p : packets) {
    write_packet(out, static_cast<Tag>(p.tag), p.body);
  }
  return Certificate::parse(out);
}

bool has_tag(const std::vector<Packet>& ps, Tag tag) {
  return std::any_of(ps.begin(), ps.end(),
                     [tag](const Packet& p) { return p.tag == static_cast<std::uint8_t>(tag); });
}

TEST(PgpSecurity, Item20PerturbedCertificates) {
  auto base = *parse_packets(keys().alice.certificate().serialize());
  ASSERT_TRUE(has_tag(base, Tag::UserId));
  ASSERT_TRUE(has_tag(base, Tag::PublicSubkey));
  // No user id (and its certification): still a key, the core's certificates carry the DKS.
  auto no_uid = edited_cert([](std::vector<Packet>& ps) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].tag == static_cast<std::uint8_t>(Tag::UserId)) {
        ps.erase(ps.begin() + static_cast<std::ptrdiff_t>(i),
                 ps.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        break;
      }
    }
  });
  ASSERT_TRUE(no_uid) << no_uid.error().message;
  EXPECT_TRUE(no_uid->user_ids().empty());
  EXPECT_NE(no_uid->encryption_key(), nullptr);
  // A signature whose version does not match the key (4 -> 6, and v5) is not a valid binding:
  // the subkey it binds is not used.
  for (std::uint8_t version : {3, 5, 6}) {
    auto r = edited_cert([version](std::vector<Packet>& ps) { ps.back().body[0] = version; });
    EXPECT_FALSE(r) << int{version};
  }
  // Reordered: the subkey and its binding before the user id; the binding before its subkey;
  // the primary key not first; a key packet twice.
  auto subkey_first = edited_cert(
      [](std::vector<Packet>& ps) { std::rotate(ps.begin() + 1, ps.end() - 2, ps.end()); });
  ASSERT_TRUE(subkey_first) << subkey_first.error().message;
  EXPECT_EQ(subkey_first->fingerprint(), keys().alice.fingerprint());
  EXPECT_EQ(subkey_first->user_ids(), keys().alice.certificate().user_ids());
  EXPECT_NE(subkey_first->encryption_key(), nullptr);
  auto binding_first =
      edited_cert([](std::vector<Packet>& ps) { std::iter_swap(ps.end() - 1, ps.end() - 2); });
  EXPECT_FALSE(binding_first);
  EXPECT_FALSE(edited_cert(
      [](std::vector<Packet>& ps) { std::rotate(ps.begin(), ps.begin() + 1, ps.end()); }));
  EXPECT_FALSE(edited_cert([](std::vector<Packet>& ps) { ps.insert(ps.begin() + 1, ps[0]); }));
  // A perturbed binding signature (one bit in its hashed area) is not accepted.
  auto perturbed = edited_cert([](std::vector<Packet>& ps) { ps.back().body[10] ^= 0x01; });
  EXPECT_FALSE(perturbed);
}

TEST(PgpSecurity, Item21NoEncryptionToSubkeysWithoutEncryptionFlags) {
  // Alice's cv25519 subkey re-bound by a valid signature whose key flags lack 0x04 and 0x08.
  const Certificate& cert = keys().alice.certificate();
  const PublicKey& sub = *cert.encryption_key();
  auto packets = *parse_packets(cert.serialize());
  for (std::uint8_t flags : {0x00, 0x01, 0x20}) {
    Bytes created;
    put_u32be(created, kNow);
    Bytes hashed;
    write_subpacket(hashed, kSubCreated, false, created);
    write_subpacket(hashed, kSubKeyFlags, false, Bytes{flags});
    auto binding = make_signature(kSigSubkeyBinding, hashed, {},
                                  key_signature_data(cert.primary(), nullptr, &sub),
                                  keys().alice.signing_seed());
    ASSERT_TRUE(binding);
    Bytes out;
    for (const Packet& p : packets) {
      if (p.tag == static_cast<std::uint8_t>(Tag::PublicSubkey)) {
        break;
      }
      write_packet(out, static_cast<Tag>(p.tag), p.body);
    }
    write_packet(out, Tag::PublicSubkey, sub.body);
    write_packet(out, Tag::Signature, binding->serialize());
    auto parsed = Certificate::parse(out);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->encryption_key(), nullptr) << int{flags};
    const Certificate* to[] = {&*parsed};
    auto msg = encrypt_to(as_bytes("x"), to, nullptr, {.now = kNow});
    ASSERT_FALSE(msg);
    EXPECT_EQ(msg.error().code, Errc::Unsupported);
  }
}

// --- Armor and cleartext ---

TEST(PgpSecurity, Item22ArmorCases) {
  const std::string good =
      armor_encode(as_bytes("hello world"), ArmorKind::Message, LineEnding::Lf);
  // Incomplete armor: every prefix fails.
  for (std::size_t n = 0; n + 1 < good.size(); n += 7) {
    EXPECT_FALSE(armor_decode(good.substr(0, n))) << n;
  }
  // A very long base64 line (4 MiB) and a very long header: bounded, no crash.
  std::string long_line = "-----BEGIN PGP MESSAGE-----\n\n" + std::string(4u << 20, 'A')
                          + "\n-----END PGP MESSAGE-----\n";
  auto l = armor_decode(long_line);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->data.size(), 3u << 20);
  std::string long_header = "-----BEGIN PGP MESSAGE-----\nComment: " + std::string(1u << 20, 'c')
                            + "\n\naGVsbG8=\n-----END PGP MESSAGE-----\n";
  EXPECT_FALSE(armor_decode(long_header));  // Header lines are capped at 4 KiB.
  // An unknown header and CRLF line endings.
  auto u = armor_decode(
      "-----BEGIN PGP MESSAGE-----\r\nX-Unknown: y\r\n\r\naGVsbG8=\r\n-----END PGP "
      "MESSAGE-----\r\n");
  ASSERT_TRUE(u);
  EXPECT_EQ(to_string(u->data), "hello");
  // Several blocks in a row: the first one is decoded.
  std::string two = good + armor_encode(as_bytes("second"), ArmorKind::Message, LineEnding::Lf);
  auto t = armor_decode(two);
  ASSERT_TRUE(t);
  EXPECT_EQ(to_string(t->data), "hello world");
  // Other BEGIN markers inside, and a body that is not base64.
  EXPECT_FALSE(
      armor_decode("-----BEGIN PGP MESSAGE-----\n\naGVs\n-----BEGIN PGP SIGNATURE-----\n"
                   "-----END PGP MESSAGE-----\n"));
  EXPECT_FALSE(
      armor_decode("-----BEGIN PGP MESSAGE-----\n\n\xff\xfe\n-----END PGP MESSAGE-----\n"));
  EXPECT_FALSE(
      armor_decode("-----BEGIN PGP MESSAGE-----\n\naGVsbG8=\n=AAAA\n=BBBB\n"
                   "-----END PGP MESSAGE-----\n"));
  EXPECT_FALSE(armor_decode(std::string(kMaxArmorText + 1, 'x')));
}

TEST(PgpSecurity, Item23CleartextSignaturesAreNotArmorWeDecode) {
  // The engine has no cleartext signature framework (the core neither sends nor reads it): every
  // shape from the rPGP csf tests is refused as an unknown armor label.
  for (std::string body : {"", "\nstarts with a newline", "- bad dash", "-- not escaped"}) {
    std::string text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\nNotDashEscaped: yes\n\n"
                       + body + "\n-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n"
                       + "-----END PGP SIGNATURE-----\n";
    auto r = armor_decode(text);
    EXPECT_FALSE(r && r->kind == ArmorKind::Message) << body;
  }
}

// --- Limits worth copying ---

TEST(PgpSecurity, LimitSubpacketLengthsMatchWhenWriting) {
  for (std::size_t n : {0u, 189u, 190u, 191u, 8382u, 8383u, 8384u, 70000u}) {
    Bytes area;
    write_subpacket(area, kSubNotation, false, Bytes(n, 0x5A));
    auto sps = parse_subpackets(area);
    ASSERT_TRUE(sps) << n;
    ASSERT_EQ(sps->size(), 1u);
    EXPECT_EQ((*sps)[0].data.size(), n);
  }
}

}  // namespace
}  // namespace dcbot::pgp
