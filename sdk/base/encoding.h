// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "dcbot/result.h"

// Text encodings of bytes: hex, base64 (RFC 4648 §4) and base64url (§5). Decoders take untrusted
// input and return Errc::Parse on bad input; they never throw.
namespace dcbot {

// The value of one hex digit ('0'-'9', 'a'-'f', 'A'-'F'), or -1 for any other character (for
// decoders of hex inside other syntax, e.g. URL %-escapes).
int hex_digit_value(char c);

// Lower-case hex by default; `upper` for fingerprints ("3A37...").
std::string hex_encode(ByteView data, bool upper = false);

// Accepts upper and lower case; no separators. Errc::Parse on odd length or a non-hex character.
Result<Bytes> hex_decode(std::string_view text);

// Standard alphabet with '=' padding, no line breaks.
std::string base64_encode(ByteView data);

// URL-safe alphabet ('-', '_'); padding only if `pad`.
std::string base64url_encode(ByteView data, bool pad = false);

struct Base64Options {
  // Skip ASCII whitespace anywhere (folded headers, MIME bodies, armor).
  bool ignore_whitespace = true;
  // Accept input without trailing '=' padding.
  bool allow_missing_padding = true;
  // Accept the URL-safe alphabet too ('-' and '_').
  bool allow_url_alphabet = false;
};

// Decodes base64. Errc::Parse on a character outside the alphabet, data after padding, or a
// length that cannot be valid.
Result<Bytes> base64_decode(std::string_view text, Base64Options options = {});

// A line of a text format without its surrounding blanks: spaces and tabs at both ends, and a
// trailing CR (a CRLF line split at LF).
std::string_view trim_line(std::string_view s);

}  // namespace dcbot
