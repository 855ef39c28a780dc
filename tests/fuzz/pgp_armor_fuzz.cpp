// SPDX-License-Identifier: MIT
// Armor decoding never crashes; whatever decodes re-encodes (both line endings) to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pgp/armor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = dcbot::pgp::armor_decode(text)) {
    for (auto eol : {dcbot::pgp::LineEnding::Crlf, dcbot::pgp::LineEnding::Lf}) {
      auto again = dcbot::pgp::armor_decode(dcbot::pgp::armor_encode(r->data, r->kind, eol));
      DCBOT_CHECK(again && again->data == r->data && again->kind == r->kind, "armor round trip");
    }
  }
  return 0;
}
