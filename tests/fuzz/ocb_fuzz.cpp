// SPDX-License-Identifier: MIT
// AES-OCB decryption of arbitrary bytes under a fixed key never crashes, and it succeeds only when
// the tag really is the one OCB-ENCRYPT would produce (fake-decryption oracle, SECURITY.md item
// 24).
//
// Input layout: byte 0 selects the nonce length (1..15), byte 1 the associated-data length; then
// the nonce, the associated data, and the rest is ciphertext || tag. Short inputs are zero-padded.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "crypto/ocb.h"
#include "dcbot/result.h"

namespace {

const dcbot::Bytes kKey = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                           0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto ocb = dcbot::crypto::AesOcb::create(kKey).value();
  dcbot::ByteView in(data, size);
  if (in.size() < 2) {
    return 0;
  }
  std::size_t nonce_size = 1 + in[0] % dcbot::crypto::kOcbMaxNonceSize;
  std::size_t ad_size = in[1];
  in = in.subspan(2);
  dcbot::Bytes nonce(nonce_size, 0);
  for (std::size_t i = 0; i < nonce_size && i < in.size(); ++i) {
    nonce[i] = in[i];
  }
  in = in.subspan(std::min(nonce_size, in.size()));
  auto ad = in.first(std::min(ad_size, in.size()));
  auto body = in.subspan(ad.size());

  auto plain = ocb.decrypt(nonce, ad, body);
  if (plain) {
    // Success is only allowed if the input is exactly what encryption produces.
    auto again = ocb.encrypt(nonce, ad, *plain);
    DCBOT_CHECK(again && dcbot::Bytes(body.begin(), body.end()) == *again,
                "ocb accepted a tag that encryption does not produce");
    // Any change to the tag must then be rejected.
    dcbot::Bytes bad(body.begin(), body.end());
    bad.back() ^= 0x01;
    DCBOT_CHECK(!ocb.decrypt(nonce, ad, bad), "ocb accepted a modified tag");
  } else {
    DCBOT_CHECK(plain.error().code == dcbot::Errc::Crypto, "ocb decrypt error code");
  }
  return 0;
}
