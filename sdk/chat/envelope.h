// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <span>

// The random parts of an outer envelope (PROTOCOL.md §3.1), shared by every mail the chat layer
// builds: Message-IDs and MIME boundaries (mime::make_message_id / make_boundary take a filler)
// and the outer Date.
namespace dcbot::chat {

// §3.1: the outer Date is now minus up to 6 days, so servers learn nothing from it.
inline constexpr std::uint64_t kMaxOuterDateSkew = 6 * 24 * 3600;

// Fills `out` from the system CSPRNG.
void random_fill(std::span<std::uint8_t> out);

// A uniformly random outer Date in [now - kMaxOuterDateSkew, now].
std::int64_t random_outer_date(std::int64_t now);

}  // namespace dcbot::chat
