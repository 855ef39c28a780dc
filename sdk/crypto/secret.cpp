// SPDX-License-Identifier: MIT
#include "crypto/secret.h"

#include <cstring>
#include <utility>

namespace dcbot::crypto {

SecretBytes::SecretBytes(std::size_t size)
    : data_(size == 0 ? nullptr : new std::uint8_t[size]()), size_(size) {}

SecretBytes::SecretBytes(ByteView bytes) : SecretBytes(bytes.size()) {
  if (!bytes.empty()) {
    std::memcpy(data_, bytes.data(), bytes.size());
  }
}

SecretBytes::SecretBytes(const SecretBytes& other) : SecretBytes(other.view()) {}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    SecretBytes copy(other);
    *this = std::move(copy);
  }
  return *this;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  release();
}

void SecretBytes::release() noexcept {
  if (data_ != nullptr) {
    secure_wipe(data_, size_);
    delete[] data_;
    data_ = nullptr;
  }
  size_ = 0;
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  return constant_time_equal(a.view(), b.view());
}

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) {
    // glibc's explicit_bzero is documented not to be removed by dead-store elimination.
    explicit_bzero(data, size);
  }
}

namespace {

thread_local std::uint64_t ct_equal_calls = 0;

}  // namespace

std::uint64_t constant_time_equal_calls() noexcept {
  return ct_equal_calls;
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  ++ct_equal_calls;
  if (a.size() != b.size()) {
    return false;
  }
  // Accumulate every difference; no early exit, so timing reveals nothing about the contents.
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

}  // namespace dcbot::crypto
