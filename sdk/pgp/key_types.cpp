// SPDX-License-Identifier: MIT
#include "pgp/key_types.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace dcbot::pgp {
namespace {

// RFC 9580 §9.2: OIDs of Ed25519Legacy and Curve25519Legacy, without the DER tag and length.
constexpr std::array<std::uint8_t, 9> kOidEd25519{0x2B, 0x06, 0x01, 0x04, 0x01,
                                                  0xDA, 0x47, 0x0F, 0x01};
constexpr std::array<std::uint8_t, 10> kOidCv25519{0x2B, 0x06, 0x01, 0x04, 0x01,
                                                   0x97, 0x55, 0x01, 0x05, 0x01};

bool equal(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Reads the OID and the 0x40-prefixed native point (RFC 9580 §5.5.5.5/6).
Result<void> read_curve_point(ByteReader& r, ByteView oid_want, PublicKey& key) {
  DCBOT_TRY(auto oid_len, r.u8());
  if (oid_len == 0 || oid_len == 0xFF) {
    return make_error(Errc::Parse, "pgp: bad curve oid");
  }
  DCBOT_TRY(auto oid, r.take(oid_len));
  DCBOT_TRY(auto mpi, read_mpi(r));
  if (equal(oid, oid_want) && mpi.size() == 33 && mpi[0] == 0x40) {
    key.point.assign(mpi.begin() + 1, mpi.end());
  }
  return {};
}

}  // namespace

std::string fingerprint_hex(const Fingerprint& fpr) {
  return hex_encode(fpr, true);
}

Result<Fingerprint> fingerprint_from_hex(std::string_view hex) {
  auto raw = hex_decode(hex);
  if (!raw || raw->size() != 20) {
    return make_error(Errc::Parse, "pgp: bad fingerprint");
  }
  Fingerprint f{};
  std::copy(raw->begin(), raw->end(), f.begin());
  return f;
}

Bytes PublicKey::hash_prefix() const {
  Bytes out{0x99};
  put_u16be(out, static_cast<std::uint16_t>(body.size()));
  append(out, body);
  return out;
}

Fingerprint PublicKey::fingerprint() const {
  Bytes digest = crypto::hash(crypto::HashAlgo::Sha1, hash_prefix());
  Fingerprint f{};
  std::copy(digest.begin(), digest.end(), f.begin());
  return f;
}

KeyId PublicKey::key_id() const {
  Fingerprint f = fingerprint();
  KeyId id{};
  std::copy(f.end() - 8, f.end(), id.begin());
  return id;
}

Result<PublicKey> read_public_key(ByteReader& r) {
  std::size_t start = r.position();
  ByteView all = r.rest();
  DCBOT_TRY(auto version, r.u8());
  if (version != 4) {
    return make_error(Errc::Unsupported, "pgp: key version is not 4");
  }
  PublicKey key;
  DCBOT_TRY(key.created, r.u32());
  DCBOT_TRY(key.algo, r.u8());
  switch (key.algo) {
    case kAlgoEdDsaLegacy:
      DCBOT_TRY(read_curve_point(r, kOidEd25519, key));
      break;
    case kAlgoEcdh: {
      DCBOT_TRY(read_curve_point(r, kOidCv25519, key));
      // KDF parameters (RFC 9580 §11.5): length 3, reserved 1, hash, cipher.
      DCBOT_TRY(auto len, r.u8());
      DCBOT_TRY(auto kdf, r.take(len));
      if (len != 3 || kdf[0] != 1) {
        return make_error(Errc::Parse, "pgp: bad ecdh kdf parameters");
      }
      key.kdf_hash = kdf[1];
      key.kdf_cipher = kdf[2];
      // Only SHA-256..512 with AES key wrap are usable; anything else disables the key.
      if (key.kdf_hash < 8 || key.kdf_hash > 10 || key.kdf_cipher < 7 || key.kdf_cipher > 9) {
        key.point.clear();
      }
      break;
    }
    default:
      // Unknown layout: the rest of a public key packet belongs to it, it is just not usable.
      DCBOT_TRY(r.take(r.remaining()));
      break;
  }
  std::size_t used = r.position() - start;
  key.body.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(used));
  if (key.body.size() > 0xFFFF) {
    return make_error(Errc::Parse, "pgp: key packet too large");
  }
  return key;
}

Result<PublicKey> parse_public_key(ByteView body) {
  ByteReader r(body);
  DCBOT_TRY(auto key, read_public_key(r));
  if (!r.empty()) {
    return make_error(Errc::Parse, "pgp: trailing bytes in key packet");
  }
  return key;
}

namespace {

PublicKey make_curve_key(std::uint32_t created, std::uint8_t algo, ByteView oid, ByteView point) {
  Bytes body{4};
  put_u32be(body, created);
  body.push_back(algo);
  body.push_back(static_cast<std::uint8_t>(oid.size()));
  append(body, oid);
  Bytes prefixed{0x40};
  append(prefixed, point);
  write_mpi(body, prefixed);
  if (algo == kAlgoEcdh) {
    append(body, Bytes{3, 1, 8, 7});  // SHA-256, AES-128 key wrap (PROTOCOL.md §1.1).
  }
  auto key = parse_public_key(body);
  DCBOT_CHECK(key.has_value(), "self-built key packet must parse");
  return std::move(*key);
}

}  // namespace

PublicKey make_ed25519_public_key(std::uint32_t created, ByteView point) {
  DCBOT_CHECK(point.size() == 32, "ed25519 point is 32 bytes");
  return make_curve_key(created, kAlgoEdDsaLegacy, kOidEd25519, point);
}

PublicKey make_cv25519_public_key(std::uint32_t created, ByteView point) {
  DCBOT_CHECK(point.size() == 32, "x25519 point is 32 bytes");
  return make_curve_key(created, kAlgoEcdh, kOidCv25519, point);
}

}  // namespace dcbot::pgp
