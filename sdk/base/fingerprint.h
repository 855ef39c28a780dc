// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

// OpenPGP fingerprints as text: the upper-case hex the store keys contacts by, and the forms people
// paste (apps show "3A37 0C44 ...", in either case).
namespace dcbot {

// Drops spaces and upper-cases ASCII letters; everything else stays as it is. Does not validate
// (see is_fingerprint).
std::string normalize_fingerprint(std::string_view text);

// True for exactly 40 hex digits (a v4 fingerprint), either case, with no separators.
bool is_fingerprint(std::string_view text);

}  // namespace dcbot
