// SPDX-License-Identifier: MIT
#include "crypto/aes.h"

#include <exception>
#include <string>

#include <cryptopp/aes.h>
#include <cryptopp/modes.h>

namespace dcbot::crypto {

namespace {

Error crypto_error(const char* what, const std::exception& e) {
  return make_error(Errc::Crypto, std::string(what) + ": " + e.what());
}

Result<void> check_key(ByteView key) {
  if (!is_aes_key_size(key.size())) {
    return make_error(Errc::InvalidArgument,
                      "aes: key must be 16, 24 or 32 bytes, got " + std::to_string(key.size()));
  }
  return {};
}

Result<void> check_iv(ByteView iv) {
  if (iv.size() != kAesBlockSize) {
    return make_error(Errc::InvalidArgument, "aes: iv must be 16 bytes");
  }
  return {};
}

}  // namespace

bool is_aes_key_size(std::size_t size) {
  return size == 16 || size == 24 || size == 32;
}

// Crypto++ keeps its key schedules in SecBlocks, which are zeroed when freed.
struct Aes::Impl {
  CryptoPP::AES::Encryption enc;
  CryptoPP::AES::Decryption dec;
};

Result<Aes> Aes::create(ByteView key) {
  DCBOT_TRY(check_key(key));
  try {
    auto impl = std::make_unique<Impl>();
    impl->enc.SetKey(key.data(), key.size());
    impl->dec.SetKey(key.data(), key.size());
    return Aes(std::move(impl));
  } catch (const std::exception& e) {
    return crypto_error("aes: set key", e);
  }
}

Aes::Aes(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Aes::Aes(Aes&& other) noexcept = default;

Aes& Aes::operator=(Aes&& other) noexcept = default;

Aes::~Aes() = default;

AesBlock Aes::encrypt_block(std::span<const std::uint8_t, kAesBlockSize> in) const {
  DCBOT_CHECK(impl_ != nullptr, "use of a moved-from Aes");
  AesBlock out{};
  impl_->enc.ProcessBlock(in.data(), out.data());
  return out;
}

AesBlock Aes::decrypt_block(std::span<const std::uint8_t, kAesBlockSize> in) const {
  DCBOT_CHECK(impl_ != nullptr, "use of a moved-from Aes");
  AesBlock out{};
  impl_->dec.ProcessBlock(in.data(), out.data());
  return out;
}

Result<Bytes> aes_encrypt_block(ByteView key, ByteView block) {
  if (block.size() != kAesBlockSize) {
    return make_error(Errc::InvalidArgument, "aes: block must be 16 bytes");
  }
  DCBOT_TRY(auto aes, Aes::create(key));
  auto out = aes.encrypt_block(block.first<kAesBlockSize>());
  return Bytes(out.begin(), out.end());
}

Result<Bytes> aes_decrypt_block(ByteView key, ByteView block) {
  if (block.size() != kAesBlockSize) {
    return make_error(Errc::InvalidArgument, "aes: block must be 16 bytes");
  }
  DCBOT_TRY(auto aes, Aes::create(key));
  auto out = aes.decrypt_block(block.first<kAesBlockSize>());
  return Bytes(out.begin(), out.end());
}

Result<Bytes> aes_cfb_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  DCBOT_TRY(check_key(key));
  DCBOT_TRY(check_iv(iv));
  try {
    // Crypto++'s CFB_Mode defaults to a feedback size of one block, i.e. CFB-128.
    CryptoPP::CFB_Mode<CryptoPP::AES>::Encryption cfb(key.data(), key.size(), iv.data());
    Bytes out(plaintext.size());
    if (!plaintext.empty()) {
      cfb.ProcessData(out.data(), plaintext.data(), plaintext.size());
    }
    return out;
  } catch (const std::exception& e) {
    return crypto_error("aes-cfb: encrypt", e);
  }
}

Result<Bytes> aes_cfb_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  DCBOT_TRY(check_key(key));
  DCBOT_TRY(check_iv(iv));
  try {
    CryptoPP::CFB_Mode<CryptoPP::AES>::Decryption cfb(key.data(), key.size(), iv.data());
    Bytes out(ciphertext.size());
    if (!ciphertext.empty()) {
      cfb.ProcessData(out.data(), ciphertext.data(), ciphertext.size());
    }
    return out;
  } catch (const std::exception& e) {
    return crypto_error("aes-cfb: decrypt", e);
  }
}

}  // namespace dcbot::crypto
