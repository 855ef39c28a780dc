// SPDX-License-Identifier: MIT
#include "pgp/pkesk.h"

#include <algorithm>
#include <array>

#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/keywrap.h"
#include "crypto/x25519.h"
#include "pgp/packet.h"

namespace dcbot::pgp {

using crypto::SecretBytes;

namespace {

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

// --- ECDH cv25519 (RFC 9580 §11.5, PROTOCOL.md §1.4) ---

constexpr std::array<std::uint8_t, 10> kOidCv25519{0x2B, 0x06, 0x01, 0x04, 0x01,
                                                   0x97, 0x55, 0x01, 0x05, 0x01};

// KEK = Hash(00 00 00 01 || Z || param)[0..keylen], param per RFC 9580 §11.5.
Result<SecretBytes> ecdh_kek(const PublicKey& subkey, ByteView shared) {
  auto hash = kdf_hash(subkey.kdf_hash);
  auto klen = aes_key_size(subkey.kdf_cipher);
  if (!hash || !klen) {
    return decryption_failed();
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

// Unwraps and checks the ECDH session key; v3 carries the cipher octet (RFC 9580 §5.1.3, §11.5).
Result<SessionKey> ecdh_decrypt(const Pkesk& p, const SecretKey::Decryptor& d) {
  auto shared = crypto::x25519_shared_secret(d.scalar.view(), p.ephemeral);
  if (!shared) {
    return decryption_failed();
  }
  DCBOT_TRY(auto kek, ecdh_kek(d.key, shared->view()));
  auto unwrapped = crypto::aes_key_unwrap(kek.view(), p.wrapped);
  if (!unwrapped) {
    return decryption_failed();
  }
  ByteView m = unwrapped->view();
  // PKCS#5 padding to a multiple of 8 octets.
  if (m.empty() || m.back() == 0 || m.back() > 8 || m.back() > m.size()) {
    return decryption_failed();
  }
  std::size_t pad = m.back();
  for (std::size_t i = m.size() - pad; i < m.size(); ++i) {
    if (m[i] != pad) {
      return decryption_failed();
    }
  }
  m = m.first(m.size() - pad);
  SessionKey sk;
  if (p.version == 3) {
    if (m.empty()) {
      return decryption_failed();
    }
    sk.algo = m[0];
    m = m.subspan(1);
  }
  if (m.size() < 2) {
    return decryption_failed();
  }
  ByteView key = m.first(m.size() - 2);
  std::uint32_t sum = 0;
  for (std::uint8_t b : key) {
    sum += b;
  }
  if ((sum & 0xFFFF) != ((std::uint32_t{m[m.size() - 2]} << 8) | m[m.size() - 1])
      || (key.size() != 16 && key.size() != 24 && key.size() != 32)) {
    return decryption_failed();
  }
  if (sk.algo != 0 && aes_key_size(sk.algo) != key.size()) {
    return decryption_failed();
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

// --- X25519 (RFC 9580 §5.1.6) ---

// The session key is wrapped as it is: no cipher octet inside, no checksum, no padding.
Result<SessionKey> x25519_decrypt(const Pkesk& p, const SecretKey::Decryptor& d) {
  auto shared = crypto::x25519_shared_secret(d.scalar.view(), p.ephemeral);
  if (!shared) {
    return decryption_failed();
  }
  auto kek = x25519_kek(p.ephemeral, d.key.point, shared->view());
  if (!kek) {
    return decryption_failed();
  }
  auto key = crypto::aes_key_unwrap(kek->view(), p.wrapped);
  if (!key || (key->size() != 16 && key->size() != 24 && key->size() != 32)) {
    return decryption_failed();
  }
  SessionKey sk{p.version == 3 ? p.cipher : std::uint8_t{0}, std::move(*key)};
  if (p.version == 3 && aes_key_size(sk.algo) != sk.key.size()) {
    return decryption_failed();
  }
  return sk;
}

Result<Bytes> x25519_encrypt(std::uint8_t version, const PublicKey& subkey, const SessionKey& sk) {
  auto eph = crypto::x25519_generate();
  DCBOT_TRY(auto shared, crypto::x25519_shared_secret(eph.secret.view(), subkey.point));
  DCBOT_TRY(auto kek, x25519_kek(eph.public_key, subkey.point, shared.view()));
  DCBOT_TRY(auto wrapped, crypto::aes_key_wrap(kek.view(), sk.key.view()));
  Bytes body{version};
  if (version == 3) {
    body.insert(body.end(), 8, 0);  // Wildcard key id.
  } else {
    body.push_back(0);  // Anonymous recipient.
  }
  body.push_back(kAlgoX25519);
  append(body, eph.public_key);
  if (version == 3) {
    body.push_back(static_cast<std::uint8_t>(wrapped.size() + 1));
    body.push_back(sk.algo);
  } else {
    body.push_back(static_cast<std::uint8_t>(wrapped.size()));
  }
  append(body, wrapped);
  return body;
}

}  // namespace

Result<crypto::SecretBytes> x25519_kek(ByteView ephemeral, ByteView recipient, ByteView shared) {
  Bytes ikm(ephemeral.begin(), ephemeral.end());
  append(ikm, recipient);
  append(ikm, shared);
  auto kek = crypto::hkdf_sha256(ikm, {}, as_bytes("OpenPGP X25519"), 16);
  crypto::secure_wipe(ikm.data(), ikm.size());
  return kek;
}

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
    // RFC 9580 §5.1.2: a length, then the key version and fingerprint; 0 means anonymous.
    DCBOT_TRY(auto len, r.u8());
    DCBOT_TRY(auto who, r.take(len));
    if (len != 0) {
      p.recipient_version = who[0];
      p.recipient_fpr.assign(who.begin() + 1, who.end());
    }
  } else {
    return make_error(Errc::Unsupported, "pgp: pkesk version");
  }
  DCBOT_TRY(p.algo, r.u8());
  if (p.algo == kAlgoEcdh) {
    DCBOT_TRY(auto point, read_mpi(r));
    if (point.size() != 33 || point[0] != 0x40) {
      return make_error(Errc::Parse, "pgp: bad ecdh ephemeral key");
    }
    p.ephemeral.assign(point.begin() + 1, point.end());
    DCBOT_TRY(auto len, r.u8());
    DCBOT_TRY(auto wrapped, r.take(len));
    p.wrapped.assign(wrapped.begin(), wrapped.end());
  } else if (p.algo == kAlgoX25519) {
    // 32-octet ephemeral key, a length, the cipher octet in v3 only, the wrapped key.
    DCBOT_TRY(auto eph, r.take(32));
    p.ephemeral.assign(eph.begin(), eph.end());
    DCBOT_TRY(auto len, r.u8());
    if (p.version == 3) {
      if (len == 0) {
        return make_error(Errc::Parse, "pgp: bad x25519 pkesk");
      }
      DCBOT_TRY(p.cipher, r.u8());
      --len;
    }
    DCBOT_TRY(auto wrapped, r.take(len));
    p.wrapped.assign(wrapped.begin(), wrapped.end());
  } else {
    return p;
  }
  if (!r.empty()) {
    return make_error(Errc::Parse, "pgp: trailing bytes in pkesk");
  }
  return p;
}

bool pkesk_may_be_for(const Pkesk& pkesk, const PublicKey& subkey) {
  if (pkesk.key_id && *pkesk.key_id != subkey.key_id()) {
    return false;
  }
  if (!pkesk.recipient_fpr.empty()
      && (pkesk.recipient_version != subkey.version
          || pkesk.recipient_fpr != subkey.fingerprint_bytes())) {
    return false;
  }
  return true;
}

Result<SessionKey> pkesk_decrypt(const Pkesk& pkesk, const SecretKey::Decryptor& d) {
  if (pkesk.algo == kAlgoEcdh && d.key.is_cv25519()) {
    return ecdh_decrypt(pkesk, d);
  }
  if (pkesk.algo == kAlgoX25519 && d.key.is_x25519()) {
    return x25519_decrypt(pkesk, d);
  }
  return decryption_failed();
}

Result<Bytes> pkesk_encrypt(std::uint8_t version, const PublicKey& subkey, const SessionKey& sk) {
  if (subkey.is_cv25519()) {
    return ecdh_encrypt(version, subkey, sk);
  }
  if (subkey.is_x25519()) {
    return x25519_encrypt(version, subkey, sk);
  }
  return make_error(Errc::Unsupported, "pgp: key cannot encrypt");
}

}  // namespace dcbot::pgp
