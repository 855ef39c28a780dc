// SPDX-License-Identifier: MIT
#include "mime/transfer.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "base/encoding.h"

namespace dcbot::mime {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (x != b[i]) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty()
         && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty()
         && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

constexpr char kHexUpper[] = "0123456789ABCDEF";

}  // namespace

TransferEncoding parse_transfer_encoding(std::string_view value) {
  value = trim(value);
  if (iequals(value, "quoted-printable")) {
    return TransferEncoding::QuotedPrintable;
  }
  if (iequals(value, "base64")) {
    return TransferEncoding::Base64;
  }
  if (iequals(value, "8bit")) {
    return TransferEncoding::EightBit;
  }
  if (iequals(value, "binary")) {
    return TransferEncoding::Binary;
  }
  return TransferEncoding::SevenBit;
}

std::string_view transfer_encoding_name(TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::SevenBit:
      return "7bit";
    case TransferEncoding::EightBit:
      return "8bit";
    case TransferEncoding::Binary:
      return "binary";
    case TransferEncoding::QuotedPrintable:
      return "quoted-printable";
    case TransferEncoding::Base64:
      return "base64";
  }
  return "7bit";
}

Bytes qp_decode(ByteView data) {
  Bytes out;
  out.reserve(data.size());
  std::size_t i = 0;
  const std::size_t n = data.size();
  while (i < n) {
    // Find the end of the current line (without the line break).
    std::size_t end = i;
    while (end < n && data[end] != '\n') {
      ++end;
    }
    const bool has_break = end < n;
    std::size_t content_end = end;
    if (content_end > i && data[content_end - 1] == '\r') {
      --content_end;
    }
    // Rule 3: transport may add trailing whitespace; it is not part of the data.
    while (content_end > i && (data[content_end - 1] == ' ' || data[content_end - 1] == '\t')) {
      --content_end;
    }
    bool soft_break = false;
    for (std::size_t k = i; k < content_end; ++k) {
      const std::uint8_t c = data[k];
      if (c != '=') {
        out.push_back(c);
        continue;
      }
      if (k + 1 == content_end) {
        soft_break = true;  // Rule 5: "=" at the end of a line.
        break;
      }
      if (k + 2 < content_end) {
        // Lower-case hex is not allowed by §6.7 but is seen in the wild: accepted.
        const int hi = hex_digit_value(static_cast<char>(data[k + 1]));
        const int lo = hex_digit_value(static_cast<char>(data[k + 2]));
        if (hi >= 0 && lo >= 0) {
          out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
          k += 2;
          continue;
        }
      }
      out.push_back(c);  // Malformed escape: keep it literally.
    }
    if (has_break && !soft_break) {
      out.push_back('\r');
      out.push_back('\n');
    }
    i = has_break ? end + 1 : n;
  }
  return out;
}

std::string qp_encode(ByteView data) {
  std::string out;
  out.reserve(data.size() + data.size() / 8);
  std::size_t line_len = 0;
  auto emit = [&](std::string_view piece) {
    // Keep room for the soft-break "=" within 76 characters (rule 5).
    if (line_len + piece.size() > 75) {
      out += "=\r\n";
      line_len = 0;
    }
    out += piece;
    line_len += piece.size();
  };
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t c = data[i];
    const bool at_line_end = i + 1 == data.size() || data[i + 1] == '\n'
                             || (data[i + 1] == '\r' && i + 2 < data.size() && data[i + 2] == '\n');
    if (c == '\n' || (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n')) {
      if (c == '\r') {
        ++i;
      }
      out += "\r\n";
      line_len = 0;
      continue;
    }
    // Rules 1-3: printable ASCII except "=" goes literally; whitespace at a line end is encoded.
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    if (literal) {
      const char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      const std::array<char, 3> esc = {'=', kHexUpper[c >> 4], kHexUpper[c & 0x0F]};
      emit(std::string_view(esc.data(), esc.size()));
    }
  }
  return out;
}

Bytes base64_body_decode(ByteView data) {
  Bytes out;
  out.reserve(data.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t c : data) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      continue;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1u;
    }
  }
  return out;
}

std::string base64_body_encode(ByteView data) {
  const std::string flat = base64_encode(data);
  std::string out;
  out.reserve(flat.size() + flat.size() / 38 + 2);
  for (std::size_t i = 0; i < flat.size(); i += 76) {
    out.append(flat, i, 76);
    out += "\r\n";
  }
  return out;
}

Bytes decode_body(ByteView data, TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::QuotedPrintable:
      return qp_decode(data);
    case TransferEncoding::Base64:
      return base64_body_decode(data);
    case TransferEncoding::SevenBit:
    case TransferEncoding::EightBit:
    case TransferEncoding::Binary:
      break;
  }
  return Bytes(data.begin(), data.end());
}

TransferEncoding choose_text_encoding(ByteView data) {
  bool ascii = true;
  std::size_t line = 0;
  std::size_t max_line = 0;
  std::size_t escaped = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t c = data[i];
    if (c == '\n') {
      max_line = std::max(max_line, line);
      line = 0;
      continue;
    }
    if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
      continue;
    }
    ++line;
    if (c >= 0x80 || c == 0 || c == '\r' || (c < 0x20 && c != '\t') || c == 0x7F) {
      ascii = false;
      ++escaped;
    } else if (c == '=') {
      ++escaped;
    }
  }
  max_line = std::max(max_line, line);
  // A trailing space could be eaten by transports, so such text is not safe as 7bit either.
  const bool trailing_ws = !data.empty() && (data.back() == ' ' || data.back() == '\t');
  if (ascii && max_line <= 78 && !trailing_ws) {
    return TransferEncoding::SevenBit;
  }
  return escaped * 3 <= data.size() ? TransferEncoding::QuotedPrintable : TransferEncoding::Base64;
}

}  // namespace dcbot::mime
