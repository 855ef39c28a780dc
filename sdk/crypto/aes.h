// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/bytes.h"
#include "dcbot/result.h"

// AES (FIPS 197) with 128-, 192- or 256-bit keys: the raw block cipher (for OCB and key wrap) and
// CFB mode as OpenPGP uses it.
namespace dcbot::crypto {

inline constexpr std::size_t kAesBlockSize = 16;

using AesBlock = std::array<std::uint8_t, kAesBlockSize>;

// True for 16, 24 and 32.
bool is_aes_key_size(std::size_t size);

// An expanded AES key, able to encrypt and decrypt single blocks. Movable, not copyable; the key
// schedule is wiped on destruction.
class Aes {
 public:
  // Errc::InvalidArgument unless the key is 16, 24 or 32 bytes.
  [[nodiscard]] static Result<Aes> create(ByteView key);

  Aes(Aes&& other) noexcept;
  Aes& operator=(Aes&& other) noexcept;
  ~Aes();

  AesBlock encrypt_block(std::span<const std::uint8_t, kAesBlockSize> in) const;
  AesBlock decrypt_block(std::span<const std::uint8_t, kAesBlockSize> in) const;

 private:
  struct Impl;
  explicit Aes(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One block: Errc::InvalidArgument for a bad key size or a block that is not 16 bytes.
[[nodiscard]] Result<Bytes> aes_encrypt_block(ByteView key, ByteView block);
[[nodiscard]] Result<Bytes> aes_decrypt_block(ByteView key, ByteView block);

// AES in full-block CFB mode (CFB-128, NIST SP 800-38A §6.3) with the given 16-byte IV, over any
// length of data (the last segment may be partial; the output has the input's length). OpenPGP
// SEIPDv1 encrypts random-prefix || data || MDC with a zero IV this way (RFC 9580 §5.13.1); the
// quick check and MDC are the caller's business. Errc::InvalidArgument for a bad key or IV size.
[[nodiscard]] Result<Bytes> aes_cfb_encrypt(ByteView key, ByteView iv, ByteView plaintext);
[[nodiscard]] Result<Bytes> aes_cfb_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

}  // namespace dcbot::crypto
