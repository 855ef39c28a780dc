// SPDX-License-Identifier: MIT
// Arbitrary server bytes never crash the SMTP reply parser; every reply it returns is well formed,
// EHLO parsing accepts any reply, and the DATA encoding of any input is valid transparent data.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/reply_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcbot::ByteView bytes(data, size);
  dcbot::smtp::ReplyParser parser;
  // Split the input in two feeds at a point chosen by its first byte, to exercise partial lines.
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  for (auto part : {bytes.first(split), bytes.subspan(split)}) {
    auto replies = parser.feed(part);
    if (!replies) {
      break;
    }
    for (const auto& reply : *replies) {
      DCBOT_CHECK(reply.code >= 200 && reply.code <= 559, "reply code in range");
      DCBOT_CHECK(!reply.lines.empty(), "reply has a line");
      (void)reply.summary();
      (void)reply.disposition();
      (void)dcbot::smtp::parse_ehlo(reply);
    }
  }
  auto encoded = dcbot::smtp::encode_data(bytes);
  DCBOT_CHECK(encoded.size() >= 3, "terminator present");
  bool line_start = true;
  for (std::size_t i = 0; i + 3 < encoded.size(); ++i) {
    const auto b = encoded[i];
    DCBOT_CHECK(b != '\n' || (i > 0 && encoded[i - 1] == '\r'), "no bare LF");
    DCBOT_CHECK(b != '\r' || encoded[i + 1] == '\n', "no bare CR");
    DCBOT_CHECK(!(line_start && b == '.' && encoded[i + 1] == '\r'), "no lone dot line");
    line_start = b == '\n';
  }
  return 0;
}
