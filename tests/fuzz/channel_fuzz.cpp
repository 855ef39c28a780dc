// SPDX-License-Identifier: MIT
// The channel header values a subscriber or owner reads from signed mail (chat/channel.h):
// `Chat-List-ID` and `Chat-Broadcast-Secret`. Never crash; the id is a piece of the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat/channel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string id = dcbot::chat::channel_list_id(text);
  DCBOT_CHECK(text.find(id) != std::string_view::npos, "list id is part of the value");
  (void)dcbot::chat::is_valid_channel_secret(text);
  return 0;
}
