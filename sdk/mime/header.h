// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"

// RFC 5322 §2.2 header fields: parsing a header block (with folding), case-insensitive lookup,
// repeated fields in order, RFC 2045 Content-Type / RFC 2183 Content-Disposition parameters with
// RFC 2231 extensions, and folding for output.
namespace dcbot::mime {

// One header field as it appeared. `raw` is the unfolded value (RFC 5322 §2.2.3: CRLF or bare LF
// before whitespace removed) with surrounding whitespace trimmed.
struct HeaderField {
  std::string name;
  std::string raw;

  // The value with RFC 2047 encoded words decoded to UTF-8. Meaningful for unstructured fields
  // (Subject, Chat-Group-Name...); structured fields are parsed from `raw`.
  std::string value() const;
};

// An ordered list of header fields. Lookups are ASCII case-insensitive; `find` returns the first
// field of that name.
class Headers {
 public:
  void add(std::string name, std::string raw);

  const std::vector<HeaderField>& fields() const { return fields_; }

  std::size_t size() const { return fields_.size(); }

  bool empty() const { return fields_.empty(); }

  bool has(std::string_view name) const { return find(name) != nullptr; }

  // The first field called `name`, or nullptr; valid until the next add().
  const HeaderField* find(std::string_view name) const;

  // The decoded value of the first `name` field.
  std::optional<std::string> value(std::string_view name) const;

  // The raw (unfolded, undecoded) value of the first `name` field.
  std::optional<std::string_view> raw(std::string_view name) const;

  // The raw values of all `name` fields in order (Autocrypt-Gossip appears once per key).
  std::vector<std::string_view> all_raw(std::string_view name) const;

 private:
  std::vector<HeaderField> fields_;
};

// Bounds for untrusted header blocks.
struct HeaderLimits {
  std::size_t max_fields = 1000;
  // One physical line; RFC 5322 §2.1.1 says 998, we tolerate more from real mailers.
  std::size_t max_line_length = 100 * 1024;
  // One unfolded field (Chat-User-Avatar carries a whole image).
  std::size_t max_field_size = 2 * 1024 * 1024;
  // The whole block.
  std::size_t max_block_size = 8 * 1024 * 1024;
};

struct HeaderBlock {
  Headers headers;
  // Offset of the body: just after the empty line, or data.size() if the block runs to the end.
  std::size_t body_offset = 0;
};

// Parses the header block at the start of `data` up to the first empty line; CRLF and bare LF line
// ends are both accepted. Errc::Parse on a line that is neither a field ("name:") nor a
// continuation, a field name with characters outside RFC 5322 ftext, or a limit exceeded.
Result<HeaderBlock> parse_header_block(std::string_view data, const HeaderLimits& limits = {});

// ASCII case-insensitive comparison of header and parameter names.
bool iequals(std::string_view a, std::string_view b);

// ASCII lower-case copy.
std::string to_lower(std::string_view s);

// A parameter of a Content-Type or Content-Disposition: the name lower-cased, the value unquoted
// and decoded (RFC 2231 continuations and charsets; RFC 2047 words inside quoted strings, as the
// Delta Chat core writes `filename="=?utf-8?B?...?="`).
struct Param {
  std::string name;
  std::string value;
};

using Params = std::vector<Param>;

// The value of parameter `name` (case-insensitive), if present.
std::optional<std::string> find_param(const Params& params, std::string_view name);

// RFC 2045 §5.1 Content-Type. Type and subtype are lower-cased.
struct ContentType {
  std::string type = "text";
  std::string subtype = "plain";
  Params params;

  std::string mime_type() const { return type + "/" + subtype; }

  bool is_multipart() const { return type == "multipart"; }

  std::optional<std::string> param(std::string_view name) const { return find_param(params, name); }
};

// RFC 2183 Content-Disposition: `kind` lower-cased ("inline", "attachment", "reaction").
struct ContentDisposition {
  std::string kind;
  Params params;

  std::optional<std::string> param(std::string_view name) const { return find_param(params, name); }
};

// Parses a Content-Type value. Tolerant: a value without a valid "type/subtype" gives the RFC 2045
// §5.2 default text/plain (its parameters are still read).
ContentType parse_content_type(std::string_view raw);

// Parses a Content-Disposition value; tolerant like parse_content_type.
ContentDisposition parse_content_disposition(std::string_view raw);

// Parses `; name=value; ...` parameters (RFC 2045 §5.1, RFC 2231 §3-§4).
Params parse_params(std::string_view text);

// Formats ` name="value"` for output: always quoted as the core writes it; backslash and quote
// escaped; a non-ASCII value becomes a quoted RFC 2047 B word (`filename="=?utf-8?B?...?="`).
std::string format_param(std::string_view name, std::string_view value);

// Renders "Name: value" CRLF, folded at whitespace so lines stay within 78 characters where
// possible (RFC 5322 §2.1.1) and never exceed 998: a longer run without whitespace is hard-broken.
std::string fold_header(std::string_view name, std::string_view value);

}  // namespace dcbot::mime
