// SPDX-License-Identifier: MIT
#include "mime/parser.h"

#include <utility>

#include "mime/charset.h"

namespace dcbot::mime {
namespace {

struct Delimiter {
  std::size_t line_start;  // Where the "--boundary" line begins.
  std::size_t next;        // First byte after the line (and its line break).
  bool close;
};

// Finds delimiter lines "--boundary" and "--boundary--" (RFC 2046 §5.1.1), each followed by
// optional transport padding (whitespace) and a line break. Lines that merely start with the
// boundary and continue with other characters are content.
std::vector<Delimiter> find_delimiters(std::string_view body, std::string_view boundary) {
  std::vector<Delimiter> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t eol = body.find('\n', pos);
    const std::size_t line_end = eol == std::string_view::npos ? body.size() : eol;
    const std::size_t next = eol == std::string_view::npos ? body.size() : eol + 1;
    std::string_view line = body.substr(pos, line_end - pos);
    if (line.size() >= boundary.size() + 2 && line[0] == '-' && line[1] == '-'
        && line.substr(2, boundary.size()) == boundary) {
      std::string_view rest = line.substr(2 + boundary.size());
      bool close = false;
      if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-') {
        close = true;
        rest.remove_prefix(2);
      }
      bool padding_only = true;
      for (char c : rest) {
        padding_only = padding_only && (c == ' ' || c == '\t' || c == '\r');
      }
      if (padding_only) {
        out.push_back({pos, next, close});
        if (close) {
          break;
        }
      }
    }
    pos = next;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(const Limits& limits) : limits_(limits) {}

  Result<Part> parse_entity(std::string_view data, std::size_t depth) {
    if (++parts_ > limits_.max_parts) {
      return make_error(Errc::Parse, "mime: too many parts");
    }
    DCBOT_TRY(auto block, parse_header_block(data, limits_.headers));
    Part part;
    part.headers = std::move(block.headers);
    if (auto ct = part.headers.raw("Content-Type")) {
      part.content_type = parse_content_type(*ct);
    }
    if (auto cd = part.headers.raw("Content-Disposition")) {
      part.disposition = parse_content_disposition(*cd);
    }
    if (auto cte = part.headers.raw("Content-Transfer-Encoding")) {
      part.transfer_encoding = parse_transfer_encoding(*cte);
    }
    if (part.disposition) {
      if (auto f = part.disposition->param("filename")) {
        part.filename = std::move(*f);
      } else if (auto n = part.disposition->param("name")) {
        part.filename = std::move(*n);
      }
    }
    if (part.filename.empty()) {
      if (auto n = part.content_type.param("name")) {
        part.filename = std::move(*n);
      }
    }
    const std::string_view body = data.substr(block.body_offset);
    if (!part.is_multipart()) {
      part.body = decode_body(as_bytes(body), part.transfer_encoding);
      return part;
    }
    if (depth + 1 > limits_.max_depth) {
      return make_error(Errc::Parse, "mime: multipart nested too deeply");
    }
    const auto boundary = part.content_type.param("boundary");
    // RFC 2046 §5.1.1: 1 to 70 characters.
    if (!boundary || boundary->empty() || boundary->size() > 200) {
      return make_error(Errc::Parse, "mime: multipart without a valid boundary");
    }
    const std::vector<Delimiter> delims = find_delimiters(body, *boundary);
    if (delims.empty()) {
      return make_error(Errc::Parse, "mime: multipart without delimiter");
    }
    for (std::size_t i = 0; i < delims.size(); ++i) {
      if (delims[i].close) {
        break;
      }
      const std::size_t start = delims[i].next;
      std::size_t end = body.size();
      if (i + 1 < delims.size()) {
        // The line break before a delimiter belongs to the delimiter.
        end = delims[i + 1].line_start;
        if (end > start && body[end - 1] == '\n') {
          --end;
          if (end > start && body[end - 1] == '\r') {
            --end;
          }
        }
      }
      DCBOT_TRY(auto child, parse_entity(body.substr(start, end - start), depth + 1));
      part.children.push_back(std::move(child));
    }
    return part;
  }

 private:
  const Limits& limits_;
  std::size_t parts_ = 0;
};

}  // namespace

bool Part::is_attachment() const {
  return (disposition && disposition->kind == "attachment") || !filename.empty();
}

std::string Part::text() const {
  std::string out;
  const auto charset = content_type.param("charset");
  Charset cs = charset ? charset_from_name(*charset) : Charset::Utf8;
  if (cs == Charset::Ascii) {
    cs = Charset::Utf8;
  }
  const std::string converted = to_utf8(body, cs);
  out.reserve(converted.size());
  for (std::size_t i = 0; i < converted.size(); ++i) {
    if (converted[i] == '\r' && i + 1 < converted.size() && converted[i + 1] == '\n') {
      continue;
    }
    out += converted[i];
  }
  return out;
}

const Part* Part::find(std::string_view type) const {
  if (iequals(mime_type(), type)) {
    return this;
  }
  for (const auto& child : children) {
    if (const Part* p = child.find(type)) {
      return p;
    }
  }
  return nullptr;
}

Result<Part> parse(ByteView raw, const Limits& limits) {
  if (raw.size() > limits.max_size) {
    return make_error(Errc::Parse, "mime: message too large");
  }
  Parser parser(limits);
  const std::string_view data(reinterpret_cast<const char*>(raw.data()), raw.size());
  return parser.parse_entity(data, 0);
}

Result<EncryptedParts> encrypted_parts(const Part& root) {
  if (root.mime_type() != "multipart/encrypted") {
    return make_error(Errc::Parse, "mime: not multipart/encrypted");
  }
  const auto protocol = root.content_type.param("protocol");
  if (!protocol || !iequals(*protocol, "application/pgp-encrypted")) {
    return make_error(Errc::Parse, "mime: multipart/encrypted without pgp protocol");
  }
  // RFC 3156 §4: exactly a control part and a data part, in this order.
  if (root.children.size() != 2 || root.children[0].mime_type() != "application/pgp-encrypted"
      || root.children[1].mime_type() != "application/octet-stream") {
    return make_error(Errc::Parse, "mime: multipart/encrypted parts are not rfc 3156");
  }
  return EncryptedParts{&root.children[0], &root.children[1]};
}

bool is_report(const Part& part, std::string_view report_type) {
  if (part.mime_type() != "multipart/report") {
    return false;
  }
  if (report_type.empty()) {
    return true;
  }
  const auto type = part.content_type.param("report-type");
  return type && iequals(*type, report_type);
}

}  // namespace dcbot::mime
