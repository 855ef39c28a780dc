// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"

// HKDF with HMAC-SHA256 (RFC 5869), as OpenPGP SEIPDv2 derives its message key and nonce
// (RFC 9580 §5.13.2) and X25519 keys are derived in RFC 9580 §5.1.6.
namespace dcbot::crypto {

// Extract-then-expand: `length` bytes of output keying material from input keying material `ikm`,
// an optional `salt` (empty means HashLen zero bytes, RFC 5869 §2.2) and context `info`.
// Errc::InvalidArgument if `length` exceeds 255 * 32 = 8160 bytes (RFC 5869 §2.3).
[[nodiscard]] Result<SecretBytes> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info,
                                              std::size_t length);

// HMAC-SHA256 (RFC 2104) of `data` under `key`: 32 bytes.
Bytes hmac_sha256(ByteView key, ByteView data);

}  // namespace dcbot::crypto
