// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"

// X25519 Diffie-Hellman (RFC 7748 §5, §6.1).
//
// Byte order: every function here takes and returns the RFC 7748 encodings, i.e. the secret scalar
// and the u-coordinates as 32 LITTLE-ENDIAN bytes. The scalar is clamped internally (RFC 7748 §5
// decodeScalar25519), so callers may pass it clamped or not; the most significant bit of a peer's
// u-coordinate is ignored as §5 requires.
//
// OpenPGP's legacy ECDH over Curve25519 ("cv25519", RFC 9580 §11.5 / §5.5.5.6 note) stores the
// secret as a BIG-ENDIAN MPI, i.e. the byte-reversed scalar, and the public key as 0x40 || u.
// x25519_secret_from_legacy_mpi() and x25519_secret_to_legacy_mpi() convert between the two orders.
namespace dcbot::crypto {

inline constexpr std::size_t kX25519KeySize = 32;

struct X25519Keypair {
  SecretBytes secret;  // 32-byte little-endian scalar, clamped
  Bytes public_key;    // 32-byte little-endian u-coordinate
};

// A new random key pair; the secret is stored clamped (as OpenPGP implementations expect).
X25519Keypair x25519_generate();

// The public key (scalar times the base point u = 9) of a 32-byte little-endian secret.
// Errc::InvalidArgument for another size.
[[nodiscard]] Result<Bytes> x25519_public_from_secret(ByteView secret);

// The shared secret X25519(secret, peer_public). Errc::InvalidArgument for sizes other than 32;
// Errc::Crypto if the result is all zeros (a small-order peer point, RFC 7748 §6.1), which callers
// must not use as a key.
[[nodiscard]] Result<SecretBytes> x25519_shared_secret(ByteView secret, ByteView peer_public);

// Clamps a 32-byte little-endian scalar in place as RFC 7748 §5 decodeScalar25519 does.
// Errc::InvalidArgument for another size.
[[nodiscard]] Result<void> x25519_clamp(SecretBytes& secret);

// Converts an OpenPGP legacy cv25519 secret MPI value (big-endian, leading zeros possibly stripped,
// at most 32 bytes) to the 32-byte little-endian scalar taken by the functions above.
// Errc::InvalidArgument if it is longer than 32 bytes.
[[nodiscard]] Result<SecretBytes> x25519_secret_from_legacy_mpi(ByteView big_endian);

// The reverse: the 32-byte big-endian form of a 32-byte little-endian scalar (the caller strips
// leading zeros when writing an MPI). Errc::InvalidArgument for another size.
[[nodiscard]] Result<SecretBytes> x25519_secret_to_legacy_mpi(ByteView little_endian);

}  // namespace dcbot::crypto
