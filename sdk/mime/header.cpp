// SPDX-License-Identifier: MIT
#include "mime/header.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "mime/charset.h"
#include "mime/encoded_word.h"

namespace dcbot::mime {
namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// RFC 5322 §3.6.8: ftext is printable US-ASCII except ":".
bool valid_field_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<std::uint8_t>(c);
    return u >= 33 && u <= 126 && c != ':';
  });
}

// One parameter segment as written, before RFC 2231 reassembly.
struct RawParam {
  std::string name;  // Lower-cased, with "*" and section number removed.
  int section = -1;  // -1: no "*<n>" continuation marker.
  bool extended = false;
  std::string value;
};

constexpr int kMaxSections = 1000;

std::string parse_main_value(std::string_view raw, std::size_t& rest) {
  const std::size_t semi = raw.find(';');
  rest = semi == std::string_view::npos ? raw.size() : semi;
  return to_lower(trim(raw.substr(0, rest)));
}

}  // namespace

std::string HeaderField::value() const {
  return decode_encoded_words(raw);
}

void Headers::add(std::string name, std::string raw) {
  fields_.push_back(HeaderField{std::move(name), std::move(raw)});
}

const HeaderField* Headers::find(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<std::string> Headers::value(std::string_view name) const {
  if (const auto* f = find(name)) {
    return f->value();
  }
  return std::nullopt;
}

std::optional<std::string_view> Headers::raw(std::string_view name) const {
  if (const auto* f = find(name)) {
    return std::string_view(f->raw);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::all_raw(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) {
      out.emplace_back(f.raw);
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

Result<HeaderBlock> parse_header_block(std::string_view data, const HeaderLimits& limits) {
  HeaderBlock block;
  std::string name;
  std::string value;
  bool have_field = false;
  auto finish_field = [&]() -> Result<void> {
    if (have_field) {
      if (block.headers.size() >= limits.max_fields) {
        return make_error(Errc::Parse, "mime: too many header fields");
      }
      block.headers.add(std::move(name), std::string(trim(value)));
      name.clear();
      value.clear();
      have_field = false;
    }
    return {};
  };
  std::size_t pos = 0;
  while (true) {
    if (pos >= data.size()) {
      block.body_offset = data.size();
      break;
    }
    std::size_t eol = data.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? data.size() : eol + 1;
    std::string_view line =
        data.substr(pos, (eol == std::string_view::npos ? data.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() > limits.max_line_length) {
      return make_error(Errc::Parse, "mime: header line too long");
    }
    if (next > limits.max_block_size) {
      return make_error(Errc::Parse, "mime: header block too large");
    }
    if (line.empty()) {
      block.body_offset = next;
      break;
    }
    if (is_wsp(line.front())) {
      // RFC 5322 §2.2.3: unfolding removes the line break only; the whitespace stays.
      if (!have_field) {
        return make_error(Errc::Parse, "mime: continuation line without a header field");
      }
      value += line;
      if (value.size() > limits.max_field_size) {
        return make_error(Errc::Parse, "mime: header field too large");
      }
    } else {
      DCBOT_TRY(finish_field());
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        return make_error(Errc::Parse, "mime: header line without a colon");
      }
      // RFC 822 allowed whitespace before the colon; obs-optional in RFC 5322 §4.5.
      std::string_view field_name = line.substr(0, colon);
      while (!field_name.empty() && is_wsp(field_name.back())) {
        field_name.remove_suffix(1);
      }
      if (!valid_field_name(field_name)) {
        return make_error(Errc::Parse, "mime: invalid header field name");
      }
      name = std::string(field_name);
      value = std::string(line.substr(colon + 1));
      have_field = true;
    }
    pos = next;
  }
  DCBOT_TRY(finish_field());
  return block;
}

std::optional<std::string> find_param(const Params& params, std::string_view name) {
  for (const auto& p : params) {
    if (iequals(p.name, name)) {
      return p.value;
    }
  }
  return std::nullopt;
}

Params parse_params(std::string_view text) {
  std::vector<RawParam> raw;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    while (i < n && (is_wsp(text[i]) || text[i] == ';' || text[i] == '\r' || text[i] == '\n')) {
      ++i;
    }
    std::size_t name_start = i;
    while (i < n && text[i] != '=' && text[i] != ';') {
      ++i;
    }
    std::string full_name = to_lower(trim(text.substr(name_start, i - name_start)));
    if (i >= n || text[i] == ';') {
      continue;  // A bare word without "=": ignore it.
    }
    ++i;  // '='
    while (i < n && is_wsp(text[i])) {
      ++i;
    }
    std::string value;
    if (i < n && text[i] == '"') {
      // RFC 5322 §3.2.4 quoted-string with quoted-pairs.
      ++i;
      while (i < n && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < n) {
          ++i;
        }
        value += text[i];
        ++i;
      }
      if (i < n) {
        ++i;
      }
      while (i < n && text[i] != ';') {
        ++i;  // Junk after the closing quote.
      }
    } else {
      const std::size_t start = i;
      while (i < n && text[i] != ';') {
        ++i;
      }
      value = std::string(trim(text.substr(start, i - start)));
    }
    if (full_name.empty()) {
      continue;
    }
    RawParam p;
    // RFC 2231 §3-§4: name*, name*<n>, name*<n>*.
    if (full_name.back() == '*') {
      p.extended = true;
      full_name.pop_back();
    }
    if (const std::size_t star = full_name.find('*'); star != std::string::npos) {
      const std::string_view digits = std::string_view(full_name).substr(star + 1);
      int section = 0;
      bool ok = !digits.empty() && digits.size() <= 4;
      for (char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) {
          section = section * 10 + (c - '0');
        }
      }
      if (!ok || section >= kMaxSections) {
        continue;
      }
      p.section = section;
      full_name.resize(star);
    }
    p.name = std::move(full_name);
    p.value = std::move(value);
    raw.push_back(std::move(p));
  }

  // Reassemble per name. RFC 2231 forms (name*=, name*0=...) win over a plain duplicate.
  struct Assembled {
    const RawParam* plain = nullptr;
    const RawParam* extended = nullptr;
    std::map<int, const RawParam*> sections;
  };

  std::map<std::string, Assembled> grouped;
  std::vector<std::string> order;
  for (const auto& p : raw) {
    auto [it, inserted] = grouped.try_emplace(p.name);
    if (inserted) {
      order.push_back(p.name);
    }
    Assembled& a = it->second;
    if (p.section >= 0) {
      a.sections.try_emplace(p.section, &p);
    } else if (p.extended) {
      a.extended = a.extended != nullptr ? a.extended : &p;
    } else {
      a.plain = a.plain != nullptr ? a.plain : &p;
    }
  }
  Params out;
  for (const auto& name : order) {
    const Assembled& a = grouped[name];
    std::string value;
    if (!a.sections.empty() && a.sections.begin()->first == 0) {
      std::string charset = "utf-8";
      Bytes bytes;
      int expected = 0;
      for (const auto& [section, seg] : a.sections) {
        if (section != expected) {
          break;  // §3: a missing section ends the value.
        }
        std::string_view v = seg->value;
        if (seg->extended && section == 0) {
          const std::size_t q1 = v.find('\'');
          const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
          if (q2 != std::string_view::npos) {
            if (q1 > 0) {
              charset = std::string(v.substr(0, q1));
            }
            v = v.substr(q2 + 1);
          }
        }
        append(bytes, seg->extended ? ByteView(percent_decode(v)) : as_bytes(v));
        ++expected;
      }
      value = to_utf8(bytes, charset);
    } else if (a.extended != nullptr) {
      value = decode_rfc2231(a.extended->value, true);
    } else if (a.plain != nullptr) {
      value = decode_encoded_words(a.plain->value);
    } else {
      continue;
    }
    out.push_back(Param{name, std::move(value)});
  }
  return out;
}

ContentType parse_content_type(std::string_view raw) {
  ContentType ct;
  std::size_t rest = 0;
  const std::string main = parse_main_value(raw, rest);
  const std::size_t slash = main.find('/');
  if (slash != std::string::npos) {
    const std::string_view type = trim(std::string_view(main).substr(0, slash));
    const std::string_view subtype = trim(std::string_view(main).substr(slash + 1));
    if (!type.empty() && !subtype.empty() && valid_field_name(type) && valid_field_name(subtype)) {
      ct.type = std::string(type);
      ct.subtype = std::string(subtype);
    }
  }
  ct.params = parse_params(raw.substr(rest));
  return ct;
}

ContentDisposition parse_content_disposition(std::string_view raw) {
  ContentDisposition cd;
  std::size_t rest = 0;
  cd.kind = parse_main_value(raw, rest);
  cd.params = parse_params(raw.substr(rest));
  return cd;
}

std::string format_param(std::string_view name, std::string_view value) {
  std::string out = " ";
  out += name;
  out += "=\"";
  if (needs_encoding(value)) {
    out += encode_words_b(value);
  } else {
    for (char c : value) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string fold_header(std::string_view name, std::string_view value) {
  constexpr std::size_t kSoftLimit = 78;
  constexpr std::size_t kHardLimit = 998;
  std::string out(name);
  out += ": ";
  std::size_t line_len = out.size();
  // Header injection guard: a value never carries its own line breaks.
  std::string clean(trim(value));
  std::replace(clean.begin(), clean.end(), '\r', ' ');
  std::replace(clean.begin(), clean.end(), '\n', ' ');
  std::size_t i = 0;
  bool line_has_word = false;
  while (i < clean.size()) {
    // A chunk is a whitespace run followed by a non-whitespace run.
    std::size_t j = i;
    while (j < clean.size() && is_wsp(clean[j])) {
      ++j;
    }
    while (j < clean.size() && !is_wsp(clean[j])) {
      ++j;
    }
    const std::string_view chunk = std::string_view(clean).substr(i, j - i);
    if (line_has_word && is_wsp(chunk.front()) && line_len + chunk.size() > kSoftLimit) {
      // RFC 5322 §2.2.3: fold by inserting CRLF before whitespace.
      out += "\r\n";
      line_len = 0;
    }
    for (char c : chunk) {
      if (line_len >= kHardLimit - 1) {
        out += "\r\n ";
        line_len = 1;
      }
      out += c;
      ++line_len;
    }
    line_has_word = true;
    i = j;
  }
  out += "\r\n";
  return out;
}

}  // namespace dcbot::mime
