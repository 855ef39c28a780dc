// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

// Key material that is wiped from memory when it goes away, and comparisons that do not leak
// where two byte strings differ through their running time.
namespace dcbot::crypto {

// An owned, fixed-size buffer for secret bytes (private keys, session keys, derived keys). Its
// storage is overwritten with zeros on destruction and before it is reassigned; it never
// reallocates, so no stale copy is left behind in freed memory by growth. Copies are allowed (each
// copy is wiped in turn) but should be rare. Read it through view(); there is deliberately no
// implicit conversion, so secrets are not passed around by accident.
class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes.
  explicit SecretBytes(std::size_t size);
  // A copy of `bytes`.
  explicit SecretBytes(ByteView bytes);
  SecretBytes(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::uint8_t* data() { return data_; }

  const std::uint8_t* data() const { return data_; }

  std::size_t size() const { return size_; }

  bool empty() const { return size_ == 0; }

  ByteView view() const { return {data_, size_}; }

  // Constant-time comparison of the contents (the sizes are not secret).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);

 private:
  void release() noexcept;

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Overwrites `size` bytes at `data` with zeros in a way the compiler may not optimise away.
void secure_wipe(void* data, std::size_t size) noexcept;

// True if `a` and `b` have the same length and contents. The running time depends only on the
// lengths, never on the contents, so it is safe for tags, MACs and checksums. Every check of an
// authentication tag or integrity value in the engine goes through it (SECURITY.md 16): the OCB
// tag (crypto/ocb.h, so SEIPD v2 chunks and SKESK v6), the AES key-wrap IV (crypto/keywrap.h,
// so every ECDH and X25519 PKESK) and the SEIPD v1 MDC (pgp/session.h).
bool constant_time_equal(ByteView a, ByteView b) noexcept;

// How many times constant_time_equal() has run on the calling thread. It exists so that tests can
// prove a tag check goes through the constant-time compare, and that it runs even when an earlier
// check has already failed (no early exit); nothing else reads it.
std::uint64_t constant_time_equal_calls() noexcept;

}  // namespace dcbot::crypto
