// SPDX-License-Identifier: MIT
#include "crypto/ed25519.h"

#include <array>
#include <exception>
#include <string>

#include <cryptopp/donna.h>

#include "crypto/random.h"

namespace dcbot::crypto {

namespace {

Result<void> check_size(ByteView b, std::size_t want, const char* what) {
  if (b.size() != want) {
    return make_error(Errc::InvalidArgument, std::string("ed25519: ") + what + " must be "
                                                 + std::to_string(want) + " bytes, got "
                                                 + std::to_string(b.size()));
  }
  return {};
}

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032
// §5.1).
constexpr std::array<std::uint8_t, 32> kOrderL = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// RFC 8032 §5.1.7 step 1: S must be in range 0 <= S < L. Checked here so that malleable signatures
// are rejected whatever the backend does. S is public, so this need not be constant time.
bool is_canonical_s(ByteView s) {
  for (int i = 31; i >= 0; --i) {
    auto idx = static_cast<std::size_t>(i);
    if (s[idx] != kOrderL[idx]) {
      return s[idx] < kOrderL[idx];
    }
  }
  return false;  // S == L
}

}  // namespace

Ed25519Keypair ed25519_generate() {
  auto seed = random_secret(kEd25519SeedSize);
  auto pair = ed25519_keypair_from_seed(seed.view());
  DCBOT_CHECK(pair.has_value(), "ed25519 key pair from a fresh seed");
  return std::move(*pair);
}

Result<Ed25519Keypair> ed25519_keypair_from_seed(ByteView seed) {
  DCBOT_TRY(auto pub, ed25519_public_from_seed(seed));
  return Ed25519Keypair{SecretBytes(seed), std::move(pub)};
}

Result<Bytes> ed25519_public_from_seed(ByteView seed) {
  DCBOT_TRY(check_size(seed, kEd25519SeedSize, "seed"));
  try {
    Bytes pub(kEd25519PublicKeySize);
    if (CryptoPP::Donna::ed25519_publickey(pub.data(), seed.data()) != 0) {
      return make_error(Errc::Crypto, "ed25519: public key derivation failed");
    }
    return pub;
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("ed25519: public key: ") + e.what());
  }
}

Result<Bytes> ed25519_sign(ByteView seed, ByteView message) {
  DCBOT_TRY(auto pub, ed25519_public_from_seed(seed));
  try {
    Bytes sig(kEd25519SignatureSize);
    if (CryptoPP::Donna::ed25519_sign(message.data(), message.size(), seed.data(), pub.data(),
                                      sig.data())
        != 0) {
      return make_error(Errc::Crypto, "ed25519: signing failed");
    }
    return sig;
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("ed25519: sign: ") + e.what());
  }
}

Result<void> ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  DCBOT_TRY(check_size(public_key, kEd25519PublicKeySize, "public key"));
  DCBOT_TRY(check_size(signature, kEd25519SignatureSize, "signature"));
  if (!is_canonical_s(signature.subspan(32))) {
    return make_error(Errc::Crypto, "ed25519: bad signature");
  }
  try {
    // ed25519_sign_open returns 0 for a valid signature and -1 otherwise (also for an undecodable
    // public key).
    if (CryptoPP::Donna::ed25519_sign_open(message.data(), message.size(), public_key.data(),
                                           signature.data())
        != 0) {
      return make_error(Errc::Crypto, "ed25519: bad signature");
    }
    return {};
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("ed25519: verify: ") + e.what());
  }
}

}  // namespace dcbot::crypto
