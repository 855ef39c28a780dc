// SPDX-License-Identifier: MIT
// Arbitrary server bytes never crash the IMAP parser, and splitting the input anywhere yields the
// same responses as feeding it whole.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "imap/parser.h"

namespace {

// Parses `data` fed in the given pieces; returns the responses and whether it ended in an error.
std::pair<std::vector<dcbot::imap::Response>, bool> run(dcbot::ByteView data, std::size_t step) {
  dcbot::imap::ParserLimits limits;
  limits.max_line_length = 4096;
  limits.max_literal_size = 1 << 16;
  limits.max_response_size = 1 << 17;
  limits.max_depth = 16;
  dcbot::imap::Parser parser(limits);
  std::vector<dcbot::imap::Response> out;
  for (std::size_t pos = 0; pos < data.size(); pos += step) {
    parser.feed(data.subspan(pos, std::min(step, data.size() - pos)));
    while (true) {
      auto r = parser.next();
      if (!r) {
        return {std::move(out), true};
      }
      if (!*r) {
        break;
      }
      out.push_back(std::move(**r));
    }
  }
  return {std::move(out), false};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcbot::ByteView bytes(data, size);
  auto whole = run(bytes, size == 0 ? 1 : size);
  auto pieces = run(bytes, 7);
  DCBOT_CHECK(whole == pieces, "imap parser result depends on how the input is split");
  for (const auto& r : whole.first) {
    (void)r.fetch_item("BODY[]");
  }
  return 0;
}
