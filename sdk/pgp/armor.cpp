// SPDX-License-Identifier: MIT
#include "pgp/armor.h"

#include <array>
#include <optional>

#include "base/encoding.h"

namespace dcbot::pgp {
namespace {

constexpr std::size_t kLineChars = 64;  // RFC 9580 §6.3: at most 76, we use 64 like everyone.
constexpr std::size_t kMaxHeaderLine = 4096;
constexpr std::size_t kMaxHeaders = 64;

std::string_view label_of(ArmorKind kind) {
  switch (kind) {
    case ArmorKind::Message:
      return "PGP MESSAGE";
    case ArmorKind::PublicKey:
      return "PGP PUBLIC KEY BLOCK";
    case ArmorKind::PrivateKey:
      return "PGP PRIVATE KEY BLOCK";
    case ArmorKind::Signature:
      return "PGP SIGNATURE";
  }
  return "PGP MESSAGE";
}

std::optional<ArmorKind> kind_of(std::string_view label) {
  for (ArmorKind k :
       {ArmorKind::Message, ArmorKind::PublicKey, ArmorKind::PrivateKey, ArmorKind::Signature}) {
    if (label == label_of(k)) {
      return k;
    }
  }
  return std::nullopt;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_right(s);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

// Splits off one line (without its LF; the CR is removed by the trims).
class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}

  std::optional<std::string_view> next() {
    if (done_) {
      return std::nullopt;
    }
    auto nl = rest_.find('\n');
    std::string_view line = rest_.substr(0, nl);
    if (nl == std::string_view::npos) {
      done_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(nl + 1);
    }
    return line;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Parses "-----BEGIN <label>-----" / "-----END <label>-----"; returns the label.
std::optional<std::string_view> marker(std::string_view line, std::string_view word) {
  line = trim(line);
  constexpr std::string_view kDashes = "-----";
  if (line.size() < 2 * kDashes.size() + word.size() || !line.starts_with(kDashes)
      || !line.ends_with(kDashes)) {
    return std::nullopt;
  }
  line.remove_prefix(kDashes.size());
  line.remove_suffix(kDashes.size());
  if (!line.starts_with(word)) {
    return std::nullopt;
  }
  line.remove_prefix(word.size());
  return line;
}

}  // namespace

std::uint32_t crc24(ByteView data) {
  std::uint32_t crc = 0xB704CEu;
  for (std::uint8_t b : data) {
    crc ^= static_cast<std::uint32_t>(b) << 16;
    for (int i = 0; i < 8; ++i) {
      crc <<= 1;
      if ((crc & 0x1000000u) != 0) {
        crc ^= 0x1864CFBu;
      }
    }
  }
  return crc & 0xFFFFFFu;
}

Result<Armored> armor_decode(std::string_view text, std::size_t max_text) {
  if (text.size() > max_text) {
    return make_error(Errc::Parse, "armor: text too large");
  }
  Lines lines(text);
  std::optional<ArmorKind> kind;
  std::string_view label;
  while (auto line = lines.next()) {
    if (auto l = marker(*line, "BEGIN ")) {
      label = *l;
      kind = kind_of(label);
      if (!kind) {
        return make_error(Errc::Parse, "armor: unknown block type");
      }
      break;
    }
  }
  if (!kind) {
    return make_error(Errc::Parse, "armor: no begin line");
  }
  // Armor headers (RFC 9580 §6.2.2) run until the first blank line. Producers that omit both the
  // headers and the blank line exist, so a line without ':' starts the body.
  std::string body;
  std::optional<std::string_view> crc_text;
  bool in_headers = true;
  bool ended = false;
  std::size_t headers = 0;
  while (auto raw = lines.next()) {
    std::string_view line = trim(*raw);
    if (line.starts_with("-----")) {
      auto end = marker(line, "END ");
      if (!end || *end != label) {
        return make_error(Errc::Parse, "armor: unexpected marker line");
      }
      ended = true;
      break;
    }
    if (in_headers) {
      if (line.empty()) {
        in_headers = false;
        continue;
      }
      if (line.find(':') != std::string_view::npos) {
        if (line.size() > kMaxHeaderLine || ++headers > kMaxHeaders) {
          return make_error(Errc::Parse, "armor: header too long");
        }
        continue;
      }
      in_headers = false;
    }
    if (crc_text) {
      if (!line.empty()) {
        return make_error(Errc::Parse, "armor: data after checksum");
      }
      continue;
    }
    if (line.starts_with('=') && line.size() == 5) {
      crc_text = line.substr(1);
      continue;
    }
    body.append(line);
  }
  if (!ended) {
    return make_error(Errc::Parse, "armor: no end line");
  }
  auto data = base64_decode(body, {.ignore_whitespace = true, .allow_missing_padding = false});
  if (!data) {
    return make_error(Errc::Parse, "armor: bad base64");
  }
  if (crc_text) {
    auto crc = base64_decode(*crc_text, {.ignore_whitespace = false});
    if (!crc || crc->size() != 3) {
      return make_error(Errc::Parse, "armor: bad checksum line");
    }
    std::uint32_t want = (std::uint32_t{(*crc)[0]} << 16) | (std::uint32_t{(*crc)[1]} << 8)
                         | std::uint32_t{(*crc)[2]};
    if (want != crc24(*data)) {
      return make_error(Errc::Parse, "armor: checksum mismatch");
    }
  }
  return Armored{*kind, std::move(*data)};
}

std::string armor_encode(ByteView data, ArmorKind kind, LineEnding eol) {
  std::string_view nl = eol == LineEnding::Crlf ? "\r\n" : "\n";
  std::string out;
  out.reserve(data.size() * 4 / 3 + data.size() / 48 * 2 + 128);
  out.append("-----BEGIN ").append(label_of(kind)).append("-----").append(nl).append(nl);
  std::string b64 = base64_encode(data);
  for (std::size_t i = 0; i < b64.size(); i += kLineChars) {
    out.append(b64, i, kLineChars).append(nl);
  }
  std::uint32_t crc = crc24(data);
  std::array<std::uint8_t, 3> crc_bytes{static_cast<std::uint8_t>(crc >> 16),
                                        static_cast<std::uint8_t>(crc >> 8),
                                        static_cast<std::uint8_t>(crc)};
  out.append("=").append(base64_encode(crc_bytes)).append(nl);
  out.append("-----END ").append(label_of(kind)).append("-----").append(nl);
  return out;
}

}  // namespace dcbot::pgp
