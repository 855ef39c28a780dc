// SPDX-License-Identifier: MIT
#include "mime/encoded_word.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/encoding.h"
#include "mime/charset.h"
#include "mime/transfer.h"

namespace dcbot::mime {
namespace {

struct EncodedWord {
  std::string charset;
  Bytes bytes;
  std::size_t length = 0;  // Characters consumed from the input.
};

constexpr std::size_t kMaxEncodedText = 48;

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// RFC 2047 §4.2 "Q": like quoted-printable, but "_" is a space and there are no line breaks.
Bytes q_decode(std::string_view text) {
  Bytes out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0
               && hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<std::uint8_t>(hex_digit_value(text[i + 1]) * 16
                                              + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(static_cast<std::uint8_t>(c));
    }
  }
  return out;
}

// Parses one encoded word at the start of `s` (RFC 2047 §2): "=?" charset "?" encoding "?"
// encoded-text "?=". Encoded text has no whitespace and no "?".
std::optional<EncodedWord> parse_word(std::string_view s) {
  if (s.size() < 8 || s[0] != '=' || s[1] != '?') {
    return std::nullopt;
  }
  const std::size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 == 2 || q1 + 3 >= s.size() || s[q1 + 2] != '?') {
    return std::nullopt;
  }
  std::string_view charset = s.substr(2, q1 - 2);
  for (char c : charset) {
    if (is_ws(c) || c == '=' || c == '"') {
      return std::nullopt;
    }
  }
  const char enc = s[q1 + 1];
  const std::size_t text_start = q1 + 3;
  std::size_t end = text_start;
  while (end + 1 < s.size() && !(s[end] == '?' && s[end + 1] == '=')) {
    if (is_ws(s[end]) || s[end] == '?') {
      return std::nullopt;
    }
    ++end;
  }
  if (end + 1 >= s.size()) {
    return std::nullopt;
  }
  const std::string_view text = s.substr(text_start, end - text_start);
  EncodedWord word;
  // RFC 2231 §5: "charset*language".
  if (const std::size_t star = charset.find('*'); star != std::string_view::npos) {
    charset = charset.substr(0, star);
  }
  word.charset = lower(charset);
  if (enc == 'B' || enc == 'b') {
    word.bytes = base64_body_decode(as_bytes(text));
  } else if (enc == 'Q' || enc == 'q') {
    word.bytes = q_decode(text);
  } else {
    return std::nullopt;
  }
  word.length = end + 2;
  return word;
}

std::size_t utf8_char_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<std::uint8_t>(s[i]);
  std::size_t len = 1;
  if (b >= 0xF0) {
    len = 4;
  } else if (b >= 0xE0) {
    len = 3;
  } else if (b >= 0xC0) {
    len = 2;
  }
  return std::min(len, s.size() - i);
}

// Splits `text` into chunks on character boundaries, each encoding to at most `max_encoded`
// characters according to `encoded_size`.
template <class F>
std::string encode_words(std::string_view text, std::string_view prefix, std::size_t max_encoded,
                         F&& encode_chunk) {
  std::string out;
  std::size_t start = 0;
  if (text.empty()) {
    return std::string(prefix) + "?=";
  }
  while (start < text.size()) {
    std::size_t end = start;
    std::string best;
    while (end < text.size()) {
      const std::size_t next = end + utf8_char_length(text, end);
      std::string candidate = encode_chunk(text.substr(start, next - start));
      if (candidate.size() > max_encoded && end > start) {
        break;
      }
      best = std::move(candidate);
      end = next;
    }
    if (!out.empty()) {
      out += ' ';
    }
    out += prefix;
    out += best;
    out += "?=";
    start = end;
  }
  return out;
}

}  // namespace

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  Bytes pending;  // Bytes of consecutive encoded words in `pending_charset`.
  std::string pending_charset;
  auto flush = [&] {
    if (!pending.empty()) {
      out += to_utf8(pending, pending_charset);
      pending.clear();
    }
  };
  std::size_t i = 0;
  bool last_was_word = false;
  std::size_t plain_start = 0;
  auto emit_plain = [&](std::size_t end) {
    if (end > plain_start) {
      flush();
      out += to_utf8(as_bytes(text.substr(plain_start, end - plain_start)), Charset::Utf8);
    }
  };
  while (i < text.size()) {
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?') {
      if (auto word = parse_word(text.substr(i))) {
        // §6.2: linear whitespace between adjacent encoded words is ignored.
        bool only_ws = last_was_word;
        for (std::size_t k = plain_start; k < i && only_ws; ++k) {
          only_ws = is_ws(text[k]);
        }
        if (!only_ws) {
          emit_plain(i);
        }
        if (word->charset != pending_charset) {
          flush();
          pending_charset = word->charset;
        }
        append(pending, word->bytes);
        i += word->length;
        plain_start = i;
        last_was_word = true;
        continue;
      }
    }
    ++i;
  }
  emit_plain(text.size());
  flush();
  return out;
}

bool needs_encoding(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c >= 0x7F || (c < 0x20 && c != '\t')) {
      return true;
    }
    if (c == '=' && i + 1 < text.size() && text[i + 1] == '?') {
      return true;
    }
  }
  return false;
}

std::string encode_words_b(std::string_view text) {
  // RFC 2047 §2 allows 75 characters per word; we stay at 60 ("=?utf-8?B?" + 48 + "?=") so a word
  // fits on one line after a field name such as "Chat-Group-Name: " (78 - 17 = 61).
  return encode_words(text, "=?utf-8?B?", kMaxEncodedText,
                      [](std::string_view chunk) { return base64_encode(as_bytes(chunk)); });
}

std::string encode_words_q(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return encode_words(text, "=?utf-8?Q?", kMaxEncodedText, [](std::string_view chunk) {
    std::string out;
    for (char ch : chunk) {
      const auto c = static_cast<std::uint8_t>(ch);
      // §5(3): only letters, digits and "!*+-/" may appear literally in a phrase word.
      const bool literal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                           || (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' || c == '-'
                           || c == '/';
      if (c == ' ') {
        out += '_';
      } else if (literal) {
        out += ch;
      } else {
        out += '=';
        out += kHex[c >> 4];
        out += kHex[c & 0x0F];
      }
    }
    return out;
  });
}

Bytes percent_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0
        && hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<std::uint8_t>(hex_digit_value(text[i + 1]) * 16
                                              + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(static_cast<std::uint8_t>(text[i]));
    }
  }
  return out;
}

std::string decode_rfc2231(std::string_view value, bool with_charset) {
  std::string charset = "utf-8";
  if (with_charset) {
    const std::size_t q1 = value.find('\'');
    const std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('\'', q1 + 1);
    if (q2 != std::string_view::npos) {
      if (q1 > 0) {
        charset = std::string(value.substr(0, q1));
      }
      value = value.substr(q2 + 1);
    }
  }
  return to_utf8(percent_decode(value), charset);
}

}  // namespace dcbot::mime
