// SPDX-License-Identifier: MIT
#include "smtp/reply_parser.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace dcbot::smtp {

namespace {

// Longest partial line feed() keeps; RFC 5321 §4.5.3.1.5 allows 512, real servers send more.
constexpr std::size_t kMaxPartialLine = std::size_t{64} * 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int digit(char c) {
  return c - '0';
}

char to_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), to_upper);
  return out;
}

// Reads 1 to 3 digits at `pos`; advances it.
std::optional<int> read_number(std::string_view s, std::size_t& pos) {
  int value = 0;
  std::size_t start = pos;
  while (pos < s.size() && is_digit(s[pos]) && pos - start < 3) {
    value = value * 10 + digit(s[pos]);
    ++pos;
  }
  if (pos == start) {
    return std::nullopt;
  }
  return value;
}

// RFC 3463 §2: status-code = class "." subject "." detail, followed by a space or the end. Returns
// the code and how many characters of `text` it used (with the following space).
std::optional<std::pair<EnhancedCode, std::size_t>> parse_enhanced(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
    return std::nullopt;
  }
  EnhancedCode code;
  code.klass = digit(text[0]);
  std::size_t pos = 2;
  auto subject = read_number(text, pos);
  if (!subject || pos >= text.size() || text[pos] != '.') {
    return std::nullopt;
  }
  ++pos;
  auto detail = read_number(text, pos);
  if (!detail) {
    return std::nullopt;
  }
  if (pos < text.size()) {
    if (text[pos] != ' ') {
      return std::nullopt;
    }
    ++pos;
  }
  code.subject = *subject;
  code.detail = *detail;
  return std::make_pair(code, pos);
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') {
      ++pos;
    }
    std::size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) {
      end = s.size();
    }
    if (end > pos) {
      words.push_back(s.substr(pos, end - pos));
    }
    pos = end;
  }
  return words;
}

}  // namespace

std::string EnhancedCode::to_string() const {
  return std::to_string(klass) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

std::string_view disposition_name(Disposition d) {
  switch (d) {
    case Disposition::Ok:
      return "ok";
    case Disposition::Intermediate:
      return "intermediate";
    case Disposition::Transient:
      return "transient";
    case Disposition::Permanent:
      return "permanent";
  }
  return "unknown";
}

std::string Reply::text() const {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) {
      out += '\n';
    }
    out += line;
  }
  return out;
}

std::string Reply::summary() const {
  std::string out = std::to_string(code);
  if (enhanced) {
    out += ' ';
    out += enhanced->to_string();
  }
  if (!lines.empty() && !lines.front().empty()) {
    out += ' ';
    out += lines.front();
  }
  return out;
}

Disposition Reply::disposition() const {
  return classify(code, enhanced);
}

bool Reply::is_rate_limited() const {
  return code == 450 && enhanced == EnhancedCode{4, 7, 1};
}

Disposition classify(int code, const std::optional<EnhancedCode>& enhanced) {
  switch (code / 100) {
    case 2:
      return Disposition::Ok;
    case 3:
      return Disposition::Intermediate;
    case 4:
      return Disposition::Transient;
    default:
      break;
  }
  // Like the Delta Chat core: "5.5.0" is treated as a temporary failure.
  if (enhanced == EnhancedCode{5, 5, 0}) {
    return Disposition::Transient;
  }
  return Disposition::Permanent;
}

Result<std::optional<Reply>> ReplyParser::feed_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, then SP or "-" (or nothing).
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5'
      || !is_digit(line[2])) {
    pending_.reset();
    return make_error(Errc::Parse, "smtp reply: not a reply line");
  }
  const int code = digit(line[0]) * 100 + digit(line[1]) * 10 + digit(line[2]);
  bool last = true;
  std::string_view text;
  if (line.size() > 3) {
    if (line[3] != ' ' && line[3] != '-') {
      pending_.reset();
      return make_error(Errc::Parse, "smtp reply: bad separator after code");
    }
    last = line[3] == ' ';
    text = line.substr(4);
  }
  if (pending_ && pending_->code != code) {
    pending_.reset();
    return make_error(Errc::Parse, "smtp reply: code changed inside a multi-line reply");
  }
  std::optional<EnhancedCode> enhanced;
  if (auto parsed = parse_enhanced(text); parsed && parsed->first.klass == code / 100) {
    enhanced = parsed->first;
    text.remove_prefix(parsed->second);
  }
  if (!pending_) {
    pending_.emplace();
    pending_->code = code;
    pending_->enhanced = enhanced;
  }
  if (pending_->lines.size() >= kMaxLines) {
    pending_.reset();
    return make_error(Errc::Parse, "smtp reply: too many lines");
  }
  pending_->lines.emplace_back(text);
  if (!last) {
    return std::optional<Reply>{};
  }
  std::optional<Reply> done = std::move(pending_);
  pending_.reset();
  return done;
}

