// SPDX-License-Identifier: MIT
#include "chat/text.h"

#include <cstddef>

namespace dcbot::chat {
namespace {

constexpr std::string_view kZwsp = "\u200B";
constexpr std::string_view kPencil = "\u270F";
constexpr std::string_view kVs16 = "\uFE0F";
constexpr std::size_t kMaxFilename = 128;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string_view>& lines, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) {
      out += '\n';
    }
    out += lines[i];
  }
  return out;
}

std::string trim_blank_lines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) {
    s.pop_back();
  }
  std::size_t start = 0;
  while (start < s.size() && s[start] == '\n') {
    ++start;
  }
  return s.substr(start);
}

std::string unescape_dashes(std::string_view line) {
  // "-\u200B- " at line start is the escaped form of a user line "-- " (§3.3).
  const std::string escaped = std::string("-") + std::string(kZwsp) + "-";
  if (line.rfind(escaped, 0) == 0) {
    return "--" + std::string(line.substr(escaped.size()));
  }
  return std::string(line);
}

}  // namespace

SplitText split_footer(std::string_view body) {
  const auto lines = lines_of(body);
  std::size_t sep = lines.size();
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (lines[i] == "-- " || lines[i] == "--") {
      sep = i;
      break;
    }
  }
  SplitText out;
  std::vector<std::string> text_lines;
  for (std::size_t i = 0; i < sep; ++i) {
    text_lines.push_back(unescape_dashes(lines[i]));
  }
  std::string text;
  for (std::size_t i = 0; i < text_lines.size(); ++i) {
    if (i > 0) {
      text += '\n';
    }
    text += text_lines[i];
  }
  out.text = trim_blank_lines(std::move(text));
  if (sep < lines.size()) {
    out.has_footer = true;
    out.footer = trim_blank_lines(join(lines, sep + 1, lines.size()));
  }
  return out;
}

std::string compose_body(std::string_view text, std::string_view status) {
  std::string out;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
    }
    if (lines[i].rfind("--", 0) == 0 && (lines[i].size() == 2 || lines[i][2] == ' ')) {
      out += "-";
      out += kZwsp;
      out += lines[i].substr(1);
    } else {
      out += lines[i];
    }
  }
  if (!status.empty()) {
    out += "\n\n-- \n";
    out += status;
  }
  return out;
}

SplitQuote split_quote(std::string_view text) {
  SplitQuote out;
  const auto lines = lines_of(text);
  std::size_t i = 0;
  while (i < lines.size() && lines[i].rfind(">", 0) == 0) {
    std::string_view line = lines[i].substr(1);
    if (!line.empty() && line.front() == ' ') {
      line.remove_prefix(1);
    }
    out.quote.append(line);
    out.quote.push_back('\n');
    ++i;
  }
  std::size_t rest = i;
  while (rest < lines.size() && lines[rest].empty()) {
    ++rest;
  }
  if (i == 0 || rest == lines.size()) {
    return SplitQuote{std::string(), std::string(text), false};
  }
  out.quote.pop_back();
  out.text = join(lines, rest, lines.size());
  out.has_quote = true;
  return out;
}

std::string edit_text(std::string_view body) {
  const SplitText split = split_footer(body);  // Keeps the text alive for the line views.
  const auto lines = lines_of(split.text);
  std::size_t i = 0;
  bool quoted = false;
  while (i < lines.size() && (lines[i].rfind(">", 0) == 0)) {
    ++i;
    quoted = true;
  }
  if (quoted && i < lines.size() && lines[i].empty()) {
    ++i;
  }
  std::string text = join(lines, i, lines.size());
  if (text.rfind(kPencil, 0) == 0) {
    text.erase(0, kPencil.size());
    if (text.rfind(kVs16, 0) == 0) {
      text.erase(0, kVs16.size());
    }
  }
  return text;
}

std::string compose_quote(std::string_view quoted) {
  std::string out;
  for (const auto line : lines_of(quoted)) {
    out += "> ";
    out += line;
    out += '\n';
  }
  out += '\n';
  return out;
}

std::string compose_edit(std::string_view old_text, std::string_view new_text) {
  std::string out = compose_quote(old_text);
  out += kPencil;
  out += kVs16;
  out += new_text;
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size()
           && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) {
      ++pos;
    }
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r'
           && text[end] != '\n') {
      ++end;
    }
    if (end > pos) {
      out.emplace_back(text.substr(pos, end - pos));
    }
    pos = end;
  }
  return out;
}

std::string reaction_emoji(std::string_view body) {
  auto words = split_words(body);
  // §3.6: the first token, if shorter than 30 bytes.
  if (words.empty() || words.front().size() >= 30) {
    return {};
  }
  return words.front();
}

std::string sanitize_filename(std::string_view name, std::string_view mime_type) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || std::string_view(":*?\"<>|").find(c) != std::string_view::npos) {
      out += '_';
    } else {
      out += c;
    }
  }
  std::size_t start = 0;
  while (start < out.size() && (out[start] == '.' || out[start] == ' ')) {
    ++start;
  }
  out.erase(0, start);
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) {
    out.pop_back();
  }
  if (out.size() > kMaxFilename) {
    std::string ext;
    const auto dot = out.rfind('.');
    if (dot != std::string::npos && out.size() - dot <= 16) {
      ext = out.substr(dot);
    }
    std::size_t cut = kMaxFilename - ext.size();
    // Back up to a UTF-8 lead byte so a character is never split.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    out = out.substr(0, cut) + ext;
  }
  if (out.empty()) {
    const auto sl = mime_type.find('/');
    std::string sub =
        sl == std::string_view::npos ? std::string("bin") : std::string(mime_type.substr(sl + 1));
    if (sub.empty() || sub == "octet-stream") {
      sub = "bin";
    }
    out = "file." + sanitize_filename(sub, "application/octet-stream");
  }
  return out;
}

}  // namespace dcbot::chat
