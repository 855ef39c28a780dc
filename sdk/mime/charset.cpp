// SPDX-License-Identifier: MIT
#include "mime/charset.h"

#include <array>
#include <cstddef>

namespace dcbot::mime {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

// Windows-1252 bytes 0x80..0x9F (WHATWG encoding index "windows-1252"). Unassigned positions map
// to the C1 control of the same value, as the WHATWG index does.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// ISO-8859-15 differs from ISO-8859-1 in eight positions (ISO/IEC 8859-15:1999 Annex).
std::uint32_t latin9(std::uint8_t b) {
  switch (b) {
    case 0xA4:
      return 0x20AC;
    case 0xA6:
      return 0x0160;
    case 0xA8:
      return 0x0161;
    case 0xB4:
      return 0x017D;
    case 0xB8:
      return 0x017E;
    case 0xBC:
      return 0x0152;
    case 0xBD:
      return 0x0153;
    case 0xBE:
      return 0x0178;
    default:
      return b;
  }
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

// Length of the valid UTF-8 sequence starting at data[i], or 0 if it is invalid (RFC 3629 §4).
std::size_t utf8_sequence_length(ByteView data, std::size_t i) {
  const std::uint8_t b0 = data[i];
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) {
      lo = 0xA0;  // Overlong.
    } else if (b0 == 0xED) {
      hi = 0x9F;  // Surrogates.
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) {
      lo = 0x90;
    } else if (b0 == 0xF4) {
      hi = 0x8F;  // Above U+10FFFF.
    }
  } else {
    return 0;
  }
  if (i + len > data.size()) {
    return 0;
  }
  if (data[i + 1] < lo || data[i + 1] > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    if (data[i + k] < 0x80 || data[i + k] > 0xBF) {
      return 0;
    }
  }
  return len;
}

}  // namespace

Charset charset_from_name(std::string_view name) {
  const std::string n = lower(name);
  if (n == "utf-8" || n == "utf8") {
    return Charset::Utf8;
  }
  if (n == "us-ascii" || n == "ascii" || n == "ansi_x3.4-1968" || n == "iso646-us") {
    return Charset::Ascii;
  }
  if (n == "iso-8859-1" || n == "iso8859-1" || n == "latin1" || n == "latin-1" || n == "l1"
      || n == "iso_8859-1") {
    return Charset::Latin1;
  }
  if (n == "iso-8859-15" || n == "iso8859-15" || n == "latin9" || n == "latin-9"
      || n == "iso_8859-15") {
    return Charset::Latin9;
  }
  if (n == "windows-1252" || n == "cp1252" || n == "x-cp1252") {
    return Charset::Windows1252;
  }
  return Charset::Unknown;
}

bool is_valid_utf8(ByteView data) {
  for (std::size_t i = 0; i < data.size();) {
    const std::size_t len = utf8_sequence_length(data, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string to_utf8(ByteView data, std::string_view name) {
  return to_utf8(data, charset_from_name(name));
}

std::string to_utf8(ByteView data, Charset charset) {
  std::string out;
  out.reserve(data.size());
  switch (charset) {
    case Charset::Utf8:
    case Charset::Unknown:
      for (std::size_t i = 0; i < data.size();) {
        const std::size_t len = utf8_sequence_length(data, i);
        if (len == 0) {
          append_utf8(out, kReplacement);
          ++i;
        } else {
          out.append(reinterpret_cast<const char*>(data.data() + i), len);
          i += len;
        }
      }
      break;
    case Charset::Ascii:
      for (std::uint8_t b : data) {
        append_utf8(out, b < 0x80 ? b : kReplacement);
      }
      break;
    case Charset::Latin1:
      for (std::uint8_t b : data) {
        append_utf8(out, b);
      }
      break;
    case Charset::Latin9:
      for (std::uint8_t b : data) {
        append_utf8(out, latin9(b));
      }
      break;
    case Charset::Windows1252:
      for (std::uint8_t b : data) {
        append_utf8(out, b >= 0x80 && b <= 0x9F ? kCp1252High[b - 0x80u] : b);
      }
      break;
  }
  return out;
}

}  // namespace dcbot::mime
