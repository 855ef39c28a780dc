// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

// RFC 2047 encoded words ("=?utf-8?B?...?=") and RFC 2231 extended parameter values
// ("utf-8'en'%C3%A4"). Decoding is tolerant: what is not a well-formed encoded word is kept as
// text.
namespace dcbot::mime {

// Decodes every encoded word in `text` to UTF-8 (RFC 2047 §6.1). Whitespace between two adjacent
// encoded words is removed (§6.2); consecutive words in the same charset are joined before charset
// conversion, so a character split across two words survives. Raw 8-bit text outside encoded words
// is kept if valid UTF-8 (RFC 6532) and otherwise replaced with U+FFFD. The charset may carry an
// RFC 2231 §5 language suffix ("utf-8*en").
std::string decode_encoded_words(std::string_view text);

// True if `text` can't go into a header as it is: it has non-ASCII bytes, control characters, or
// something that a decoder would take for an encoded word ("=?").
bool needs_encoding(std::string_view text);

// Encodes UTF-8 `text` as one or more "=?utf-8?B?...?=" words of at most 60 characters each
// (RFC 2047 §2 allows 75; shorter words fit on a line after a field name), separated by single
// spaces; words are split on UTF-8 character boundaries.
std::string encode_words_b(std::string_view text);

// Encodes UTF-8 `text` as "=?utf-8?Q?...?=" words (RFC 2047 §4.2, the rules for a word in a
// `phrase` §5(3)) of at most 60 characters each, separated by single spaces.
std::string encode_words_q(std::string_view text);

// Decodes an RFC 2231 §4 extended value: `charset'language'percent-encoded` when `with_charset`,
// else only percent-decoding (continuation segments after the first). Bad escapes stay literal.
// The charset is converted to UTF-8.
std::string decode_rfc2231(std::string_view value, bool with_charset);

// Percent-decodes `text` (RFC 2231 §4) into raw bytes; bad escapes are kept literally.
Bytes percent_decode(std::string_view text);

}  // namespace dcbot::mime
