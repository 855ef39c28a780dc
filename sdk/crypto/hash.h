// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>

#include "base/bytes.h"

// The SHA-1 and SHA-2 hash functions (FIPS 180-4). Mapping OpenPGP hash algorithm ids to HashAlgo
// is the pgp layer's job. SHA-1 is here for v4 fingerprints and SEIPDv1's MDC, not for signatures.
namespace dcbot::crypto {

enum class HashAlgo { Sha1, Sha224, Sha256, Sha384, Sha512 };

// Length of the digest in bytes: 20, 28, 32, 48 or 64.
std::size_t digest_size(HashAlgo algo);

// The digest of `data` in one call.
Bytes hash(HashAlgo algo, ByteView data);

// An incremental hash: update() any number of times, then finish(). OpenPGP signatures hash the
// signed data, then the signature's hashed fields and trailer, in pieces (RFC 9580 §5.2.4).
// A Hasher is a value: copying it forks the running state (useful to check several signatures
// over the same data). It is cheap to move; a moved-from Hasher may only be assigned or destroyed.
class Hasher {
 public:
  explicit Hasher(HashAlgo algo);
  Hasher(const Hasher& other);
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(const Hasher& other);
  Hasher& operator=(Hasher&& other) noexcept;
  ~Hasher();

  HashAlgo algo() const { return algo_; }

  std::size_t digest_size() const { return crypto::digest_size(algo_); }

  void update(ByteView data);

  // Returns the digest and resets the Hasher to its initial (empty) state.
  Bytes finish();

 private:
  struct Impl;
  HashAlgo algo_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcbot::crypto
