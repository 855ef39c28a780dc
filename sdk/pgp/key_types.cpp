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
  Bytes out;
  if (version == 6) {
    out.push_back(0x9B);
    put_u32be(out, static_cast<std::uint32_t>(body.size()));
  } else {
    out.push_back(0x99);
    put_u16be(out, static_cast<std::uint16_t>(body.size()));
  }
  append(out, body);
  return out;
}

Bytes PublicKey::fingerprint_bytes() const {
  return crypto::hash(version == 6 ? crypto::HashAlgo::Sha256 : crypto::HashAlgo::Sha1,
                      hash_prefix());
}

Fingerprint PublicKey::fingerprint() const {
  Bytes digest = fingerprint_bytes();
  Fingerprint f{};
  std::copy(digest.begin(), digest.begin() + f.size(), f.begin());
  return f;
}

KeyId PublicKey::key_id() const {
  // RFC 9580 §5.5.4: v4 key ids are the low-order 64 bits, v6 key ids the high-order 64 bits.
  Bytes f = fingerprint_bytes();
  KeyId id{};
  if (version == 6) {
    std::copy(f.begin(), f.begin() + 8, id.begin());
  } else {
    std::copy(f.end() - 8, f.end(), id.begin());
  }
  return id;
}

namespace {

// The algorithm-specific public fields (RFC 9580 §5.5.5). `r` holds exactly the key material in
// v6 keys (which are framed by a length); in v4 keys an unknown layout takes the rest.
Result<void> read_key_material(ByteReader& r, PublicKey& key) {
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
    case kAlgoX25519:
    case kAlgoEd25519: {
      // RFC 9580 §5.5.5.7 and §5.5.5.9: 32 octets of the native public key.
      DCBOT_TRY(auto point, r.take(32));
      key.point.assign(point.begin(), point.end());
      break;
    }
    default:
      // Unknown layout: the rest belongs to it, it is just not usable.
      DCBOT_TRY(r.take(r.remaining()));
      break;
  }
  return {};
}

}  // namespace

Result<PublicKey> read_public_key(ByteReader& r) {
  std::size_t start = r.position();
  ByteView all = r.rest();
  PublicKey key;
  DCBOT_TRY(key.version, r.u8());
  if (key.version != 4 && key.version != 6) {
    return make_error(Errc::Unsupported, "pgp: key version is not 4 or 6");
  }
  DCBOT_TRY(key.created, r.u32());
  DCBOT_TRY(key.algo, r.u8());
  if (key.version == 6) {
    // RFC 9580 §5.5.2.3: a four-octet count of the key material that follows.
    DCBOT_TRY(auto len, r.u32());
    DCBOT_TRY(auto material, r.take(len));
    ByteReader m(material);
    DCBOT_TRY(read_key_material(m, key));
    if (!m.empty()) {
      return make_error(Errc::Parse, "pgp: bad v6 key material length");
    }
    // Legacy curves MUST NOT be used with v6 keys (RFC 9580 §9.2).
    if (key.algo == kAlgoEdDsaLegacy || key.algo == kAlgoEcdh) {
      key.point.clear();
    }
  } else {
    DCBOT_TRY(read_key_material(r, key));
  }
  std::size_t used = r.position() - start;
  key.body.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(used));
  if (key.version == 4 && key.body.size() > 0xFFFF) {
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
