// SPDX-License-Identifier: MIT
#include "crypto/x25519.h"

#include <algorithm>
#include <array>
#include <exception>
#include <string>

#include <cryptopp/donna.h>

#include "crypto/random.h"

namespace dcbot::crypto {

namespace {

Result<void> check_size(ByteView b, const char* what) {
  if (b.size() != kX25519KeySize) {
    return make_error(
        Errc::InvalidArgument,
        std::string("x25519: ") + what + " must be 32 bytes, got " + std::to_string(b.size()));
  }
  return {};
}

// RFC 7748 §5 decodeScalar25519.
void clamp(std::uint8_t* k) {
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
}

}  // namespace

X25519Keypair x25519_generate() {
  auto secret = random_secret(kX25519KeySize);
  clamp(secret.data());
  auto pub = x25519_public_from_secret(secret.view());
  DCBOT_CHECK(pub.has_value(), "x25519 public key of a fresh secret");
  return X25519Keypair{std::move(secret), std::move(*pub)};
}

Result<Bytes> x25519_public_from_secret(ByteView secret) {
  DCBOT_TRY(check_size(secret, "secret"));
  try {
    // Clamp a private copy so the result is the same whatever the backend does with the raw bits.
    SecretBytes k(secret);
    clamp(k.data());
    Bytes pub(kX25519KeySize);
    if (CryptoPP::Donna::curve25519_mult(pub.data(), k.data()) != 0) {
      return make_error(Errc::Crypto, "x25519: public key derivation failed");
    }
    return pub;
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("x25519: public key: ") + e.what());
  }
}

Result<SecretBytes> x25519_shared_secret(ByteView secret, ByteView peer_public) {
  DCBOT_TRY(check_size(secret, "secret"));
  DCBOT_TRY(check_size(peer_public, "public key"));
  try {
    SecretBytes k(secret);
    clamp(k.data());
    // RFC 7748 §5: implementations MUST mask the most significant bit of the u-coordinate.
    std::array<std::uint8_t, kX25519KeySize> u{};
    std::copy(peer_public.begin(), peer_public.end(), u.begin());
    u[31] &= 127;
    SecretBytes shared(kX25519KeySize);
    if (CryptoPP::Donna::curve25519_mult(shared.data(), k.data(), u.data()) != 0) {
      return make_error(Errc::Crypto, "x25519: scalar multiplication failed");
    }
    // RFC 7748 §6.1: an all-zero output means the peer sent a small-order point. The check ORs
    // every byte, so it takes the same time for every output.
    std::uint8_t acc = 0;
    for (std::size_t i = 0; i < shared.size(); ++i) {
      acc = static_cast<std::uint8_t>(acc | shared.data()[i]);
    }
    if (acc == 0) {
      return make_error(Errc::Crypto, "x25519: all-zero shared secret");
    }
    return shared;
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("x25519: shared secret: ") + e.what());
  }
}

Result<void> x25519_clamp(SecretBytes& secret) {
  DCBOT_TRY(check_size(secret.view(), "secret"));
  clamp(secret.data());
  return {};
}

Result<SecretBytes> x25519_secret_from_legacy_mpi(ByteView big_endian) {
  if (big_endian.size() > kX25519KeySize) {
    return make_error(Errc::InvalidArgument, "x25519: legacy secret longer than 32 bytes");
  }
  // Left-pad the big-endian value to 32 bytes, then reverse into little-endian order.
  SecretBytes out(kX25519KeySize);
  for (std::size_t i = 0; i < big_endian.size(); ++i) {
    out.data()[i] = big_endian[big_endian.size() - 1 - i];
  }
  return out;
}

Result<SecretBytes> x25519_secret_to_legacy_mpi(ByteView little_endian) {
  DCBOT_TRY(check_size(little_endian, "secret"));
  SecretBytes out(kX25519KeySize);
  std::reverse_copy(little_endian.begin(), little_endian.end(), out.data());
  return out;
}

}  // namespace dcbot::crypto