Result<std::vector<Reply>> ReplyParser::feed(ByteView bytes) {
  std::vector<Reply> replies;
  for (auto byte : bytes) {
    const char c = static_cast<char>(byte);
    if (c != '\n') {
      if (partial_.size() >= kMaxPartialLine) {
        partial_.clear();
        pending_.reset();
        return make_error(Errc::Parse, "smtp reply: line too long");
      }
      partial_ += c;
      continue;
    }
    std::string line = std::move(partial_);
    partial_.clear();
    auto reply = feed_line(line);
    if (!reply) {
      return reply.error();
    }
    if (*reply) {
      replies.push_back(std::move(**reply));
    }
  }
  return replies;
}

bool Extensions::has_auth(std::string_view mechanism) const {
  const std::string wanted = upper(mechanism);
  return std::find(auth.begin(), auth.end(), wanted) != auth.end();
}

Extensions parse_ehlo(const Reply& reply) {
  Extensions ext;
  // The first line is the server's greeting ("relay.example Hello"); keywords follow, one per line.
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    auto words = split_words(reply.lines[i]);
    if (words.empty()) {
      continue;
    }
    std::string keyword = upper(words[0]);
    // Some old servers announce "AUTH=LOGIN PLAIN" (pre-RFC 4954 syntax).
    if (keyword.rfind("AUTH=", 0) == 0) {
      words[0].remove_prefix(5);
      keyword = "AUTH";
    } else if (keyword == "AUTH") {
      words.erase(words.begin());
    }
    if (keyword == "AUTH") {
      for (auto word : words) {
        std::string mechanism = upper(word);
        if (!mechanism.empty() && !ext.has_auth(mechanism)) {
          ext.auth.push_back(std::move(mechanism));
        }
      }
    } else if (keyword == "STARTTLS") {
      ext.starttls = true;
    } else if (keyword == "PIPELINING") {
      ext.pipelining = true;
    } else if (keyword == "8BITMIME") {
      ext.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      ext.smtp_utf8 = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      ext.enhanced_status_codes = true;
    } else if (keyword == "SIZE") {
      std::uint64_t limit = 0;
      if (words.size() > 1) {
        auto [ptr, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), limit);
        if (ec != std::errc() || ptr != words[1].data() + words[1].size()) {
          limit = 0;
        }
      }
      ext.size = limit;
    }
  }
  return ext;
}

Bytes encode_data(ByteView message) {
  Bytes out;
  out.reserve(message.size() + message.size() / 32 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const std::uint8_t b = message[i];
    if (b == '\r' || b == '\n') {
      // CRLF stays; bare CR and bare LF become CRLF.
      if (b == '\r' && i + 1 < message.size() && message[i + 1] == '\n') {
        ++i;
      }
      out.push_back('\r');
      out.push_back('\n');
      line_start = true;
      continue;
    }
    if (line_start && b == '.') {
      out.push_back('.');  // RFC 5321 §4.5.2 transparency
    }
    out.push_back(b);
    line_start = false;
  }
  if (!line_start) {
    out.push_back('\r');
    out.push_back('\n');
  }
  append(out, std::string_view(".\r\n"));
  return out;
}

bool is_valid_address(std::string_view address) {
  return address.size() <= 320 && std::none_of(address.begin(), address.end(), [](char c) {
           return c == '\r' || c == '\n' || c == '\0' || c == '<' || c == '>' || c == ' '
                  || c == '\t';
         });
}

}  // namespace dcbot::smtp
