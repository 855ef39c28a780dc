// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "pgp/packet.h"

// Public key packets (RFC 9580 §5.5.2) of version 4 (what the core generates: Ed25519Legacy
// primaries, algo 22, and ECDH over Curve25519Legacy subkeys, algo 18) and version 6 (read from
// foreign keys: native Ed25519, algo 27, and X25519, algo 25; the native algorithms in v4 keys
// too). Other algorithms parse (so fingerprints work) but are not usable.
namespace dcbot::pgp {

using Fingerprint = std::array<std::uint8_t, 20>;  // v4: SHA-1 (RFC 9580 §5.5.4.2)
using KeyId = std::array<std::uint8_t, 8>;         // v4: low 64 bits; v6: first 64 bits

inline constexpr std::uint8_t kAlgoEcdh = 18;
inline constexpr std::uint8_t kAlgoEdDsaLegacy = 22;
inline constexpr std::uint8_t kAlgoX25519 = 25;
inline constexpr std::uint8_t kAlgoEd25519 = 27;

// 40 upper-case hex digits, the form used in headers, QR codes and file names.
std::string fingerprint_hex(const Fingerprint& fpr);
Result<Fingerprint> fingerprint_from_hex(std::string_view hex);

struct PublicKey {
  std::uint8_t version = 4;  // 4 or 6.
  std::uint32_t created = 0;
  std::uint8_t algo = 0;
  Bytes point;  // 32 raw bytes (native Ed25519 / X25519 public key) for the supported algorithms.
  std::uint8_t kdf_hash = 0;    // ECDH only (RFC 9580 §11.5): hash algorithm id.
  std::uint8_t kdf_cipher = 0;  // ECDH only: key-wrap cipher id.
  Bytes body;                   // The exact packet body, for hashing and re-serialising.

  // An Ed25519 signing key: Ed25519Legacy (v4 only) or native Ed25519.
  bool is_ed25519() const {
    return (algo == kAlgoEdDsaLegacy || algo == kAlgoEd25519) && point.size() == 32;
  }

  // ECDH over Curve25519Legacy (v4 only).
  bool is_cv25519() const { return algo == kAlgoEcdh && point.size() == 32; }

  // Native X25519 (RFC 9580 §5.5.5.7).
  bool is_x25519() const { return algo == kAlgoX25519 && point.size() == 32; }

  // The full fingerprint: 20 octets (v4, SHA-1) or 32 octets (v6, SHA-256, RFC 9580 §5.5.4.3).
  Bytes fingerprint_bytes() const;
  // The v4 fingerprint. For a v6 key, the leftmost 20 octets of its fingerprint: an identifier for
  // tables keyed by 20 octets (RFC 9580 §14.1), never to be shown or compared as a v4 fingerprint.
  Fingerprint fingerprint() const;
  KeyId key_id() const;
  // The prefix hashed by key signatures (RFC 9580 §5.2.4): v4 0x99 || u16 length || body, v6 0x9B
  // || u32 length || body.
  Bytes hash_prefix() const;
};

// Parses a public key (or the public part of a secret key) from `reader`, which is left after the
// public fields. Errc::Parse for malformed input, Errc::Unsupported for a version other than 4
// and 6. Legacy curves in a v6 key (forbidden by RFC 9580 §9.2) make the key unusable.
Result<PublicKey> read_public_key(ByteReader& reader);
Result<PublicKey> parse_public_key(ByteView body);

// Builds the body of a v4 Ed25519Legacy or cv25519 key packet (KDF SHA-256 / AES-128), the
// forms the core generates.
PublicKey make_ed25519_public_key(std::uint32_t created, ByteView point);
PublicKey make_cv25519_public_key(std::uint32_t created, ByteView point);

}  // namespace dcbot::pgp
