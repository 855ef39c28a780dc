// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"
#include "pgp/key_types.h"
#include "pgp/packet.h"

// v4 signatures (RFC 9580 §5.2.3) made with Ed25519Legacy keys: parsing, the hashed trailer
// (§5.2.4), verification and creation. Only the hashed area is trusted for meaning; the issuer
// fields may come from either area because they only select the key.
namespace dcbot::pgp {

// Signature types (RFC 9580 §5.2.1).
inline constexpr std::uint8_t kSigBinary = 0x00;
inline constexpr std::uint8_t kSigPositiveCert = 0x13;
inline constexpr std::uint8_t kSigSubkeyBinding = 0x18;
inline constexpr std::uint8_t kSigDirectKey = 0x1F;

// Subpacket types (RFC 9580 §5.2.3.7).
inline constexpr std::uint8_t kSubCreated = 2;
inline constexpr std::uint8_t kSubPreferredSymmetric = 11;
inline constexpr std::uint8_t kSubIssuerKeyId = 16;
inline constexpr std::uint8_t kSubNotation = 20;
inline constexpr std::uint8_t kSubPreferredHash = 21;
inline constexpr std::uint8_t kSubPreferredCompression = 22;
inline constexpr std::uint8_t kSubPrimaryUserId = 25;
inline constexpr std::uint8_t kSubKeyFlags = 27;
inline constexpr std::uint8_t kSubFeatures = 30;
inline constexpr std::uint8_t kSubEmbeddedSignature = 32;
inline constexpr std::uint8_t kSubIssuerFingerprint = 33;
inline constexpr std::uint8_t kSubIntendedRecipient = 35;
inline constexpr std::uint8_t kSubPreferredAead = 39;

// The notation naming a chatmail user's published relays (PROTOCOL.md §1.1).
inline constexpr std::string_view kRelaysNotation = "relays@chatmail.at";

struct Notation {
  std::string name;
  std::string value;
};

struct Signature {
  std::uint8_t type = 0;
  std::uint8_t pk_algo = 0;
  std::uint8_t hash_algo = 0;
  Bytes hashed_area;
  Bytes unhashed_area;
  std::array<std::uint8_t, 2> hash_left{};
  Bytes r;  // EdDSA MPIs, leading zeros stripped.
  Bytes s;

  // Interpreted from the hashed area.
  std::optional<std::uint32_t> created;
  std::optional<std::uint8_t> key_flags;
  std::optional<std::uint8_t> features;
  std::vector<Fingerprint> intended_recipients;
  std::vector<Notation> notations;
  // A critical subpacket (or critical notation) we do not understand: the signature is invalid
  // (RFC 9580 §5.2.3.7).
  bool unknown_critical = false;
  // Issuer from either area.
  std::optional<Fingerprint> issuer_fingerprint;
  std::optional<KeyId> issuer_key_id;

  // True if this signature names `key` as its issuer (or names no issuer at all).
  bool may_be_from(const PublicKey& key) const;
  // The packet body.
  Bytes serialize() const;
};

// Parses a signature packet body. Errc::Unsupported for versions other than 4, Errc::Parse for
// malformed input.
Result<Signature> parse_signature(ByteView body);

// Verifies `sig` over `data` (the already-framed signed data: literal contents, or key/user-id
// prefixes from key_signature_data) with the Ed25519Legacy `key`. Requires a creation time, no
// unknown critical subpacket and SHA-256 or stronger. Errc::Crypto if it does not verify.
Result<void> verify_signature(const Signature& sig, ByteView data, const PublicKey& key);

// The data hashed by a key signature (RFC 9580 §5.2.4): the primary key, then the user id
// (0xB4 || u32 length || id) or the subkey, when given.
Bytes key_signature_data(const PublicKey& primary, const std::string* user_id,
                         const PublicKey* subkey);

// Creates a v4 Ed25519Legacy SHA-256 signature of `type` over `data` with the given encoded
// subpacket areas, signing with the 32-byte `seed`.
Result<Signature> make_signature(std::uint8_t type, Bytes hashed_area, Bytes unhashed_area,
                                 ByteView data, const crypto::SecretBytes& seed);

}  // namespace dcbot::pgp
