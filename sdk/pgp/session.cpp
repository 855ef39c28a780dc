// SPDX-License-Identifier: MIT
#include "pgp/session.h"

#include <algorithm>
#include <array>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/ocb.h"
#include "crypto/random.h"
#include "pgp/packet.h"

namespace dcbot::pgp {

using crypto::SecretBytes;

namespace {

constexpr std::uint8_t kChunkOctet = 7;  // 2^(7+6) = 8 KiB chunks, like the core.
constexpr std::size_t kOcbNonce = 15;
constexpr std::size_t kTag = 16;

}  // namespace

Error decryption_failed() {
  return make_error(Errc::Crypto, "decryption failed");
}

std::optional<std::size_t> aes_key_size(std::uint8_t algo) {
  switch (algo) {
    case 7:
      return 16;
    case 8:
      return 24;
    case 9:
      return 32;
    default:
      return std::nullopt;
  }
}

SessionKey new_session_key() {
  return SessionKey{kCipherAes128, crypto::random_secret(16)};
}

// --- SKESK v6 (RFC 9580 §5.3.2, PROTOCOL.md §1.4) ---

namespace {

struct SkeskV6 {
  std::uint8_t cipher = 0;
  std::size_t key_size = 0;
  ByteView s2k;
  ByteView iv;
  ByteView encrypted;
};

// RFC 9580 §5.3.2: version, count of the next fields, cipher, AEAD mode, S2K length, S2K, nonce,
// then the encrypted session key with its tag. OCB only, as the core writes it.
Result<SkeskV6> parse_skesk_v6(ByteView body) {
  ByteReader r(body);
  DCBOT_TRY(auto version, r.u8());
  DCBOT_TRY(auto count, r.u8());
  SkeskV6 s;
  DCBOT_TRY(s.cipher, r.u8());
  DCBOT_TRY(auto aead, r.u8());
  DCBOT_TRY(auto s2k_len, r.u8());
  DCBOT_TRY(s.s2k, r.take(s2k_len));
  auto klen = aes_key_size(s.cipher);
  if (version != 6 || aead != kAeadOcb || !klen || count != 3 + s2k_len + kOcbNonce) {
    return decryption_failed();
  }
  s.key_size = *klen;
  DCBOT_TRY(s.iv, r.take(kOcbNonce));
  s.encrypted = r.rest();
  return s;
}

Result<SessionKey> skesk_unwrap(const SkeskV6& s, ByteView derived) {
  if (derived.size() < s.key_size) {
    return decryption_failed();
  }
  std::array<std::uint8_t, 4> info{0xC3, 6, s.cipher, kAeadOcb};
  auto kek = crypto::hkdf_sha256(derived.first(s.key_size), {}, info, s.key_size);
  if (!kek) {
    return decryption_failed();
  }
  auto key = crypto::aes_ocb_decrypt(kek->view(), s.iv, info, s.encrypted);
  if (!key || key->size() != s.key_size) {
    return decryption_failed();
  }
  SessionKey sk{s.cipher, SecretBytes(*key)};
  crypto::secure_wipe(key->data(), key->size());
  return sk;
}

}  // namespace

Result<SessionKey> skesk_v6_decrypt_with_key(ByteView body, ByteView derived_key) {
  DCBOT_TRY(auto s, parse_skesk_v6(body));
  return skesk_unwrap(s, derived_key);
}

Result<SessionKey> skesk_v6_decrypt(ByteView body, std::string_view password) {
  DCBOT_TRY(auto s, parse_skesk_v6(body));
  // Only salted S2K with SHA-256 (type 1): iterated and Argon2 are refused (SECURITY.md 11).
  if (s.s2k.size() != 10 || s.s2k[0] != 1 || s.s2k[1] != 8) {
    return decryption_failed();
  }
  crypto::Hasher h(crypto::HashAlgo::Sha256);
  h.update(s.s2k.subspan(2, 8));
  h.update(as_bytes(password));
  Bytes k = h.finish();
  auto sk = skesk_unwrap(s, k);
  crypto::secure_wipe(k.data(), k.size());
  return sk;
}

Bytes skesk_v6_encrypt(const SessionKey& sk, std::string_view password) {
  Bytes salt = crypto::random_bytes(8);
  Bytes iv = crypto::random_bytes(kOcbNonce);
  crypto::Hasher h(crypto::HashAlgo::Sha256);
  h.update(salt);
  h.update(as_bytes(password));
  Bytes k = h.finish();
  std::array<std::uint8_t, 4> info{0xC3, 6, kCipherAes128, kAeadOcb};
  auto kek = crypto::hkdf_sha256(ByteView(k).first(16), {}, info, 16);
  crypto::secure_wipe(k.data(), k.size());
  DCBOT_CHECK(kek.has_value(), "hkdf of 16 bytes");
  auto sealed = crypto::aes_ocb_encrypt(kek->view(), iv, info, sk.key.view());
  DCBOT_CHECK(sealed.has_value(), "ocb with a 16-byte key");
  Bytes body{6, static_cast<std::uint8_t>(3 + 10 + kOcbNonce), kCipherAes128, kAeadOcb, 10, 1, 8};
  append(body, salt);
  append(body, iv);
  append(body, *sealed);
  return body;
}

// --- SEIPD (RFC 9580 §5.13) ---

Result<Bytes> seipd_v1_decrypt(ByteView data, const SessionKey& sk) {
  if (!aes_key_size(sk.algo) || aes_key_size(sk.algo) != sk.key.size()
      || data.size() < 16 + 2 + 22) {
    return decryption_failed();
  }
  std::array<std::uint8_t, 16> iv{};
  auto plain = crypto::aes_cfb_decrypt(sk.key.view(), iv, data);
  if (!plain) {
    return decryption_failed();
  }
  // The quick-check octets are not checked (no oracle); the MDC covers everything.
  ByteView p = *plain;
  ByteView mdc = p.last(22);
  crypto::Hasher h(crypto::HashAlgo::Sha1);
  h.update(p.first(p.size() - 20));
  Bytes digest = h.finish();
  bool ok = mdc[0] == 0xD3 && mdc[1] == 0x14;
  ok = crypto::constant_time_equal(digest, mdc.subspan(2)) && ok;
  if (!ok) {
    return decryption_failed();
  }
  return Bytes(p.begin() + 18, p.end() - 22);
}

Bytes seipd_v1_encrypt(ByteView inner, const SessionKey& sk) {
  Bytes plain = crypto::random_bytes(16);
  plain.push_back(plain[14]);
  plain.push_back(plain[15]);
  append(plain, inner);
  plain.push_back(0xD3);
  plain.push_back(0x14);
  append(plain, crypto::hash(crypto::HashAlgo::Sha1, plain));
  std::array<std::uint8_t, 16> iv{};
  auto c = crypto::aes_cfb_encrypt(sk.key.view(), iv, plain);
  DCBOT_CHECK(c.has_value(), "cfb with a valid key");
  Bytes body{1};
  append(body, *c);
  return body;
}

AeadKeys seipd_v2_keys(const SessionKey& sk, ByteView salt, ByteView header) {
  auto okm = crypto::hkdf_sha256(sk.key.view(), salt, header, sk.key.size() + kOcbNonce - 8);
  DCBOT_CHECK(okm.has_value(), "hkdf length in range");
  AeadKeys p;
  p.key = SecretBytes(okm->view().first(sk.key.size()));
  p.iv.assign(okm->view().begin() + static_cast<std::ptrdiff_t>(sk.key.size()), okm->view().end());
  return p;
}

namespace {

Bytes nonce(const AeadKeys& p, std::uint64_t index) {
  Bytes n = p.iv;
  put_u64be(n, index);
  return n;
}

}  // namespace

Result<Bytes> seipd_v2_decrypt(ByteView data, const SessionKey& sk, std::size_t max_plaintext) {
  ByteReader r(data);
  DCBOT_TRY(auto cipher, r.u8());
  DCBOT_TRY(auto aead, r.u8());
  DCBOT_TRY(auto chunk_octet, r.u8());
  auto klen = aes_key_size(cipher);
  if (!klen || *klen != sk.key.size() || aead != kAeadOcb || chunk_octet > 16
      || (sk.algo != 0 && sk.algo != cipher)) {
    return decryption_failed();
  }
  DCBOT_TRY(auto salt, r.take(32));
  std::array<std::uint8_t, 5> header{0xD2, 2, cipher, aead, chunk_octet};
  AeadKeys keys = seipd_v2_keys(sk, salt, header);
  auto ocb = crypto::AesOcb::create(keys.key.view());
  if (!ocb) {
    return decryption_failed();
  }
  std::size_t chunk = std::size_t{1} << (chunk_octet + 6);
  ByteView rest = r.rest();
  if (rest.size() < kTag) {
    return decryption_failed();
  }
  ByteView body = rest.first(rest.size() - kTag);
  ByteView final_tag = rest.last(kTag);
  Bytes out;
  std::uint64_t index = 0;
  while (!body.empty()) {
    std::size_t n = std::min(body.size(), chunk + kTag);
    if (n <= kTag) {
      return decryption_failed();
    }
    auto plain = ocb->decrypt(nonce(keys, index), header, body.first(n));
    if (!plain || out.size() + plain->size() > max_plaintext) {
      return decryption_failed();
    }
    append(out, *plain);
    body = body.subspan(n);
    ++index;
  }
  Bytes ad(header.begin(), header.end());
  put_u64be(ad, out.size());
  auto fin = ocb->decrypt(nonce(keys, index), ad, final_tag);
  if (!fin || !fin->empty()) {
    return decryption_failed();
  }
  return out;
}

Bytes seipd_v2_encrypt(ByteView inner, const SessionKey& sk) {
  Bytes salt = crypto::random_bytes(32);
  std::array<std::uint8_t, 5> header{0xD2, 2, kCipherAes128, kAeadOcb, kChunkOctet};
  AeadKeys keys = seipd_v2_keys(sk, salt, header);
  auto ocb = crypto::AesOcb::create(keys.key.view());
  DCBOT_CHECK(ocb.has_value(), "ocb with a 16-byte key");
  Bytes body{2, kCipherAes128, kAeadOcb, kChunkOctet};
  append(body, salt);
  constexpr std::size_t kChunk = std::size_t{1} << (kChunkOctet + 6);
  std::uint64_t index = 0;
  for (std::size_t pos = 0; pos < inner.size(); pos += kChunk, ++index) {
    auto c = ocb->encrypt(nonce(keys, index), header,
                          inner.subspan(pos, std::min(kChunk, inner.size() - pos)));
    DCBOT_CHECK(c.has_value(), "ocb with a valid key");
    append(body, *c);
  }
  Bytes ad(header.begin(), header.end());
  put_u64be(ad, inner.size());
  auto fin = ocb->encrypt(nonce(keys, index), ad, {});
  DCBOT_CHECK(fin.has_value(), "ocb with a valid key");
  append(body, *fin);
  return body;
}

}  // namespace dcbot::pgp
