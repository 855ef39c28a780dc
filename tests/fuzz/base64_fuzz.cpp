// SPDX-License-Identifier: MIT
// Decoding arbitrary text never crashes; whatever decodes re-encodes to a decodable string.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = dcbot::base64_decode(text, {.allow_url_alphabet = true})) {
    auto again = dcbot::base64_decode(dcbot::base64_encode(*r));
    DCBOT_CHECK(again && *again == *r, "base64 round trip");
  }
  (void)dcbot::hex_decode(text);
  return 0;
}
