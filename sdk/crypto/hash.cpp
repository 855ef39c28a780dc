// SPDX-License-Identifier: MIT
#include "crypto/hash.h"

#include <variant>

#include <cryptopp/sha.h>

#include "dcbot/result.h"

namespace dcbot::crypto {

// Hashing never fails in Crypto++ (no allocation beyond the object, no exceptions on any input),
// so these functions return plain values.
struct Hasher::Impl {
  std::variant<CryptoPP::SHA1, CryptoPP::SHA224, CryptoPP::SHA256, CryptoPP::SHA384,
               CryptoPP::SHA512>
      state;

  explicit Impl(HashAlgo algo) {
    switch (algo) {
      case HashAlgo::Sha1:
        state.emplace<CryptoPP::SHA1>();
        return;
      case HashAlgo::Sha224:
        state.emplace<CryptoPP::SHA224>();
        return;
      case HashAlgo::Sha256:
        state.emplace<CryptoPP::SHA256>();
        return;
      case HashAlgo::Sha384:
        state.emplace<CryptoPP::SHA384>();
        return;
      case HashAlgo::Sha512:
        state.emplace<CryptoPP::SHA512>();
        return;
    }
    DCBOT_CHECK(false, "unknown hash algorithm");
  }

  CryptoPP::HashTransformation& transform() {
    return std::visit([](auto& h) -> CryptoPP::HashTransformation& { return h; }, state);
  }
};

std::size_t digest_size(HashAlgo algo) {
  switch (algo) {
    case HashAlgo::Sha1:
      return CryptoPP::SHA1::DIGESTSIZE;
    case HashAlgo::Sha224:
      return CryptoPP::SHA224::DIGESTSIZE;
    case HashAlgo::Sha256:
      return CryptoPP::SHA256::DIGESTSIZE;
    case HashAlgo::Sha384:
      return CryptoPP::SHA384::DIGESTSIZE;
    case HashAlgo::Sha512:
      return CryptoPP::SHA512::DIGESTSIZE;
  }
  DCBOT_CHECK(false, "unknown hash algorithm");
  return 0;
}

Bytes hash(HashAlgo algo, ByteView data) {
  Hasher hasher(algo);
  hasher.update(data);
  return hasher.finish();
}

Hasher::Hasher(HashAlgo algo) : algo_(algo), impl_(std::make_unique<Impl>(algo)) {}

Hasher::Hasher(const Hasher& other)
    : algo_(other.algo_), impl_(std::make_unique<Impl>(*other.impl_)) {}

Hasher::Hasher(Hasher&& other) noexcept = default;

Hasher& Hasher::operator=(const Hasher& other) {
  if (this != &other) {
    algo_ = other.algo_;
    impl_ = std::make_unique<Impl>(*other.impl_);
  }
  return *this;
}

Hasher& Hasher::operator=(Hasher&& other) noexcept = default;

Hasher::~Hasher() = default;

void Hasher::update(ByteView data) {
  DCBOT_CHECK(impl_ != nullptr, "use of a moved-from Hasher");
  if (!data.empty()) {
    impl_->transform().Update(data.data(), data.size());
  }
}

Bytes Hasher::finish() {
  DCBOT_CHECK(impl_ != nullptr, "use of a moved-from Hasher");
  auto& h = impl_->transform();
  Bytes digest(h.DigestSize());
  // Final() writes the digest and restarts the hash, as documented in cryptlib.h.
  h.Final(digest.data());
  return digest;
}

}  // namespace dcbot::crypto
