// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>

#include "base/bytes.h"
#include "dcbot/result.h"

// AES-OCB authenticated encryption with associated data (RFC 7253), as OpenPGP SEIPDv2 and AEAD
// packets use it with AES-128/192/256, a 15-byte nonce and a 16-byte tag (RFC 9580 §5.13.2).
// Crypto++ 8.7 has no OCB, so this is our own implementation on top of crypto::Aes, checked
// against every sample of RFC 7253 Appendix A.
namespace dcbot::crypto {

inline constexpr std::size_t kOcbTagSize = 16;
inline constexpr std::size_t kOcbMaxNonceSize = 15;

// An AES key prepared for OCB: the key schedule and the L_* / L_$ / L_i table are computed once,
// so one AesOcb can seal many chunks (SEIPDv2 encrypts each chunk with its own nonce). Movable,
// not copyable; all key-derived state is wiped on destruction. Encrypt and decrypt are const and
// share no mutable state.
class AesOcb {
 public:
  // `key` is 16, 24 or 32 bytes; `tag_size` is the tag length in bytes, 1..16 (RFC 7253 §3
  // TAGLEN / 8; OpenPGP always uses 16). Errc::InvalidArgument otherwise.
  [[nodiscard]] static Result<AesOcb> create(ByteView key, std::size_t tag_size = kOcbTagSize);

  AesOcb(AesOcb&& other) noexcept;
  AesOcb& operator=(AesOcb&& other) noexcept;
  ~AesOcb();

  std::size_t tag_size() const;

  // RFC 7253 §4.2 OCB-ENCRYPT: returns ciphertext || tag (plaintext size + tag_size() bytes).
  // `nonce` is 1..15 bytes and must never repeat under one key. Errc::InvalidArgument for a bad
  // nonce length.
  [[nodiscard]] Result<Bytes> encrypt(ByteView nonce, ByteView associated_data,
                                      ByteView plaintext) const;

  // RFC 7253 §4.3 OCB-DECRYPT of ciphertext || tag. The tag is checked in constant time before any
  // plaintext is released; on mismatch (or input shorter than the tag) the result is Errc::Crypto
  // and the tentative plaintext is wiped. Errc::InvalidArgument for a bad nonce length.
  [[nodiscard]] Result<Bytes> decrypt(ByteView nonce, ByteView associated_data,
                                      ByteView ciphertext_and_tag) const;

 private:
  struct State;
  explicit AesOcb(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// One-shot forms of AesOcb::create + encrypt / decrypt, with the same contracts.
[[nodiscard]] Result<Bytes> aes_ocb_encrypt(ByteView key, ByteView nonce, ByteView associated_data,
                                            ByteView plaintext, std::size_t tag_size = kOcbTagSize);
[[nodiscard]] Result<Bytes> aes_ocb_decrypt(ByteView key, ByteView nonce, ByteView associated_data,
                                            ByteView ciphertext_and_tag,
                                            std::size_t tag_size = kOcbTagSize);

}  // namespace dcbot::crypto
