// SPDX-License-Identifier: MIT
#include "crypto/random.h"

#include <cryptopp/osrng.h>

#include "dcbot/result.h"

namespace dcbot::crypto {

void fill_random(std::span<std::uint8_t> out) {
  if (out.empty()) {
    return;
  }
  try {
    // The non-blocking OS generator: getrandom(2) or /dev/urandom, no pooled state of our own.
    CryptoPP::OS_GenerateRandomBlock(false, out.data(), out.size());
  } catch (const std::exception& e) {
    DCBOT_CHECK(false, std::string("os random generator failed: ") + e.what());
  }
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  fill_random(out);
  return out;
}

SecretBytes random_secret(std::size_t n) {
  SecretBytes out(n);
  fill_random({out.data(), out.size()});
  return out;
}

}  // namespace dcbot::crypto
