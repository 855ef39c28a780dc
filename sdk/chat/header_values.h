// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Values of the Chat-Group-* and Secure-Join-* headers as groups, channels and SecureJoin read
// them (PROTOCOL.md §4, §4.4, §5).
namespace dcbot::chat {

// A fingerprint from a header (Chat-Group-Member-Added-Fpr / -Removed-Fpr, Chat-Group-Member-Fprs,
// Secure-Join-Fingerprint) upper-cased like the store's keys: ASCII letters only, nothing dropped
// or checked.
std::string upper_fpr(std::string_view value);

// A timestamp (Chat-Group-Name-Timestamp, Chat-Group-Member-Timestamps ...): 1 to 18 decimal
// digits and nothing else, so it cannot overflow; nullopt otherwise.
std::optional<std::int64_t> parse_timestamp(std::string_view value);

}  // namespace dcbot::chat
