// SPDX-License-Identifier: MIT
// The inner message (what a SEIPD decrypts to, or an inline-signed message): one compression layer,
// one-pass and prefixed signatures, the literal. pgp_decrypt never gets this far on fuzzer bytes,
// because the integrity check fails first, so this target feeds verify_inline() directly. It also
// feeds decompress() (first octet = algorithm) and checks both caps of SECURITY.md 10: nothing
// larger than decompressed_limit() ever comes out.
#include <cstddef>
#include <cstdint>

#include "pgp/compress.h"
#include "pgp/message.h"

namespace {

// Small caps keep each run fast; the ratio cap (with its 1 MiB free allowance) still applies.
constexpr std::size_t kMaxOutput = std::size_t{4} << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dcbot::pgp::SecretKey key =
      dcbot::pgp::SecretKey::generate("fuzz@relay.test", {}, 1800000000).value();
  const dcbot::pgp::Certificate* certs[] = {&key.certificate()};
  dcbot::ByteView in(data, size);
  if (auto v = dcbot::pgp::verify_inline(in, certs, kMaxOutput)) {
    DCBOT_CHECK(v->plaintext.size() <= kMaxOutput, "inline message over the output cap");
    for (const auto& s : v->signatures) {
      DCBOT_CHECK(!s.valid, "fuzzer bytes carry a valid signature by a fresh key");
    }
  }
  if (size > 0) {
    auto body = in.subspan(1);
    if (auto out = dcbot::pgp::decompress(data[0], body, kMaxOutput)) {
      DCBOT_CHECK(out->size() <= dcbot::pgp::decompressed_limit(body.size(), kMaxOutput),
                  "decompressed past the ratio or absolute cap");
    }
  }
  return 0;
}
