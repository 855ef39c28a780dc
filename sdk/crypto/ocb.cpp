// SPDX-License-Identifier: MIT
#include "crypto/ocb.h"

#include <array>
#include <bit>
#include <cstdint>
#include <string>

#include "crypto/aes.h"
#include "crypto/secret.h"

namespace dcbot::crypto {

namespace {

using Block = AesBlock;

// Block indices are 64-bit, so ntz(i) < 64 and L_0..L_63 cover every message.
constexpr std::size_t kLTableSize = 64;

void xor_into(Block& a, const Block& b) {
  for (std::size_t i = 0; i < kAesBlockSize; ++i) {
    a[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
}

Block xor_of(const Block& a, const Block& b) {
  Block out = a;
  xor_into(out, b);
  return out;
}

// RFC 7253 §2 double(S): a left shift by one bit, reduced by x^128 + x^7 + x^2 + x + 1. The
// reduction is selected with a mask, not a branch, since L values are key-derived secrets.
Block double_block(const Block& s) {
  Block out{};
  auto carry = static_cast<std::uint8_t>(s[0] >> 7);
  for (std::size_t i = 0; i + 1 < kAesBlockSize; ++i) {
    out[i] = static_cast<std::uint8_t>((s[i] << 1) | (s[i + 1] >> 7));
  }
  out[15] = static_cast<std::uint8_t>(s[15] << 1);
  out[15] = static_cast<std::uint8_t>(out[15] ^ (0x87 & (0 - carry)));
  return out;
}

// Copies up to 16 bytes of `bytes` into a block and appends the 10* padding of RFC 7253 §4
// ("A_* || 1 || zeros(127 - bitlen(A_*))").
Block pad_partial(ByteView bytes) {
  Block out{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[i] = bytes[i];
  }
  out[bytes.size()] = 0x80;
  return out;
}

Block load_block(ByteView bytes, std::size_t offset) {
  Block out{};
  for (std::size_t i = 0; i < kAesBlockSize; ++i) {
    out[i] = bytes[offset + i];
  }
  return out;
}

}  // namespace

struct AesOcb::State {
  Aes aes;
  std::size_t tag_size;
  Block l_star{};
  Block l_dollar{};
  std::array<Block, kLTableSize> l{};

  State(Aes a, std::size_t t) : aes(std::move(a)), tag_size(t) {}

  State(const State&) = delete;
  State& operator=(const State&) = delete;

  ~State() {
    secure_wipe(l_star.data(), l_star.size());
    secure_wipe(l_dollar.data(), l_dollar.size());
    secure_wipe(l.data(), sizeof(l));
  }

  // RFC 7253 §4.1 HASH(K, A).
  Block hash(ByteView a) const {
    Block sum{};
    Block offset{};
    std::size_t full = a.size() / kAesBlockSize;
    for (std::size_t i = 1; i <= full; ++i) {
      xor_into(offset, l[static_cast<std::size_t>(std::countr_zero(i))]);
      auto in = xor_of(load_block(a, (i - 1) * kAesBlockSize), offset);
      xor_into(sum, aes.encrypt_block(in));
    }
    auto rest = a.subspan(full * kAesBlockSize);
    if (!rest.empty()) {
      xor_into(offset, l_star);
      auto in = xor_of(pad_partial(rest), offset);
      xor_into(sum, aes.encrypt_block(in));
    }
    return sum;
  }

  // RFC 7253 §4.2 nonce-dependent values: Offset_0 from Ktop and Stretch.
  Block initial_offset(ByteView nonce) const {
    Block full{};
    // Nonce = num2str(TAGLEN mod 128, 7) || zeros(120 - bitlen(N)) || 1 || N
    std::size_t start = kAesBlockSize - nonce.size();
    for (std::size_t i = 0; i < nonce.size(); ++i) {
      full[start + i] = nonce[i];
    }
    full[start - 1] = static_cast<std::uint8_t>(full[start - 1] | 0x01);
    full[0] = static_cast<std::uint8_t>(full[0] | (((tag_size * 8) % 128) << 1));
    auto bottom = static_cast<unsigned>(full[15] & 0x3f);
    full[15] = static_cast<std::uint8_t>(full[15] & 0xc0);
    Block ktop = aes.encrypt_block(full);
    // Stretch = Ktop || (Ktop[1..64] xor Ktop[9..72]); Offset_0 = Stretch[1+bottom..128+bottom].
    std::array<std::uint8_t, 24> stretch{};
    for (std::size_t i = 0; i < kAesBlockSize; ++i) {
      stretch[i] = ktop[i];
    }
    for (std::size_t i = 0; i < 8; ++i) {
      stretch[kAesBlockSize + i] = static_cast<std::uint8_t>(ktop[i] ^ ktop[i + 1]);
    }
    std::size_t byte_shift = bottom / 8;
    unsigned bit_shift = bottom % 8;
    Block offset{};
    for (std::size_t i = 0; i < kAesBlockSize; ++i) {
      unsigned hi = stretch[i + byte_shift];
      unsigned lo = stretch[i + byte_shift + 1];
      // With bit_shift == 0 the low byte contributes nothing (lo >> 8 == 0).
      offset[i] = static_cast<std::uint8_t>((hi << bit_shift) | (lo >> (8 - bit_shift)));
    }
    secure_wipe(ktop.data(), ktop.size());
    secure_wipe(stretch.data(), stretch.size());
    return offset;
  }

  // The shared body of encryption and decryption: processes `in` into `out` (same length) and
  // returns the full 16-byte tag. `decrypting` selects DECIPHER for full blocks and which side the
  // checksum is taken over (always the plaintext).
  Block process(ByteView nonce, ByteView ad, ByteView in, std::uint8_t* out,
                bool decrypting) const {
    Block offset = initial_offset(nonce);
    Block checksum{};
    std::size_t full = in.size() / kAesBlockSize;
    for (std::size_t i = 1; i <= full; ++i) {
      xor_into(offset, l[static_cast<std::size_t>(std::countr_zero(i))]);
      Block block = load_block(in, (i - 1) * kAesBlockSize);
      Block x = xor_of(block, offset);
      Block y = decrypting ? aes.decrypt_block(x) : aes.encrypt_block(x);
      xor_into(y, offset);
      xor_into(checksum, decrypting ? y : block);
      for (std::size_t j = 0; j < kAesBlockSize; ++j) {
        out[(i - 1) * kAesBlockSize + j] = y[j];
      }
    }
    auto rest = in.subspan(full * kAesBlockSize);
    if (!rest.empty()) {
      xor_into(offset, l_star);
      Block pad = aes.encrypt_block(offset);
      std::uint8_t* tail = out + full * kAesBlockSize;
      for (std::size_t j = 0; j < rest.size(); ++j) {
        tail[j] = static_cast<std::uint8_t>(rest[j] ^ pad[j]);
      }
      ByteView plain_tail = decrypting ? ByteView(tail, rest.size()) : rest;
      xor_into(checksum, pad_partial(plain_tail));
      secure_wipe(pad.data(), pad.size());
    }
    // Tag = ENCIPHER(K, Checksum xor Offset xor L_$) xor HASH(K, A)
    xor_into(checksum, offset);
    xor_into(checksum, l_dollar);
    Block tag = aes.encrypt_block(checksum);
    xor_into(tag, hash(ad));
    secure_wipe(checksum.data(), checksum.size());
    secure_wipe(offset.data(), offset.size());
    return tag;
  }
};

namespace {

Result<void> check_nonce(ByteView nonce) {
  if (nonce.empty() || nonce.size() > kOcbMaxNonceSize) {
    return make_error(Errc::InvalidArgument,
                      "ocb: nonce must be 1 to 15 bytes, got " + std::to_string(nonce.size()));
  }
  return {};
}

}  // namespace

Result<AesOcb> AesOcb::create(ByteView key, std::size_t tag_size) {
  if (tag_size == 0 || tag_size > kOcbTagSize) {
    return make_error(Errc::InvalidArgument, "ocb: tag size must be 1 to 16 bytes");
  }
  auto aes = Aes::create(key);
  if (!aes) {
    return aes.error().with_context("ocb");
  }
  auto state = std::make_unique<State>(std::move(*aes), tag_size);
  // RFC 7253 §4.1 key-dependent variables: L_* = ENCIPHER(K, zeros(128)), L_$ = double(L_*),
  // L_0 = double(L_$), L_i = double(L_{i-1}).
  state->l_star = state->aes.encrypt_block(Block{});
  state->l_dollar = double_block(state->l_star);
  state->l[0] = double_block(state->l_dollar);
  for (std::size_t i = 1; i < kLTableSize; ++i) {
    state->l[i] = double_block(state->l[i - 1]);
  }
  return AesOcb(std::move(state));
}

AesOcb::AesOcb(std::unique_ptr<State> state) : state_(std::move(state)) {}

AesOcb::AesOcb(AesOcb&& other) noexcept = default;

AesOcb& AesOcb::operator=(AesOcb&& other) noexcept = default;

AesOcb::~AesOcb() = default;

std::size_t AesOcb::tag_size() const {
  DCBOT_CHECK(state_ != nullptr, "use of a moved-from AesOcb");
  return state_->tag_size;
}

Result<Bytes> AesOcb::encrypt(ByteView nonce, ByteView associated_data, ByteView plaintext) const {
  DCBOT_CHECK(state_ != nullptr, "use of a moved-from AesOcb");
  DCBOT_TRY(check_nonce(nonce));
  Bytes out(plaintext.size() + state_->tag_size);
  Block tag = state_->process(nonce, associated_data, plaintext, out.data(), false);
  for (std::size_t i = 0; i < state_->tag_size; ++i) {
    out[plaintext.size() + i] = tag[i];
  }
  return out;
}

Result<Bytes> AesOcb::decrypt(ByteView nonce, ByteView associated_data,
                              ByteView ciphertext_and_tag) const {
  DCBOT_CHECK(state_ != nullptr, "use of a moved-from AesOcb");
  DCBOT_TRY(check_nonce(nonce));
  if (ciphertext_and_tag.size() < state_->tag_size) {
    return make_error(Errc::Crypto, "ocb: message shorter than its tag");
  }
  std::size_t body = ciphertext_and_tag.size() - state_->tag_size;
  ByteView ciphertext = ciphertext_and_tag.first(body);
  ByteView received_tag = ciphertext_and_tag.subspan(body);
  Bytes plain(body);
  Block tag = state_->process(nonce, associated_data, ciphertext, plain.data(), true);
  // RFC 7253 §4.3: release P only if the tags match; compare in constant time.
  bool ok = constant_time_equal(ByteView(tag.data(), state_->tag_size), received_tag);
  secure_wipe(tag.data(), tag.size());
  if (!ok) {
    secure_wipe(plain.data(), plain.size());
    return make_error(Errc::Crypto, "ocb: authentication failed");
  }
  return plain;
}

Result<Bytes> aes_ocb_encrypt(ByteView key, ByteView nonce, ByteView associated_data,
                              ByteView plaintext, std::size_t tag_size) {
  DCBOT_TRY(auto ocb, AesOcb::create(key, tag_size));
  return ocb.encrypt(nonce, associated_data, plaintext);
}

Result<Bytes> aes_ocb_decrypt(ByteView key, ByteView nonce, ByteView associated_data,
                              ByteView ciphertext_and_tag, std::size_t tag_size) {
  DCBOT_TRY(auto ocb, AesOcb::create(key, tag_size));
  return ocb.decrypt(nonce, associated_data, ciphertext_and_tag);
}

}  // namespace dcbot::crypto
