// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "pgp/packet.h"

// v4 public key packets (RFC 9580 §5.5.2) for the two algorithms the core uses: Ed25519Legacy
// (EdDSA, algo 22) primaries and ECDH over Curve25519Legacy (algo 18) subkeys. Other algorithms
// parse (so fingerprints work) but are not usable.
namespace dcbot::pgp {

using Fingerprint = std::array<std::uint8_t, 20>;  // v4: SHA-1 (RFC 9580 §5.5.4.2)
using KeyId = std::array<std::uint8_t, 8>;         // v4: the low 64 bits of the fingerprint

inline constexpr std::uint8_t kAlgoEcdh = 18;
inline constexpr std::uint8_t kAlgoEdDsaLegacy = 22;

// 40 upper-case hex digits, the form used in headers, QR codes and file names.
std::string fingerprint_hex(const Fingerprint& fpr);
Result<Fingerprint> fingerprint_from_hex(std::string_view hex);

struct PublicKey {
  std::uint32_t created = 0;
  std::uint8_t algo = 0;
  Bytes point;  // 32 raw bytes (native Ed25519 / X25519 public key) for the supported algorithms.
  std::uint8_t kdf_hash = 0;    // ECDH only (RFC 9580 §11.5): hash algorithm id.
  std::uint8_t kdf_cipher = 0;  // ECDH only: key-wrap cipher id.
  Bytes body;                   // The exact packet body, for hashing and re-serialising.

  bool is_ed25519() const { return algo == kAlgoEdDsaLegacy && point.size() == 32; }

  bool is_cv25519() const { return algo == kAlgoEcdh && point.size() == 32; }

  Fingerprint fingerprint() const;
  KeyId key_id() const;
  // The prefix hashed by key signatures: 0x99 || u16 length || body (RFC 9580 §5.2.4).
  Bytes hash_prefix() const;
};

// Parses a public key (or the public part of a secret key) from `reader`, which is left after the
// public fields. Errc::Parse for malformed input, Errc::Unsupported for a version other than 4.
Result<PublicKey> read_public_key(ByteReader& reader);
Result<PublicKey> parse_public_key(ByteView body);

// Builds the body of a v4 Ed25519Legacy or cv25519 key packet (KDF SHA-256 / AES-128).
PublicKey make_ed25519_public_key(std::uint32_t created, ByteView point);
PublicKey make_cv25519_public_key(std::uint32_t created, ByteView point);

}  // namespace dcbot::pgp
