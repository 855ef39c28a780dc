// SPDX-License-Identifier: MIT
#include "imap/parser.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace dcbot::imap {
namespace {

constexpr std::size_t kMaxNumberDigits = 19;  // Always fits std::uint64_t.

char to_upper_ascii(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_upper_ascii(x) == to_upper_ascii(y);
         });
}

std::string to_upper(std::string s) {
  for (char& c : s) {
    c = to_upper_ascii(c);
  }
  return s;
}

bool is_digit(std::uint8_t c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses up to kMaxNumberDigits decimal digits; nullopt on anything else.
std::optional<std::uint64_t> parse_u64(std::string_view digits) {
  if (!all_digits(digits) || digits.size() > kMaxNumberDigits) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : digits) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// RFC 9051 ATOM-CHAR, widened: we also accept '%', '*' (list wildcards, `\*` flag) and 8-bit
// bytes, which real servers emit in atoms; resp-specials ']' and the structural characters end it.
bool is_atom_char(std::uint8_t c) {
  if (c <= 0x20 || c == 0x7f) {
    return false;
  }
  return c != '(' && c != ')' && c != '{' && c != '"' && c != ']';
}

Error parse_error(std::string_view message) {
  return make_error(Errc::Parse, "imap: " + std::string(message));
}

// Parses one complete response held in `span` (which the Parser already delimited).
class Cursor {
 public:
  Cursor(ByteView span, const ParserLimits& limits) : span_(span), limits_(limits) {}

  Result<Response> response() {
    Response r;
    if (peek() == '+') {
      ++pos_;
      r.kind = ResponseKind::Continuation;
      if (peek() == ' ') {
        ++pos_;
      }
      DCBOT_TRY(r.text, rest_of_line());
    } else if (peek() == '*') {
      ++pos_;
      r.kind = ResponseKind::Untagged;
      DCBOT_TRY(expect(' '));
      DCBOT_TRY(untagged(r));
    } else {
      r.kind = ResponseKind::Tagged;
      DCBOT_TRY(r.tag, tag());
      DCBOT_TRY(expect(' '));
      DCBOT_TRY(auto word, keyword());
      r.name = to_upper(std::move(word));
      r.status = status_of(r.name);
      if (r.status != Status::Ok && r.status != Status::No && r.status != Status::Bad) {
        return parse_error("bad tagged status '" + r.name + "'");
      }
      DCBOT_TRY(resp_text(r));
    }
    if (pos_ != span_.size()) {
      return parse_error("unexpected bytes after the end of a response");
    }
    return r;
  }

  // Values separated by spaces up to CRLF; used for untagged data and for code arguments.
  Result<std::vector<Value>> values_until_eol() {
    std::vector<Value> out;
    while (true) {
      skip_spaces();
      if (peek() == '\r') {
        DCBOT_TRY(crlf());
        return out;
      }
      DCBOT_TRY(auto v, value(0));
      out.push_back(std::move(v));
      if (peek() != ' ' && peek() != '\r') {
        return parse_error("expected space between values");
      }
    }
  }

  bool at_end() const { return pos_ == span_.size(); }

 private:
  static Status status_of(std::string_view word) {
    if (word == "OK") {
      return Status::Ok;
    }
    if (word == "NO") {
      return Status::No;
    }
    if (word == "BAD") {
      return Status::Bad;
    }
    if (word == "PREAUTH") {
      return Status::PreAuth;
    }
    if (word == "BYE") {
      return Status::Bye;
    }
    return Status::None;
  }

  // -1 at the end of the span.
  int peek() const { return pos_ < span_.size() ? span_[pos_] : -1; }

  void skip_spaces() {
    while (peek() == ' ') {
      ++pos_;
    }
  }

  Result<void> expect(char c) {
    if (peek() != static_cast<unsigned char>(c)) {
      return parse_error(std::string("expected '") + c + "'");
    }
    ++pos_;
    return {};
  }

  Result<void> crlf() {
    if (pos_ + 1 >= span_.size() || span_[pos_] != '\r' || span_[pos_ + 1] != '\n') {
      return parse_error("expected CRLF");
    }
    pos_ += 2;
    return {};
  }

  // Free text up to CRLF (consumed); CR or LF inside it is an error.
  Result<std::string> rest_of_line() {
    std::size_t begin = pos_;
    while (pos_ < span_.size() && span_[pos_] != '\r' && span_[pos_] != '\n') {
      ++pos_;
    }
    std::string text(span_.begin() + static_cast<std::ptrdiff_t>(begin),
                     span_.begin() + static_cast<std::ptrdiff_t>(pos_));
    DCBOT_TRY(crlf());
    return text;
  }

  // A tag: atom characters except '+' (RFC 9051 `tag`).
  Result<std::string> tag() {
    std::size_t begin = pos_;
    while (pos_ < span_.size() && is_atom_char(span_[pos_]) && span_[pos_] != '+') {
      ++pos_;
    }
    if (pos_ == begin) {
      return parse_error("expected a tag");
    }
    return std::string(span_.begin() + static_cast<std::ptrdiff_t>(begin),
                       span_.begin() + static_cast<std::ptrdiff_t>(pos_));
  }

  // A response keyword or code name: letters, digits, '-', '.', '_'.
  Result<std::string> keyword() {
    std::size_t begin = pos_;
    while (pos_ < span_.size()) {
      std::uint8_t c = span_[pos_];
      bool ok = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-'
                || c == '.' || c == '_';
      if (!ok) {
        break;
      }
      ++pos_;
    }
    if (pos_ == begin) {
      return parse_error("expected a keyword");
    }
    return std::string(span_.begin() + static_cast<std::ptrdiff_t>(begin),
                       span_.begin() + static_cast<std::ptrdiff_t>(pos_));
  }

  Result<void> untagged(Response& r) {
    if (peek() >= '0' && peek() <= '9') {
      // message-data / mailbox-data with a leading number (RFC 9051 §7.4, §7.5).
      std::size_t begin = pos_;
      while (pos_ < span_.size() && is_digit(span_[pos_])) {
        ++pos_;
      }
      std::string_view digits(reinterpret_cast<const char*>(span_.data()) + begin, pos_ - begin);
      r.number = parse_u64(digits);
      if (!r.number) {
        return parse_error("number too large");
      }
      DCBOT_TRY(expect(' '));
      DCBOT_TRY(auto word, keyword());
      r.name = to_upper(std::move(word));
      DCBOT_TRY(r.data, values_until_eol());
      return {};
    }
    DCBOT_TRY(auto word, keyword());
    r.name = to_upper(std::move(word));
    r.status = status_of(r.name);
    if (r.status != Status::None) {
      return resp_text(r);
    }
    DCBOT_TRY(r.data, values_until_eol());
    return {};
  }

  // resp-text = ["[" resp-text-code "]" SP] text (RFC 9051 §9). Servers omit the text or the
  // space before it; both are accepted.
  Result<void> resp_text(Response& r) {
    if (peek() == '\r') {
      return crlf();
    }
    DCBOT_TRY(expect(' '));
    if (peek() == '[') {
      ++pos_;
      ResponseCode code;
      DCBOT_TRY(auto name, keyword());
      code.name = to_upper(std::move(name));
      if (peek() == ' ') {
        ++pos_;
        std::size_t begin = pos_;
        while (pos_ < span_.size() && span_[pos_] != ']' && span_[pos_] != '\r'
               && span_[pos_] != '\n') {
          ++pos_;
        }
        code.raw.assign(span_.begin() + static_cast<std::ptrdiff_t>(begin),
                        span_.begin() + static_cast<std::ptrdiff_t>(pos_));
        // Arguments that are not well-formed values ([ALERT]-style free text) stay in `raw`.
        std::string line = code.raw + "\r\n";
        Cursor sub(as_bytes(line), limits_);
        if (auto args = sub.values_until_eol(); args && sub.at_end()) {
          code.args = std::move(*args);
        }
      }
      DCBOT_TRY(expect(']'));
      r.code = std::move(code);
      if (peek() == ' ') {
        ++pos_;
      }
    }
    DCBOT_TRY(r.text, rest_of_line());
    return {};
  }

  Result<Value> value(std::size_t depth) {
    switch (peek()) {
      case '(':
        return list(depth + 1);
      case '"': {
        DCBOT_TRY(auto s, quoted());
        return make_string(std::move(s));
      }
      case '{': {
        DCBOT_TRY(auto s, literal());
        return make_string(std::move(s));
      }
      case '~':  // literal8 (RFC 3516 BINARY)
        if (pos_ + 1 < span_.size() && span_[pos_ + 1] == '{') {
          ++pos_;
          DCBOT_TRY(auto s, literal());
          return make_string(std::move(s));
        }
        break;
      default:
        break;
    }
    DCBOT_TRY(auto text, atom());
    if (iequals(text, "NIL")) {
      return Value{};
    }
    if (all_digits(text)) {
      if (auto n = parse_u64(text)) {
        Value v = make_number(*n);
        v.text = std::move(text);
        return v;
      }
    }
    return make_atom(std::move(text));
  }

  Result<Value> list(std::size_t depth) {
    if (depth > limits_.max_depth) {
      return parse_error("lists nested too deeply");
    }
    ++pos_;  // '('
    Value v;
    v.kind = Value::Kind::List;
    while (true) {
      skip_spaces();
      if (peek() == ')') {
        ++pos_;
        return v;
      }
      // No space check: BODYSTRUCTURE concatenates parts without one (RFC 9051 body-type-mpart).
      DCBOT_TRY(auto item, value(depth));
      v.items.push_back(std::move(item));
    }
  }

  // An atom, possibly with a section and partial (`BODY[HEADER.FIELDS (DATE)]<0>`), whose
  // brackets may hold spaces, lists and quoted strings.
  Result<std::string> atom() {
    std::size_t begin = pos_;
    while (pos_ < span_.size()) {
      std::uint8_t c = span_[pos_];
      if (c == '[') {
        ++pos_;
        bool in_quote = false;
        while (true) {
          if (pos_ >= span_.size() || span_[pos_] == '\r' || span_[pos_] == '\n') {
            return parse_error("unterminated section");
          }
          std::uint8_t s = span_[pos_++];
          if (in_quote && s == '\\') {
            if (pos_ >= span_.size()) {
              return parse_error("unterminated section");
            }
            ++pos_;
          } else if (s == '"') {
            in_quote = !in_quote;
          } else if (!in_quote && s == ']') {
            break;
          }
        }
        continue;
      }
      if (!is_atom_char(c)) {
        break;
      }
      ++pos_;
    }
    if (pos_ == begin) {
      return parse_error("expected a value");
    }
    return std::string(span_.begin() + static_cast<std::ptrdiff_t>(begin),
                       span_.begin() + static_cast<std::ptrdiff_t>(pos_));
  }

  // quoted = DQUOTE *QUOTED-CHAR DQUOTE; only \" and \\ are escapes (RFC 9051 §4.3).
  Result<std::string> quoted() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= span_.size()) {
        return parse_error("unterminated quoted string");
      }
      std::uint8_t c = span_[pos_++];
      if (c == '"') {
        return out;
      }
      if (c == '\r' || c == '\n' || c == 0) {
        return parse_error("control character in quoted string");
      }
      if (c == '\\') {
        if (pos_ >= span_.size() || (span_[pos_] != '"' && span_[pos_] != '\\')) {
          return parse_error("bad escape in quoted string");
        }
        c = span_[pos_++];
      }
      out.push_back(static_cast<char>(c));
    }
  }

  // literal = "{" number ["+"] "}" CRLF *OCTET (RFC 9051 §4.3, RFC 7888).
  Result<std::string> literal() {
    ++pos_;  // '{'
    std::size_t begin = pos_;
    while (pos_ < span_.size() && is_digit(span_[pos_])) {
      ++pos_;
    }
    std::string_view digits(reinterpret_cast<const char*>(span_.data()) + begin, pos_ - begin);
    auto size = parse_u64(digits);
    if (!size) {
      return parse_error("bad literal size");
    }
    if (peek() == '+') {
      ++pos_;
    }
    DCBOT_TRY(expect('}'));
    DCBOT_TRY(crlf());
    if (*size > limits_.max_literal_size || *size > span_.size() - pos_) {
      return parse_error("literal exceeds the response");
    }
    auto n = static_cast<std::size_t>(*size);
    std::string out(span_.begin() + static_cast<std::ptrdiff_t>(pos_),
                    span_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }

  ByteView span_;
  const ParserLimits& limits_;
  std::size_t pos_ = 0;
};

