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

// Signatures (RFC 9580 §5.2.3): v4 ones made with Ed25519Legacy keys (what the core writes) and,
// for reading foreign keys and messages, v6 salted ones and native Ed25519 (algo 27): parsing, the
// hashed data (§5.2.4), verification, and creation of v4 Ed25519Legacy signatures. Only the hashed
// area is trusted for meaning; the issuer fields may come from either area because they only
// select the key.
namespace dcbot::pgp {

// Signature types (RFC 9580 §5.2.1).
inline constexpr std::uint8_t kSigBinary = 0x00;
inline constexpr std::uint8_t kSigText = 0x01;
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
  std::uint8_t version = 4;  // 4 or 6.
  std::uint8_t type = 0;
  std::uint8_t pk_algo = 0;
  std::uint8_t hash_algo = 0;
  Bytes hashed_area;
  Bytes unhashed_area;
  std::array<std::uint8_t, 2> hash_left{};
  Bytes salt;  // v6 only (RFC 9580 §5.2.3): hashed before the signed data.
  // Ed25519Legacy: the MPIs R and S, leading zeros stripped; native Ed25519: the two halves of the
  // 64-octet signature.
  Bytes r;
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
  // Issuer from either area: the full fingerprint (20 or 32 octets) if named, and its v4 form.
  Bytes issuer_fpr;
  std::optional<Fingerprint> issuer_fingerprint;  // Set for a v4 issuer only.
  std::optional<KeyId> issuer_key_id;

  // True if this signature names `key` as its issuer (or names no issuer at all).
  bool may_be_from(const PublicKey& key) const;
  // The packet body.
  Bytes serialize() const;
};

// Parses a signature packet body. Errc::Unsupported for versions other than 4 and 6, Errc::Parse
// for malformed input.
Result<Signature> parse_signature(ByteView body);

// Verifies `sig` over `data` (the already-framed signed data: literal contents, canonical text,
// or key/user-id prefixes from key_signature_data) with the Ed25519 `key`. Requires a creation
// time, no unknown critical subpacket, SHA-256 or stronger, the signature version of the key's
// version (RFC 9580 §10.3.2.2), an algorithm matching the key's and, for v6, the salt size of the
// hash (§9.5). Errc::Crypto if it does not verify.
Result<void> verify_signature(const Signature& sig, ByteView data, const PublicKey& key);

// The data hashed by a key signature (RFC 9580 §5.2.4): the primary key, then the user id
// (0xB4 || u32 length || id) or the subkey, when given. (A v6 signature's salt goes first; the
// verifier adds it.)
Bytes key_signature_data(const PublicKey& primary, const std::string* user_id,
                         const PublicKey* subkey);

// Text in the form text signatures (type 0x01) hash: every line ending made CR LF (RFC 9580
// §5.2.1.2). A lone CR is kept as it is.
Bytes canonical_text(ByteView data);

// Creates a v4 Ed25519Legacy SHA-256 signature of `type` over `data` with the given encoded
// subpacket areas, signing with the 32-byte `seed`.
Result<Signature> make_signature(std::uint8_t type, Bytes hashed_area, Bytes unhashed_area,
                                 ByteView data, const crypto::SecretBytes& seed);

}  // namespace dcbot::pgp
