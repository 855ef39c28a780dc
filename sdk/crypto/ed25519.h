// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"

// Ed25519 signatures (RFC 8032 §5.1), pure EdDSA over the whole message (no prehash, no context).
// Keys and signatures are the raw RFC 8032 byte strings: a 32-byte secret seed, a 32-byte
// compressed public point, a 64-byte signature R || S. OpenPGP's legacy EdDSA form stores R and S
// as MPIs with leading zeros stripped and the public key with a 0x40 prefix; padding those back to
// 32 bytes each is the pgp layer's job.
namespace dcbot::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

struct Ed25519Keypair {
  SecretBytes seed;  // the RFC 8032 "secret key": 32 bytes hashed with SHA-512 into the scalar
  Bytes public_key;  // 32 bytes
};

// A new random key pair.
Ed25519Keypair ed25519_generate();

// The key pair of a 32-byte seed. Errc::InvalidArgument for another size.
[[nodiscard]] Result<Ed25519Keypair> ed25519_keypair_from_seed(ByteView seed);

// The public key of a 32-byte seed. Errc::InvalidArgument for another size.
[[nodiscard]] Result<Bytes> ed25519_public_from_seed(ByteView seed);

// The 64-byte signature of `message` (RFC 8032 §5.1.6; deterministic).
// Errc::InvalidArgument for a seed that is not 32 bytes.
[[nodiscard]] Result<Bytes> ed25519_sign(ByteView seed, ByteView message);

// Succeeds if `signature` is a valid signature of `message` by `public_key` (RFC 8032 §5.1.7).
// Errc::Crypto for a wrong signature, an invalid point or a non-canonical S;
// Errc::InvalidArgument for a key that is not 32 bytes or a signature that is not 64 bytes.
[[nodiscard]] Result<void> ed25519_verify(ByteView public_key, ByteView message,
                                          ByteView signature);

}  // namespace dcbot::crypto