// If the line [begin, cr) ends with a literal announcement `{n}` / `{n+}` / `~{n}`, its size.
std::optional<std::uint64_t> trailing_literal(ByteView buf, std::size_t begin, std::size_t cr) {
  if (cr == begin || buf[cr - 1] != '}') {
    return std::nullopt;
  }
  std::size_t end = cr - 1;
  if (end > begin && buf[end - 1] == '+') {
    --end;
  }
  std::size_t first = end;
  while (first > begin && is_digit(buf[first - 1])) {
    --first;
  }
  if (first == end || first == begin || buf[first - 1] != '{') {
    return std::nullopt;
  }
  return parse_u64(
      std::string_view(reinterpret_cast<const char*>(buf.data()) + first, end - first));
}

}  // namespace

bool Value::is(std::string_view keyword) const {
  return is_atom() && iequals(text, keyword);
}

Value make_atom(std::string text) {
  Value v;
  v.kind = Value::Kind::Atom;
  v.text = std::move(text);
  return v;
}

Value make_number(std::uint64_t number) {
  Value v;
  v.kind = Value::Kind::Number;
  v.number = number;
  v.text = std::to_string(number);
  return v;
}

Value make_string(std::string text) {
  Value v;
  v.kind = Value::Kind::String;
  v.text = std::move(text);
  return v;
}

