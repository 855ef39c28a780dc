// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"

// Character sets to UTF-8 (RFC 2046 §4.1.2 charset parameter, RFC 2047 encoded words). We support
// what Delta Chat and ordinary mail clients send: UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15 and
// Windows-1252. Decoding never fails: invalid sequences become U+FFFD.
namespace dcbot::mime {

enum class Charset { Utf8, Ascii, Latin1, Latin9, Windows1252, Unknown };

// Maps a charset label (case-insensitive, common aliases like "latin1", "cp1252", "utf8") to a
// Charset; anything else is Charset::Unknown.
Charset charset_from_name(std::string_view name);

// True if `data` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(ByteView data);

// Appends the UTF-8 encoding of `code_point` (must be <= U+10FFFF) to `out`.
void append_utf8(std::string& out, std::uint32_t code_point);

// Converts `data` in charset `name` to UTF-8. UTF-8 and unknown charsets keep valid UTF-8 as is and
// replace each invalid byte with U+FFFD; US-ASCII maps bytes >= 0x80 to U+FFFD.
std::string to_utf8(ByteView data, std::string_view name);

// Same as above with an already resolved charset.
std::string to_utf8(ByteView data, Charset charset);

}  // namespace dcbot::mime
