// SPDX-License-Identifier: MIT
#include "pgp/message.h"

#include <algorithm>
#include <array>
#include <optional>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/keywrap.h"
#include "crypto/ocb.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "pgp/compress.h"

namespace dcbot::pgp {
namespace {

using crypto::SecretBytes;

constexpr std::uint8_t kAes128 = 7;
constexpr std::uint8_t kAeadOcb = 2;
constexpr std::uint8_t kChunkOctet = 7;  // 2^(7+6) = 8 KiB chunks, like the core.
constexpr std::size_t kOcbNonce = 15;
constexpr std::size_t kTag = 16;
constexpr std::size_t kMaxEsks = 64;

Error failed() {
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

std::optional<crypto::HashAlgo> kdf_hash(std::uint8_t id) {
  switch (id) {
    case 8:
      return crypto::HashAlgo::Sha256;
    case 9:
      return crypto::HashAlgo::Sha384;
    case 10:
      return crypto::HashAlgo::Sha512;
    default:
      return std::nullopt;
  }
}

struct SessionKey {
  std::uint8_t algo = 0;  // 0 when the ESK does not say (v6 ESKs).
  SecretBytes key;
};

// --- ECDH cv25519 (RFC 9580 §11.5, PROTOCOL.md §1.4) ---

constexpr std::array<std::uint8_t, 10> kOidCv25519{0x2B, 0x06, 0x01, 0x04, 0x01,
                                                   0x97, 0x55, 0x01, 0x05, 0x01};

// KEK = Hash(00 00 00 01 || Z || param)[0..keylen], param per RFC 9580 §11.5.
Result<SecretBytes> ecdh_kek(const PublicKey& subkey, ByteView shared) {
  auto hash = kdf_hash(subkey.kdf_hash);
  auto klen = aes_key_size(subkey.kdf_cipher);
  if (!hash || !klen) {
    return failed();
  }
  Bytes param{static_cast<std::uint8_t>(kOidCv25519.size())};
  append(param, kOidCv25519);
  append(param, Bytes{kAlgoEcdh, 3, 1, subkey.kdf_hash, subkey.kdf_cipher});
  append(param, as_bytes("Anonymous Sender    "));
  append(param, subkey.fingerprint());
  crypto::Hasher h(*hash);
  h.update(Bytes{0, 0, 0, 1});
  h.update(shared);
  h.update(param);
  Bytes digest = h.finish();
  SecretBytes kek(ByteView(digest).first(*klen));
  crypto::secure_wipe(digest.data(), digest.size());
  return kek;
}

// Parsed ECDH fields of a PKESK.
struct EcdhEsk {
  Bytes ephemeral;  // 32-byte X25519 point.
  Bytes wrapped;
};

Result<EcdhEsk> read_ecdh_fields(ByteReader& r) {
  EcdhEsk e;
  DCBOT_TRY(auto point, read_mpi(r));
  if (point.size() != 33 || point[0] != 0x40) {
    return make_error(Errc::Parse, "pgp: bad ecdh ephemeral key");
  }
  e.ephemeral.assign(point.begin() + 1, point.end());
  DCBOT_TRY(auto len, r.u8());
  DCBOT_TRY(auto wrapped, r.take(len));
  e.wrapped.assign(wrapped.begin(), wrapped.end());
  if (!r.empty()) {
    return make_error(Errc::Parse, "pgp: trailing bytes in pkesk");
  }
  return e;
}

struct Pkesk {
  std::uint8_t version = 0;
  std::optional<KeyId> key_id;             // v3, unless wildcard.
  std::optional<Fingerprint> fingerprint;  // v6, unless anonymous.
  std::uint8_t algo = 0;
  EcdhEsk ecdh;
};

Result<Pkesk> parse_pkesk(ByteView body) {
  ByteReader r(body);
  Pkesk p;
  DCBOT_TRY(p.version, r.u8());
  if (p.version == 3) {
    DCBOT_TRY(auto id, r.take(8));
    KeyId kid{};
    std::copy(id.begin(), id.end(), kid.begin());
    if (kid != KeyId{}) {
      p.key_id = kid;
    }
  } else if (p.version == 6) {
    DCBOT_TRY(auto len, r.u8());
    DCBOT_TRY(auto who, r.take(len));
    if (len == 21 && who[0] == 4) {
      Fingerprint f{};
      std::copy(who.begin() + 1, who.end(), f.begin());
      p.fingerprint = f;
    } else if (len != 0) {
      p.fingerprint = Fingerprint{};  // Names a non-v4 key: never ours.
      p.fingerprint->fill(0xFF);
    }
  } else {
    return make_error(Errc::Unsupported, "pgp: pkesk version");
  }
  DCBOT_TRY(p.algo, r.u8());
  if (p.algo == kAlgoEcdh) {
    DCBOT_TRY(p.ecdh, read_ecdh_fields(r));
  }
  return p;
}

// Unwraps and checks the ECDH session key; v3 carries the cipher octet (RFC 9580 §5.1.3, §11.5).
Result<SessionKey> ecdh_decrypt(const Pkesk& p, const SecretKey::Decryptor& d) {
  DCBOT_TRY(auto shared, crypto::x25519_shared_secret(d.scalar.view(), p.ecdh.ephemeral));
  DCBOT_TRY(auto kek, ecdh_kek(d.key, shared.view()));
  auto unwrapped = crypto::aes_key_unwrap(kek.view(), p.ecdh.wrapped);
  if (!unwrapped) {
    return failed();
  }
  ByteView m = unwrapped->view();
  // PKCS#5 padding to a multiple of 8 octets.
  if (m.empty() || m.back() == 0 || m.back() > 8 || m.back() > m.size()) {
    return failed();
  }
  std::size_t pad = m.back();
  for (std::size_t i = m.size() - pad; i < m.size(); ++i) {
    if (m[i] != pad) {
      return failed();
    }
  }
  m = m.first(m.size() - pad);
  SessionKey sk;
  if (p.version == 3) {
    if (m.empty()) {
      return failed();
    }
    sk.algo = m[0];
    m = m.subspan(1);
  }
  if (m.size() < 2) {
    return failed();
  }
  ByteView key = m.first(m.size() - 2);
  std::uint32_t sum = 0;
  for (std::uint8_t b : key) {
    sum += b;
  }
  if ((sum & 0xFFFF) != ((std::uint32_t{m[m.size() - 2]} << 8) | m[m.size() - 1])
      || (key.size() != 16 && key.size() != 24 && key.size() != 32)) {
    return failed();
  }
  if (sk.algo != 0 && aes_key_size(sk.algo) != key.size()) {
    return failed();
  }
  sk.key = SecretBytes(key);
  return sk;
}

Result<Bytes> ecdh_encrypt(std::uint8_t version, const PublicKey& subkey, const SessionKey& sk) {
  auto eph = crypto::x25519_generate();
  DCBOT_TRY(auto shared, crypto::x25519_shared_secret(eph.secret.view(), subkey.point));
  DCBOT_TRY(auto kek, ecdh_kek(subkey, shared.view()));
  Bytes m;
  if (version == 3) {
    m.push_back(sk.algo);
  }
  append(m, sk.key.view());
  std::uint32_t sum = 0;
  for (std::uint8_t b : sk.key.view()) {
    sum += b;
  }
  put_u16be(m, static_cast<std::uint16_t>(sum));
  auto pad = static_cast<std::uint8_t>(8 - m.size() % 8);
  m.insert(m.end(), pad, pad);
  auto wrapped = crypto::aes_key_wrap(kek.view(), m);
  crypto::secure_wipe(m.data(), m.size());
  DCBOT_TRY(auto c, std::move(wrapped));
  Bytes body{version};
  if (version == 3) {
    body.insert(body.end(), 8, 0);  // Wildcard key id, like the core.
  } else {
    body.push_back(0);  // Anonymous recipient.
  }
  body.push_back(kAlgoEcdh);
  Bytes point{0x40};
  append(point, eph.public_key);
  write_mpi(body, point);
  body.push_back(static_cast<std::uint8_t>(c.size()));
  append(body, c);
  return body;
}

// --- SKESK v6 (RFC 9580 §5.3.2, PROTOCOL.md §1.4) ---

Result<SessionKey> skesk_decrypt(ByteView body, std::string_view password) {
  ByteReader r(body);
  DCBOT_TRY(auto version, r.u8());
  DCBOT_TRY(auto count, r.u8());
  DCBOT_TRY(auto cipher, r.u8());
  DCBOT_TRY(auto aead, r.u8());
  DCBOT_TRY(auto s2k_len, r.u8());
  DCBOT_TRY(auto s2k, r.take(s2k_len));
  auto klen = aes_key_size(cipher);
  // Only salted S2K with SHA-256 (type 1): iterated and Argon2 are refused (SECURITY.md 11).
  if (version != 6 || aead != kAeadOcb || !klen || s2k_len != 10 || s2k[0] != 1 || s2k[1] != 8
      || count != 3 + s2k_len + kOcbNonce) {
    return failed();
  }
  DCBOT_TRY(auto iv, r.take(kOcbNonce));
  ByteView encrypted = r.rest();
  crypto::Hasher h(crypto::HashAlgo::Sha256);
  h.update(s2k.subspan(2, 8));
  h.update(as_bytes(password));
  Bytes k = h.finish();
  std::array<std::uint8_t, 4> info{0xC3, 6, cipher, aead};
  auto kek = crypto::hkdf_sha256(ByteView(k).first(*klen), {}, info, *klen);
  crypto::secure_wipe(k.data(), k.size());
  if (!kek) {
    return failed();
  }
  auto key = crypto::aes_ocb_decrypt(kek->view(), iv, info, encrypted);
  if (!key || key->size() != *klen) {
    return failed();
  }
  SessionKey sk{cipher, SecretBytes(*key)};
  crypto::secure_wipe(key->data(), key->size());
  return sk;
}

Bytes skesk_encrypt(const SessionKey& sk, std::string_view password) {
  Bytes salt = crypto::random_bytes(8);
  Bytes iv = crypto::random_bytes(kOcbNonce);
  crypto::Hasher h(crypto::HashAlgo::Sha256);
  h.update(salt);
  h.update(as_bytes(password));
  Bytes k = h.finish();
  std::array<std::uint8_t, 4> info{0xC3, 6, kAes128, kAeadOcb};
  auto kek = crypto::hkdf_sha256(ByteView(k).first(16), {}, info, 16);
  crypto::secure_wipe(k.data(), k.size());
  DCBOT_CHECK(kek.has_value(), "hkdf of 16 bytes");
  auto sealed = crypto::aes_ocb_encrypt(kek->view(), iv, info, sk.key.view());
  DCBOT_CHECK(sealed.has_value(), "ocb with a 16-byte key");
  Bytes body{6, static_cast<std::uint8_t>(3 + 10 + kOcbNonce), kAes128, kAeadOcb, 10, 1, 8};
  append(body, salt);
  append(body, iv);
  append(body, *sealed);
  return body;
}

// --- SEIPD (RFC 9580 §5.13) ---

Result<Bytes> seipd_v1_decrypt(ByteView data, const SessionKey& sk) {
  if (!aes_key_size(sk.algo) || aes_key_size(sk.algo) != sk.key.size()
      || data.size() < 16 + 2 + 22) {
    return failed();
  }
  std::array<std::uint8_t, 16> iv{};
  auto plain = crypto::aes_cfb_decrypt(sk.key.view(), iv, data);
  if (!plain) {
    return failed();
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
    return failed();
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

struct AeadParams {
  SecretBytes key;
  Bytes iv;  // 7 octets for OCB.
};

AeadParams seipd_v2_keys(const SessionKey& sk, ByteView salt, ByteView header) {
  auto okm = crypto::hkdf_sha256(sk.key.view(), salt, header, sk.key.size() + kOcbNonce - 8);
  DCBOT_CHECK(okm.has_value(), "hkdf length in range");
  AeadParams p;
  p.key = SecretBytes(okm->view().first(sk.key.size()));
  p.iv.assign(okm->view().begin() + static_cast<std::ptrdiff_t>(sk.key.size()), okm->view().end());
  return p;
}

Bytes nonce(const AeadParams& p, std::uint64_t index) {
  Bytes n = p.iv;
  put_u64be(n, index);
  return n;
}

Result<Bytes> seipd_v2_decrypt(ByteView data, const SessionKey& sk, std::size_t max_plaintext) {
  ByteReader r(data);
  DCBOT_TRY(auto cipher, r.u8());
  DCBOT_TRY(auto aead, r.u8());
  DCBOT_TRY(auto chunk_octet, r.u8());
  auto klen = aes_key_size(cipher);
  if (!klen || *klen != sk.key.size() || aead != kAeadOcb || chunk_octet > 16
      || (sk.algo != 0 && sk.algo != cipher)) {
    return failed();
  }
  DCBOT_TRY(auto salt, r.take(32));
  std::array<std::uint8_t, 5> header{0xD2, 2, cipher, aead, chunk_octet};
  AeadParams keys = seipd_v2_keys(sk, salt, header);
  auto ocb = crypto::AesOcb::create(keys.key.view());
  if (!ocb) {
    return failed();
  }
  std::size_t chunk = std::size_t{1} << (chunk_octet + 6);
  ByteView rest = r.rest();
  if (rest.size() < kTag) {
    return failed();
  }
  ByteView body = rest.first(rest.size() - kTag);
  ByteView final_tag = rest.last(kTag);
  Bytes out;
  std::uint64_t index = 0;
  while (!body.empty()) {
    std::size_t n = std::min(body.size(), chunk + kTag);
    if (n <= kTag) {
      return failed();
    }
    auto plain = ocb->decrypt(nonce(keys, index), header, body.first(n));
    if (!plain || out.size() + plain->size() > max_plaintext) {
      return failed();
    }
    append(out, *plain);
    body = body.subspan(n);
    ++index;
  }
  Bytes ad(header.begin(), header.end());
  put_u64be(ad, out.size());
  auto fin = ocb->decrypt(nonce(keys, index), ad, final_tag);
  if (!fin || !fin->empty()) {
    return failed();
  }
  return out;
}

Bytes seipd_v2_encrypt(ByteView inner, const SessionKey& sk) {
  Bytes salt = crypto::random_bytes(32);
  std::array<std::uint8_t, 5> header{0xD2, 2, kAes128, kAeadOcb, kChunkOctet};
  AeadParams keys = seipd_v2_keys(sk, salt, header);
  auto ocb = crypto::AesOcb::create(keys.key.view());
  DCBOT_CHECK(ocb.has_value(), "ocb with a 16-byte key");
  Bytes body{2, kAes128, kAeadOcb, kChunkOctet};
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

// --- Inner message: [Compressed] ( OPS* Literal Signature* | Signature* Literal ) ---

struct Literal {
  Bytes data;
};

Result<Literal> parse_literal(ByteView body) {
  ByteReader r(body);
  DCBOT_TRY(auto format, r.u8());
  DCBOT_TRY(auto name_len, r.u8());
  DCBOT_TRY(r.take(name_len));
  DCBOT_TRY(r.u32());
  (void)format;  // 'b', 'u' and 't' all deliver bytes; we never rewrite line endings.
  return Literal{Bytes(r.rest().begin(), r.rest().end())};
}

Error malformed() {
  return make_error(Errc::Parse, "pgp: malformed message");
}

Result<void> parse_inner(ByteView plain, std::size_t max_plaintext, Decrypted& out,
                         std::span<const Certificate* const> verifiers) {
  DCBOT_TRY(auto packets, parse_packets(plain));
  // Exactly one compression layer is unpacked (SECURITY.md 7).
  if (packets.size() == 1 && packets[0].tag == static_cast<std::uint8_t>(Tag::Compressed)) {
    const Bytes& body = packets[0].body;
    if (body.empty()) {
      return malformed();
    }
    DCBOT_TRY(auto inflated, decompress(body[0], ByteView(body).subspan(1), max_plaintext));
    DCBOT_TRY(packets, parse_packets(inflated));
  }
  std::size_t ops = 0;
  std::size_t literal_at = packets.size();
  std::vector<Signature> sigs;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    auto tag = static_cast<Tag>(packets[i].tag);
    bool before = literal_at == packets.size();
    if (tag == Tag::OnePassSignature && before && sigs.empty()) {
      ++ops;
    } else if (tag == Tag::Literal && before) {
      literal_at = i;
    } else if (tag == Tag::Signature && (before ? ops == 0 : true)) {
      auto sig = parse_signature(packets[i].body);
      if (!sig && sig.error().code == Errc::Parse) {
        return malformed();
      }
      if (sig) {
        sigs.push_back(std::move(*sig));
      } else {
        sigs.emplace_back();  // Unsupported version: counted, never valid.
      }
    } else {
      return malformed();
    }
  }
  bool prefix_sigs = literal_at != packets.size() && !sigs.empty() && ops == 0;
  if (literal_at == packets.size() || (ops != 0 && ops != sigs.size())
      || (prefix_sigs && literal_at != sigs.size())) {
    return malformed();
  }
  DCBOT_TRY(auto literal, parse_literal(packets[literal_at].body));
  for (const Signature& sig : sigs) {
    SignatureInfo info;
    info.created = sig.created.value_or(0);
    info.intended_recipients = sig.intended_recipients;
    if (sig.issuer_fingerprint) {
      info.signer = *sig.issuer_fingerprint;
    }
    if (sig.type == kSigBinary) {
      for (const Certificate* cert : verifiers) {
        if (cert != nullptr && sig.may_be_from(cert->primary())
            && verify_signature(sig, literal.data, cert->primary())) {
          info.signer = cert->fingerprint();
          info.valid = true;
          break;
        }
      }
    }
    out.signatures.push_back(std::move(info));
  }
  out.plaintext = std::move(literal.data);
  return {};
}

Bytes u32_bytes(std::uint32_t v) {
  Bytes b;
  put_u32be(b, v);
  return b;
}

// OPS + Literal('b', "", 0) + Signature (PROTOCOL.md §1.3), optionally compressed.
Result<Bytes> build_inner(ByteView plaintext, const SecretKey* signer,
                          std::span<const Fingerprint> irfs, bool symmetric,
                          EncryptOptions options) {
  Bytes packets;
  Bytes literal{'b', 0, 0, 0, 0, 0};
  append(literal, plaintext);
  if (signer == nullptr) {
    write_packet(packets, Tag::Literal, literal);
  } else {
    const PublicKey& primary = signer->certificate().primary();
    Bytes ops{3, kSigBinary, 8, kAlgoEdDsaLegacy};
    append(ops, primary.key_id());
    ops.push_back(1);
    write_packet(packets, Tag::OnePassSignature, ops);
    write_packet(packets, Tag::Literal, literal);
    Bytes fpr{4};
    append(fpr, primary.fingerprint());
    Bytes hashed;
    if (symmetric) {
      write_subpacket(hashed, kSubIssuerFingerprint, false, fpr);
      write_subpacket(hashed, kSubCreated, false, u32_bytes(options.now));
    } else {
      write_subpacket(hashed, kSubCreated, true, u32_bytes(options.now));
      for (const Fingerprint& f : irfs) {
        Bytes irf{4};
        append(irf, f);
        write_subpacket(hashed, kSubIntendedRecipient, false, irf);
      }
      write_subpacket(hashed, kSubIssuerFingerprint, false, fpr);
    }
    Bytes unhashed;
    write_subpacket(unhashed, kSubIssuerKeyId, false, primary.key_id());
    DCBOT_TRY(auto sig, make_signature(kSigBinary, std::move(hashed), std::move(unhashed),
                                       plaintext, signer->signing_seed()));
    write_packet(packets, Tag::Signature, sig.serialize());
  }
  if (!options.compress) {
    return packets;
  }
  Bytes compressed{kCompressionZlib};
  append(compressed, compress(kCompressionZlib, packets));
  Bytes out;
  write_packet(out, Tag::Compressed, compressed);
  return out;
}

SessionKey new_session_key() {
  return SessionKey{kAes128, crypto::random_secret(16)};
}

}  // namespace

bool Decrypted::is_signed() const {
  return std::any_of(signatures.begin(), signatures.end(),
                     [](const SignatureInfo& s) { return s.valid; });
}

namespace {

// PKESKs for `keys` (in order) + SEIPD, signed inside by `signer` when not null.
Result<Bytes> encrypt_to_keys(ByteView plaintext, const std::vector<const Certificate*>& keys,
                              const SecretKey* signer, EncryptOptions options) {
  bool v2 = true;
  std::vector<Fingerprint> irfs;
  for (const Certificate* c : keys) {
    if (c->encryption_key() == nullptr) {
      return make_error(Errc::Unsupported, "pgp: certificate has no cv25519 encryption key");
    }
    v2 = v2 && c->supports_seipdv2();
    irfs.push_back(c->fingerprint());
  }
  DCBOT_TRY(auto inner, build_inner(plaintext, signer, irfs, false, options));
  SessionKey sk = new_session_key();
  Bytes out;
  for (const Certificate* c : keys) {
    DCBOT_TRY(auto esk, ecdh_encrypt(v2 ? 6 : 3, *c->encryption_key(), sk));
    write_packet(out, Tag::Pkesk, esk);
  }
  write_packet(out, Tag::Seipd, v2 ? seipd_v2_encrypt(inner, sk) : seipd_v1_encrypt(inner, sk));
  return out;
}

}  // namespace

Result<Bytes> encrypt(ByteView plaintext, const SecretKey& signer,
                      std::span<const Certificate* const> recipients, EncryptOptions options) {
  std::vector<const Certificate*> keys{&signer.certificate()};
  for (const Certificate* c : recipients) {
    DCBOT_CHECK(c != nullptr, "recipient certificate");
    if (c->fingerprint() != signer.fingerprint()) {
      keys.push_back(c);
    }
  }
  return encrypt_to_keys(plaintext, keys, &signer, options);
}

Result<Bytes> encrypt_to(ByteView plaintext, std::span<const Certificate* const> recipients,
                         const SecretKey* signer, EncryptOptions options) {
  if (recipients.empty()) {
    return make_error(Errc::InvalidArgument, "pgp: no recipients");
  }
  std::vector<const Certificate*> keys;
  for (const Certificate* c : recipients) {
    DCBOT_CHECK(c != nullptr, "recipient certificate");
    keys.push_back(c);
  }
  return encrypt_to_keys(plaintext, keys, signer, options);
}

Result<Bytes> sign_inline(ByteView plaintext, const SecretKey& signer, EncryptOptions options) {
  // The symmetric form of the signature: no intended recipients, since nothing is encrypted.
  return build_inner(plaintext, &signer, {}, true, options);
}

Result<Decrypted> verify_inline(ByteView message, std::span<const Certificate* const> verifiers,
                                std::size_t max_plaintext) {
  Decrypted out;
  DCBOT_TRY(parse_inner(message, max_plaintext, out, verifiers));
  return out;
}

Result<Bytes> encrypt_symmetric(ByteView plaintext, std::string_view password,
                                const SecretKey* signer, EncryptOptions options) {
  DCBOT_TRY(auto inner, build_inner(plaintext, signer, {}, true, options));
  SessionKey sk = new_session_key();
  Bytes out;
  write_packet(out, Tag::Skesk, skesk_encrypt(sk, password));
  write_packet(out, Tag::Seipd, seipd_v2_encrypt(inner, sk));
  return out;
}

Result<Decrypted> decrypt(ByteView message, std::span<const SecretKey* const> keys,
                          std::span<const std::string> passwords,
                          std::span<const Certificate* const> verifiers,
                          std::size_t max_plaintext) {
  DCBOT_TRY(auto packets, parse_packets(message));
  // Grammar (RFC 9580 §10.3, as the relay enforces it): ESKs, then exactly one SEIPD, last.
  if (packets.empty() || packets.size() > kMaxEsks + 1
      || packets.back().tag != static_cast<std::uint8_t>(Tag::Seipd)) {
    return make_error(Errc::Parse, "pgp: not an encrypted message");
  }
  std::size_t pkesks = 0;
  std::size_t skesks = 0;
  for (std::size_t i = 0; i + 1 < packets.size(); ++i) {
    auto tag = static_cast<Tag>(packets[i].tag);
    if (tag == Tag::Pkesk) {
      ++pkesks;
    } else if (tag == Tag::Skesk) {
      ++skesks;
    } else {
      return make_error(Errc::Parse, "pgp: unexpected packet before encrypted data");
    }
  }
  const Bytes& seipd = packets.back().body;
  if (seipd.empty() || (seipd[0] != 1 && seipd[0] != 2)) {
    return failed();
  }
  std::uint8_t seipd_version = seipd[0];
  ByteView seipd_data = ByteView(seipd).subspan(1);
  Decrypted out;
  std::optional<Bytes> inner;
  auto try_session = [&](const SessionKey& sk) {
    auto plain = seipd_version == 1 ? seipd_v1_decrypt(seipd_data, sk)
                                    : seipd_v2_decrypt(seipd_data, sk, max_plaintext);
    if (plain) {
      inner = std::move(*plain);
    }
  };
  for (std::size_t i = 0; i + 1 < packets.size() && !inner; ++i) {
    if (packets[i].tag != static_cast<std::uint8_t>(Tag::Pkesk)) {
      continue;
    }
    auto pkesk = parse_pkesk(packets[i].body);
    // A v6 ESK only goes with SEIPD v2 (RFC 9580 §5.1).
    if (!pkesk || pkesk->algo != kAlgoEcdh || (pkesk->version == 6 && seipd_version != 2)) {
      continue;
    }
    for (const SecretKey* key : keys) {
      for (const auto& d : key->decryptors()) {
        if ((pkesk->key_id && *pkesk->key_id != d.key.key_id())
            || (pkesk->fingerprint && *pkesk->fingerprint != d.key.fingerprint())) {
          continue;
        }
        auto sk = ecdh_decrypt(*pkesk, d);
        if (sk && (seipd_version == 2 || sk->algo != 0)) {
          try_session(*sk);
        }
        if (inner) {
          break;
        }
      }
      if (inner) {
        break;
      }
    }
  }
  // Symmetric decryption only for a single SKESK (the core's DoS rule, PROTOCOL.md §1.4).
  if (!inner && skesks == 1 && pkesks == 0 && seipd_version == 2) {
    for (const std::string& password : passwords) {
      auto sk = skesk_decrypt(packets[0].body, password);
      if (sk) {
        try_session(*sk);
      }
      if (inner) {
        out.was_symmetric = true;
        break;
      }
    }
  }
  if (!inner) {
    return failed();
  }
  DCBOT_TRY(parse_inner(*inner, max_plaintext, out, verifiers));
  return out;
}

}  // namespace dcbot::pgp
