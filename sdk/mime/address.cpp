// SPDX-License-Identifier: MIT
#include "mime/address.h"

#include <cstddef>
#include <utility>

#include "mime/encoded_word.h"

namespace dcbot::mime {
namespace {

enum class Tok { Word, Quoted, Angle, Comma, Colon, Semicolon };

struct Token {
  Tok kind;
  std::string text;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Splits an address list into tokens (RFC 5322 §3.2). Comments are skipped; unterminated quotes,
// comments and angle brackets run to the end of the input (tolerant).
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      while (i < s.size()) {
        if (s[i] == '\\') {
          i += 2;
          continue;
        }
        if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
        ++i;
      }
    } else if (c == '"') {
      std::string text;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) {
          ++i;
        }
        text += s[i];
        ++i;
      }
      ++i;
      out.push_back({Tok::Quoted, std::move(text)});
    } else if (c == '<') {
      const std::size_t end = s.find('>', i + 1);
      const std::size_t stop = end == std::string_view::npos ? s.size() : end;
      std::string text;
      for (std::size_t k = i + 1; k < stop; ++k) {
        if (!is_space(s[k])) {
          text += s[k];
        }
      }
      out.push_back({Tok::Angle, std::move(text)});
      i = stop + 1;
    } else if (c == ',') {
      out.push_back({Tok::Comma, ","});
      ++i;
    } else if (c == ':') {
      out.push_back({Tok::Colon, ":"});
      ++i;
    } else if (c == ';') {
      out.push_back({Tok::Semicolon, ";"});
      ++i;
    } else {
      const std::size_t start = i;
      while (i < s.size() && !is_space(s[i]) && s[i] != '"' && s[i] != '(' && s[i] != '<'
             && s[i] != ',' && s[i] != ':' && s[i] != ';') {
        ++i;
      }
      out.push_back({Tok::Word, std::string(s.substr(start, i - start))});
    }
  }
  return out;
}

}  // namespace

Result<std::vector<Mailbox>> parse_address_list(std::string_view raw) {
  const std::vector<Token> tokens = tokenize(raw);
  std::vector<Mailbox> out;
  std::string group;
  std::vector<const Token*> phrase;
  std::string angle;
  bool have_angle = false;

  auto finish = [&]() -> Result<void> {
    if (!have_angle && phrase.empty()) {
      return {};  // Empty entry (", ,"): RFC 5322 §4.4 obs-addr-list allows it.
    }
    Mailbox mb;
    mb.group = group;
    if (have_angle) {
      std::string name;
      for (const Token* t : phrase) {
        if (!name.empty()) {
          name += ' ';
        }
        name += t->text;
      }
      mb.name = decode_encoded_words(name);
      mb.addr = angle;
    } else {
      for (const Token* t : phrase) {
        mb.addr += t->text;
      }
      if (mb.addr.find('@') == std::string::npos
          || mb.addr.find_first_of(" \t<>") != std::string::npos) {
        return make_error(Errc::Parse, "mime: invalid address");
      }
    }
    if (mb.addr.empty()) {
      return make_error(Errc::Parse, "mime: empty address");
    }
    out.push_back(std::move(mb));
    phrase.clear();
    angle.clear();
    have_angle = false;
    return {};
  };

  for (const Token& t : tokens) {
    switch (t.kind) {
      case Tok::Word:
      case Tok::Quoted:
        if (have_angle) {
          break;  // Junk after "<addr>": ignore.
        }
        phrase.push_back(&t);
        break;
      case Tok::Angle:
        if (!have_angle) {
          angle = t.text;
          have_angle = true;
        }
        break;
      case Tok::Comma:
        DCBOT_TRY(finish());
        break;
      case Tok::Colon: {
        // "group-name:" starts a group (§3.4).
        std::string name;
        for (const Token* p : phrase) {
          if (!name.empty()) {
            name += ' ';
          }
          name += p->text;
        }
        group = decode_encoded_words(name);
        phrase.clear();
        break;
      }
      case Tok::Semicolon:
        DCBOT_TRY(finish());
        group.clear();
        break;
    }
  }
  DCBOT_TRY(finish());
  return out;
}

Result<Mailbox> parse_mailbox(std::string_view raw) {
  DCBOT_TRY(auto list, parse_address_list(raw));
  if (list.size() != 1) {
    return make_error(Errc::Parse, "mime: expected exactly one mailbox");
  }
  return std::move(list.front());
}

std::string format_mailbox(const Mailbox& mailbox) {
  std::string out;
  if (!mailbox.name.empty()) {
    out += '"';
    if (needs_encoding(mailbox.name)) {
      out += encode_words_b(mailbox.name);
    } else {
      for (char c : mailbox.name) {
        if (c == '"' || c == '\\') {
          out += '\\';
        }
        out += c;
      }
    }
    out += "\" ";
  }
  out += '<';
  out += mailbox.addr;
  out += '>';
  return out;
}

std::string format_address_list(const std::vector<Mailbox>& mailboxes) {
  if (mailboxes.empty()) {
    return "\"hidden-recipients\": ;";
  }
  std::string out;
  for (const auto& mb : mailboxes) {
    if (!out.empty()) {
      out += ", ";
    }
    out += format_mailbox(mb);
  }
  return out;
}

std::vector<std::string> parse_message_ids(std::string_view raw) {
  std::vector<std::string> out;
  std::size_t i = 0;
  bool any_bracket = false;
  while (i < raw.size()) {
    const std::size_t lt = raw.find('<', i);
    if (lt == std::string_view::npos) {
      break;
    }
    const std::size_t gt = raw.find('>', lt + 1);
    if (gt == std::string_view::npos) {
      break;
    }
    any_bracket = true;
    std::string id;
    for (std::size_t k = lt + 1; k < gt; ++k) {
      if (!is_space(raw[k])) {
        id += raw[k];
      }
    }
    if (!id.empty()) {
      out.push_back(std::move(id));
    }
    i = gt + 1;
  }
  if (!any_bracket) {
    std::size_t k = 0;
    while (k < raw.size()) {
      while (k < raw.size() && (is_space(raw[k]) || raw[k] == ',')) {
        ++k;
      }
      const std::size_t start = k;
      while (k < raw.size() && !is_space(raw[k]) && raw[k] != ',') {
        ++k;
      }
      if (k > start) {
        out.emplace_back(raw.substr(start, k - start));
      }
    }
  }
  return out;
}

std::string format_message_id(std::string_view id) {
  std::string out = "<";
  out += id;
  out += '>';
  return out;
}

}  // namespace dcbot::mime
