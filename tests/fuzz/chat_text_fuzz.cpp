// SPDX-License-Identifier: MIT
// The text rules of received chat messages (chat/text.h) on arbitrary bytes: the footer, the
// reply's top quote, edit and reaction bodies, file names. No crash, and what they promise holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace dcbot::chat;
  const SplitText footer = split_footer(body);
  const SplitQuote quote = split_quote(footer.text);
  if (!quote.has_quote && (quote.text != footer.text || !quote.quote.empty())) {
    __builtin_trap();  // Without a quote the text comes back unchanged.
  }
  if (quote.has_quote && quote.text.empty()) {
    __builtin_trap();  // A quote alone is no reply.
  }
  (void)edit_text(body);
  if (reaction_emoji(body).size() >= 30) {
    __builtin_trap();
  }
  const std::string name = sanitize_filename(body, "application/octet-stream");
  if (name.empty() || name.size() > 128 || name.find('/') != std::string::npos) {
    __builtin_trap();
  }
  (void)split_words(body);
  // A quote composed from any text is taken off again in front of a reply.
  const SplitQuote back = split_quote(compose_quote(footer.text) + "reply");
  if (!back.has_quote || back.text != "reply") {
    __builtin_trap();
  }
  return 0;
}
