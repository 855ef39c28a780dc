// SPDX-License-Identifier: MIT
#include "crypto/keywrap.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/aes.h"

namespace dcbot::crypto {

namespace {

constexpr std::size_t kSemiblock = 8;
constexpr std::array<std::uint8_t, kSemiblock> kDefaultIv = {0xA6, 0xA6, 0xA6, 0xA6,
                                                             0xA6, 0xA6, 0xA6, 0xA6};

// A xor t, with t as a 64-bit big-endian integer (RFC 3394 §2.2.1 "MSB(64, B) ^ t").
void xor_counter(std::uint8_t* a, std::uint64_t t) {
  for (std::size_t i = 0; i < kSemiblock; ++i) {
    a[kSemiblock - 1 - i] = static_cast<std::uint8_t>(a[kSemiblock - 1 - i] ^ (t & 0xff));
    t >>= 8;
  }
}

}  // namespace

Result<Bytes> aes_key_wrap(ByteView kek, ByteView key_data) {
  if (key_data.size() < 2 * kSemiblock || key_data.size() % kSemiblock != 0) {
    return make_error(Errc::InvalidArgument,
                      "aes key wrap: key data must be a multiple of 8 bytes, at least 16");
  }
  auto aes = Aes::create(kek);
  if (!aes) {
    return aes.error().with_context("aes key wrap");
  }
  std::size_t n = key_data.size() / kSemiblock;
  // Output layout: A || R[1] || ... || R[n]; R is updated in place (RFC 3394 §2.2.1, index form).
  Bytes out(kSemiblock + key_data.size());
  std::copy(kDefaultIv.begin(), kDefaultIv.end(), out.begin());
  std::copy(key_data.begin(), key_data.end(), out.begin() + kSemiblock);
  AesBlock b{};
  for (std::uint64_t j = 0; j <= 5; ++j) {
    for (std::size_t i = 1; i <= n; ++i) {
      std::uint8_t* r = out.data() + i * kSemiblock;
      std::copy(out.data(), out.data() + kSemiblock, b.data());
      std::copy(r, r + kSemiblock, b.data() + kSemiblock);
      b = aes->encrypt_block(b);
      std::copy(b.data(), b.data() + kSemiblock, out.data());
      xor_counter(out.data(), n * j + i);
      std::copy(b.data() + kSemiblock, b.data() + 2 * kSemiblock, r);
    }
  }
  secure_wipe(b.data(), b.size());
  return out;
}

Result<SecretBytes> aes_key_unwrap(ByteView kek, ByteView wrapped) {
  if (wrapped.size() < 3 * kSemiblock || wrapped.size() % kSemiblock != 0) {
    return make_error(Errc::Crypto,
                      "aes key unwrap: wrapped key must be a multiple of 8 bytes, at least 24");
  }
  auto aes = Aes::create(kek);
  if (!aes) {
    return aes.error().with_context("aes key unwrap");
  }
  std::size_t n = wrapped.size() / kSemiblock - 1;
  // Work buffer: A || R[1] || ... || R[n], a secret until the check passes.
  SecretBytes work(wrapped);
  std::uint8_t* a = work.data();
  AesBlock b{};
  for (std::uint64_t j = 6; j-- > 0;) {
    for (std::size_t i = n; i >= 1; --i) {
      std::uint8_t* r = work.data() + i * kSemiblock;
      // B = AES-1(K, (A ^ t) | R[i]) where t = n*j+i (RFC 3394 §2.2.2).
      xor_counter(a, n * j + i);
      std::copy(a, a + kSemiblock, b.data());
      std::copy(r, r + kSemiblock, b.data() + kSemiblock);
      b = aes->decrypt_block(b);
      std::copy(b.data(), b.data() + kSemiblock, a);
      std::copy(b.data() + kSemiblock, b.data() + 2 * kSemiblock, r);
    }
  }
  secure_wipe(b.data(), b.size());
  // RFC 3394 §2.2.3: the key data is returned only if A equals the initial value.
  if (!constant_time_equal(ByteView(a, kSemiblock), kDefaultIv)) {
    return make_error(Errc::Crypto, "aes key unwrap: integrity check failed");
  }
  return SecretBytes(work.view().subspan(kSemiblock));
}

}  // namespace dcbot::crypto
