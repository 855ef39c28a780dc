// SPDX-License-Identifier: MIT
// Fake-decryption oracle (SECURITY.md 24): decrypting fuzzer bytes under a fixed secret key and a
// fixed password must never succeed, and never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pgp/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dcbot::pgp::SecretKey key =
      dcbot::pgp::SecretKey::generate("fuzz@relay.test", {}, 1800000000).value();
  static const std::vector<std::string> passwords{"securejoin/FUZZ/password"};
  const dcbot::pgp::SecretKey* keys[] = {&key};
  const dcbot::pgp::Certificate* certs[] = {&key.certificate()};
  auto r = dcbot::pgp::decrypt(dcbot::ByteView(data, size), keys, passwords, certs, 1u << 24);
  DCBOT_CHECK(!r, "fuzzer bytes decrypted under a fixed key");
  return 0;
}
