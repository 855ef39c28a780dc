// SPDX-License-Identifier: MIT
// Fake-decryption oracle (SECURITY.md 24): decrypting fuzzer bytes under a fixed secret key and a
// fixed password must never succeed, and never crash. A second pass uses the published RFC 9580
// Appendix A.4 v6 key (X25519 subkey), so the v6 PKESK / X25519 path is reached from the A.8 seed:
// its secret is public, but every message the fuzzer can derive from A.8 is bound by the AEAD tags,
// so a success must yield A.8's plaintext and nothing else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgp/message.h"

namespace {

constexpr std::string_view kRfc9580A4 = R"(-----BEGIN PGP PRIVATE KEY BLOCK-----

xUsGY4d/4xsAAAAg+U2nu0jWCmHlZ3BqZYfQMxmZu52JGggkLq2EVD34laMAGXKB
exK+cH6NX1hs5hNhIB00TrJmosgv3mg1ditlsLfCsQYfGwoAAABCBYJjh3/jAwsJ
BwUVCg4IDAIWAAKbAwIeCSIhBssYbE8GCaaX5NUt+mxyKwwfHifBilZwj2Ul7Ce6
2azJBScJAgcCAAAAAK0oIBA+LX0ifsDm185Ecds2v8lwgyU2kCcUmKfvBXbAf6rh
RYWzuQOwEn7E/aLwIwRaLsdry0+VcallHhSu4RN6HWaEQsiPlR4zxP/TP7mhfVEe
7XWPxtnMUMtf15OyA51YBMdLBmOHf+MZAAAAIIaTJINn+eUBXbki+PSAld2nhJh/
LVmFsS+60WyvXkQ1AE1gCk95TUR3XFeibg/u/tVY6a//1q0NWC1X+yui3O24wpsG
GBsKAAAALAWCY4d/4wKbDCIhBssYbE8GCaaX5NUt+mxyKwwfHifBilZwj2Ul7Ce6
2azJAAAAAAQBIKbpGG2dWTX8j+VjFM21J0hqWlEg+bdiojWnKfA5AQpWUWtnNwDE
M0g12vYxoWM8Y81W+bHBw805I8kWVkXU6vFOi+HWvv/ira7ofJu16NnoUkhclkUr
k0mXubZvyl4GBg==
-----END PGP PRIVATE KEY BLOCK-----
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dcbot::pgp::SecretKey key =
      dcbot::pgp::SecretKey::generate("fuzz@relay.test", {}, 1800000000).value();
  static const dcbot::pgp::SecretKey rfc_key =
      dcbot::pgp::SecretKey::from_armored(kRfc9580A4).value();
  static const std::vector<std::string> passwords{"securejoin/FUZZ/password"};
  const dcbot::pgp::SecretKey* keys[] = {&key};
  const dcbot::pgp::Certificate* certs[] = {&key.certificate(), &rfc_key.certificate()};
  dcbot::ByteView in(data, size);
  auto r = dcbot::pgp::decrypt(in, keys, passwords, certs, 1u << 24);
  DCBOT_CHECK(!r, "fuzzer bytes decrypted under a fixed key");
  const dcbot::pgp::SecretKey* rfc_keys[] = {&rfc_key};
  auto known = dcbot::pgp::decrypt(in, rfc_keys, {}, certs, 1u << 24);
  DCBOT_CHECK(!known || dcbot::to_string(known->plaintext) == "Hello, world!",
              "fuzzer bytes decrypted to a new plaintext under the rfc 9580 a.4 key");
  return 0;
}