Value make_list(std::vector<Value> items) {
  Value v;
  v.kind = Value::Kind::List;
  v.items = std::move(items);
  return v;
}

const Value* Response::fetch_item(std::string_view item) const {
  if (name != "FETCH" || data.empty() || !data.front().is_list()) {
    return nullptr;
  }
  const auto& items = data.front().items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].has_text() && iequals(items[i].text, item)) {
      return &items[i + 1];
    }
  }
  return nullptr;
}

void Parser::feed(ByteView bytes) {
  if (error_) {
    return;
  }
  // Drop consumed bytes before growing, so the buffer holds at most one response plus a read.
  if (start_ > 0 && (start_ == buf_.size() || start_ >= (std::size_t{1} << 16))) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    scan_ -= start_;
    line_start_ -= start_;
    start_ = 0;
  }
  append(buf_, bytes);
}

Result<void> Parser::fail(std::string_view message) {
  error_ = parse_error(message);
  return *error_;
}

Result<std::optional<Response>> Parser::next() {
  if (error_) {
    return *error_;
  }
  while (true) {
    if (scan_ >= buf_.size()) {
      return std::optional<Response>{};  // Inside a literal or at the end: need more bytes.
    }
    auto it = std::find(buf_.begin() + static_cast<std::ptrdiff_t>(scan_), buf_.end(),
                        std::uint8_t{'\n'});
    if (it == buf_.end()) {
      if (buf_.size() - line_start_ > limits_.max_line_length) {
        DCBOT_TRY(fail("line too long"));
      }
      scan_ = buf_.size();
      return std::optional<Response>{};
    }
    auto lf = static_cast<std::size_t>(it - buf_.begin());
    if (lf + 1 - line_start_ > limits_.max_line_length) {
      DCBOT_TRY(fail("line too long"));
    }
    if (lf == line_start_ || buf_[lf - 1] != '\r') {
      DCBOT_TRY(fail("line not terminated by CRLF"));
    }
    if (auto size = trailing_literal(buf_, line_start_, lf - 1)) {
      if (*size > limits_.max_literal_size) {
        DCBOT_TRY(fail("literal too large"));
      }
      auto n = static_cast<std::size_t>(*size);
      if (lf + 1 + n - start_ > limits_.max_response_size) {
        DCBOT_TRY(fail("response too large"));
      }
      scan_ = line_start_ = lf + 1 + n;
      continue;
    }
    std::size_t end = lf + 1;
    if (end - start_ > limits_.max_response_size) {
      DCBOT_TRY(fail("response too large"));
    }
    Cursor cursor(ByteView(buf_).subspan(start_, end - start_), limits_);
    auto r = cursor.response();
    start_ = scan_ = line_start_ = end;
    if (!r) {
      error_ = r.error();
      return *error_;
    }
    return std::optional<Response>(std::move(*r));
  }
}

Result<Response> parse_response(ByteView bytes, ParserLimits limits) {
  Parser parser(limits);
  parser.feed(bytes);
  DCBOT_TRY(auto r, parser.next());
  if (!r) {
    return parse_error("incomplete response");
  }
  if (parser.buffered() != 0) {
    return parse_error("bytes after the response");
  }
  return std::move(*r);
}

}  // namespace dcbot::imap
