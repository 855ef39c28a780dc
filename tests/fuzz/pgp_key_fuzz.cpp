// SPDX-License-Identifier: MIT
// Certificate and secret key parsing never crash; an accepted certificate re-serialises to one that
// parses to the same fingerprint, user ids and relays.
#include <cstddef>
#include <cstdint>

#include "pgp/key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcbot::ByteView in(data, size);
  (void)dcbot::pgp::SecretKey::parse(in);
  auto cert = dcbot::pgp::Certificate::parse(in);
  if (cert) {
    auto again = dcbot::pgp::Certificate::parse(cert->serialize());
    DCBOT_CHECK(again && again->fingerprint() == cert->fingerprint()
                    && again->user_ids() == cert->user_ids() && again->relays() == cert->relays(),
                "certificate round trip");
  }
  return 0;
}
