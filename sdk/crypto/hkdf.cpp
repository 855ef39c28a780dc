// SPDX-License-Identifier: MIT
#include "crypto/hkdf.h"

#include <exception>
#include <string>

#include <cryptopp/hkdf.h>
#include <cryptopp/hmac.h>
#include <cryptopp/sha.h>

namespace dcbot::crypto {

namespace {

constexpr std::size_t kMaxOutput =
    std::size_t{255} * CryptoPP::SHA256::DIGESTSIZE;  // RFC 5869 §2.3

}  // namespace

Result<SecretBytes> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
  if (length > kMaxOutput) {
    return make_error(Errc::InvalidArgument, "hkdf: output longer than 255 hash lengths");
  }
  SecretBytes okm(length);
  if (length == 0) {
    return okm;
  }
  try {
    CryptoPP::HKDF<CryptoPP::SHA256> kdf;
    // Crypto++ treats a null salt as "not provided" and substitutes HashLen zeros, which is what
    // RFC 5869 §2.2 asks for; an empty salt is the same thing.
    kdf.DeriveKey(okm.data(), okm.size(), ikm.data(), ikm.size(),
                  salt.empty() ? nullptr : salt.data(), salt.size(), info.data(), info.size());
    return okm;
  } catch (const std::exception& e) {
    return make_error(Errc::Crypto, std::string("hkdf: ") + e.what());
  }
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  // HMAC accepts keys of any length and never throws for valid pointers.
  CryptoPP::HMAC<CryptoPP::SHA256> mac(key.data(), key.size());
  if (!data.empty()) {
    mac.Update(data.data(), data.size());
  }
  Bytes out(CryptoPP::SHA256::DIGESTSIZE);
  mac.Final(out.data());
  return out;
}

}  // namespace dcbot::crypto
