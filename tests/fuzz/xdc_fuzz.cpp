// SPDX-License-Identifier: MIT
// Opening arbitrary bytes as a webxdc archive never crashes and never inflates past the limits;
// the manifest and status-update.json parsers survive any text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "chat/webxdc.h"
#include "chat/xdc_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const dcbot::ByteView bytes(data, size);
  dcbot::chat::XdcLimits limits;
  limits.max_total_size = 8u << 20;
  if (auto xdc = dcbot::chat::XdcArchive::open(bytes, limits)) {
    for (const auto& name : xdc->entries()) {
      if (auto entry = xdc->read(name)) {
        DCBOT_CHECK(entry->size() <= limits.max_entry_size, "entry within the limit");
      }
    }
    (void)xdc->display_name("app.xdc");
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dcbot::chat::parse_xdc_manifest(text);
  // status-update.json: whatever parses serializes back to JSON that parses again.
  if (auto updates = dcbot::chat::parse_status_updates(text)) {
    for (const auto& u : *updates) {
      auto item = dcbot::chat::serialize_status_update(u);
      DCBOT_CHECK(item.has_value(), "parsed update serializes");
      DCBOT_CHECK(dcbot::chat::parse_status_updates("{\"updates\":[" + *item + "]}").has_value(),
                  "serialized update parses");
    }
  }
  return 0;
}
