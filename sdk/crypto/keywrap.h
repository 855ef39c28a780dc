// SPDX-License-Identifier: MIT
#pragma once

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"

// The AES key wrap algorithm (RFC 3394 §2.2) with its default initial value A6A6A6A6A6A6A6A6.
// OpenPGP ECDH wraps the padded session key with it under a KDF-derived key-encryption key
// (RFC 9580 §5.1.6, KDF parameters "03 01 08 07" = SHA-256 and AES-128 key wrap).
namespace dcbot::crypto {

// Wraps `key_data` (a multiple of 8 bytes, at least 16) under `kek` (16, 24 or 32 bytes); the
// result is 8 bytes longer. Errc::InvalidArgument for bad sizes.
[[nodiscard]] Result<Bytes> aes_key_wrap(ByteView kek, ByteView key_data);

// Unwraps `wrapped` (a multiple of 8 bytes, at least 24) under `kek`. The integrity check value
// is compared in constant time; a mismatch (wrong key, tampered data) is Errc::Crypto and releases
// nothing. A bad KEK size is Errc::InvalidArgument; a bad `wrapped` length is Errc::Crypto, since
// it comes from untrusted input.
[[nodiscard]] Result<SecretBytes> aes_key_unwrap(ByteView kek, ByteView wrapped);

}  // namespace dcbot::crypto
