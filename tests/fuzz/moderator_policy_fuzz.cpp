// SPDX-License-Identifier: MIT
// The community moderator's rules (bots/moderator/plugins/policy.h) on arbitrary member text:
// command targets, word and link filters, stored strikes and bans, templates.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace moderator;
  const Target target = parse_target(text);
  if (!target.fingerprint.empty() && (target.fingerprint.size() != 40 || !target.addr.empty())) {
    __builtin_trap();
  }
  if (!target.addr.empty() && target.addr.find('@') == std::string::npos) {
    __builtin_trap();
  }
  Settings settings;
  settings.words = {"casino", "buy now", "é"};
  settings.block_links = true;
  settings.allowed_domains = {"delta.chat"};
  (void)filter_hit(settings, text);
  const Strikes strikes = parse_strikes(text, 1'000'000, 3600);
  if (strikes.count < 0 || strikes.count > 1000) {
    __builtin_trap();
  }
  const Ban ban = parse_ban(text);
  const Ban back = parse_ban(format_ban(ban));
  if (back.addr.find('\n') != std::string::npos || back.reason.find('\n') != std::string::npos) {
    __builtin_trap();
  }
  (void)render(text, "name", "group", "rules");
  return 0;
}
