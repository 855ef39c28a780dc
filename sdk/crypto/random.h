// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "crypto/secret.h"

// Cryptographically secure random bytes from the operating system (getrandom / /dev/urandom).
// There is no user-space state, so these functions are safe to call from any thread.
namespace dcbot::crypto {

// `n` random bytes, for public values (nonces, IVs, salts, random prefixes).
// If the operating system cannot supply randomness the process aborts: weak bytes are never
// returned, and no caller could do anything sensible with an error.
Bytes random_bytes(std::size_t n);

// Like random_bytes(), but returned as SecretBytes, for keys.
SecretBytes random_secret(std::size_t n);

// Fills `out` with random bytes (same guarantees as random_bytes()).
void fill_random(std::span<std::uint8_t> out);

}  // namespace dcbot::crypto
