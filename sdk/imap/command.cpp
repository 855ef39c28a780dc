// SPDX-License-Identifier: MIT
#include "imap/command.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"
#include "base/encoding.h"

namespace dcbot::imap {
namespace {

constexpr std::size_t kMaxQuotedLength = 1000;

// RFC 9051 ATOM-CHAR: any 7-bit CHAR except atom-specials ( ) { SP CTL % * " \ ].
bool is_strict_atom_char(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c <= 0x20 || c >= 0x7f) {
    return false;
  }
  return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\'
         && c != ']';
}

bool is_atom(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_strict_atom_char);
}

}  // namespace

std::string Command::text() const {
  std::string out;
  for (const auto& part : parts) {
    out += part;
  }
  return out;
}

CommandBuilder::CommandBuilder(std::string tag, std::string_view name, CommandOptions options)
    : options_(options) {
  DCBOT_CHECK(is_atom(tag) && tag.find('+') == std::string::npos, "imap tag must be an atom");
  command_.parts.emplace_back(tag);
  command_.parts.back() += ' ';
  command_.parts.back() += name;
  command_.tag = std::move(tag);
}

void CommandBuilder::separate() {
  command_.parts.back() += ' ';
}

CommandBuilder& CommandBuilder::atom(std::string_view text) {
  // Atoms we build ourselves may carry flags and list wildcards, e.g. `\Deleted`.
  DCBOT_CHECK(!text.empty()
                  && std::none_of(text.begin(), text.end(),
                                  [](char c) {
                                    auto u = static_cast<unsigned char>(c);
                                    return u <= 0x20 || u >= 0x7f || c == '(' || c == ')'
                                           || c == '{' || c == '"';
                                  }),
              "imap atom contains a special character");
  separate();
  command_.parts.back() += text;
  return *this;
}

CommandBuilder& CommandBuilder::number(std::uint64_t n) {
  separate();
  command_.parts.back() += std::to_string(n);
  return *this;
}

CommandBuilder& CommandBuilder::astring(std::string_view text) {
  if (is_atom(text)) {
    separate();
    command_.parts.back() += text;
    return *this;
  }
  return string(text);
}

CommandBuilder& CommandBuilder::string(std::string_view text) {
  if (is_quotable(text)) {
    separate();
    command_.parts.back() += quote(text);
    return *this;
  }
  return literal(text);
}

CommandBuilder& CommandBuilder::literal(std::string_view bytes) {
  DCBOT_CHECK(is_sendable_string(bytes), "imap literal contains NUL");
  separate();
  // RFC 9051 §4.3 (synchronising) and RFC 7888 (LITERAL+, no wait for "+").
  auto& head = command_.parts.back();
  head += '{';
  head += std::to_string(bytes.size());
  if (options_.literal_plus) {
    head += "+}\r\n";
    head += bytes;
  } else {
    head += "}\r\n";
    command_.parts.emplace_back(bytes);
  }
  return *this;
}

CommandBuilder& CommandBuilder::raw(std::string_view text) {
  DCBOT_CHECK(text.find_first_of("\r\n") == std::string_view::npos, "imap raw text has CR/LF");
  separate();
  command_.parts.back() += text;
  return *this;
}

Command CommandBuilder::build() {
  command_.parts.back() += "\r\n";
  return std::move(command_);
}

bool is_sendable_string(std::string_view text) {
  return text.find('\0') == std::string_view::npos;
}

bool is_quotable(std::string_view text) {
  return text.size() <= kMaxQuotedLength && std::all_of(text.begin(), text.end(), [](char c) {
           auto u = static_cast<unsigned char>(c);
           return u != 0 && u < 0x80 && c != '\r' && c != '\n';
         });
}

std::string quote(std::string_view text) {
  DCBOT_CHECK(is_quotable(text), "imap string is not quotable");
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string sequence_set(std::vector<std::uint32_t> numbers) {
  DCBOT_CHECK(!numbers.empty(), "empty imap sequence set");
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  DCBOT_CHECK(numbers.front() != 0, "imap sequence numbers start at 1");
  std::string out;
  std::size_t i = 0;
  while (i < numbers.size()) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) {
      ++j;
    }
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(numbers[i]);
    if (j > i) {
      out += ':';
      out += std::to_string(numbers[j]);
    }
    i = j + 1;
  }
  return out;
}

std::string sequence_from(std::uint32_t first) {
  DCBOT_CHECK(first != 0, "imap sequence numbers start at 1");
  return std::to_string(first) + ":*";
}

Result<Command> make_login(std::string tag, std::string_view user, std::string_view password,
                           CommandOptions options) {
  if (!is_sendable_string(user) || !is_sendable_string(password)) {
    return make_error(Errc::InvalidArgument, "imap: login: credentials contain NUL");
  }
  return CommandBuilder(std::move(tag), "LOGIN", options).astring(user).astring(password).build();
}

Result<Command> make_authenticate_plain(std::string tag, std::string_view user,
                                        std::string_view password, bool sasl_ir) {
  if (!is_sendable_string(user) || !is_sendable_string(password)) {
    return make_error(Errc::InvalidArgument, "imap: authenticate: credentials contain NUL");
  }
  // RFC 4616: [authzid] NUL authcid NUL passwd; the authorization identity is left empty.
  Bytes message;
  message.push_back(0);
  append(message, user);
  message.push_back(0);
  append(message, password);
  std::string response = base64_encode(message);
  CommandBuilder builder(std::move(tag), "AUTHENTICATE");
  builder.atom("PLAIN");
  if (sasl_ir) {
    builder.raw(response.empty() ? "=" : response);
    return builder.build();
  }
  Command command = builder.build();
  command.parts.push_back(response + "\r\n");
  return command;
}

Command make_uid_fetch(std::string tag, std::string_view set, std::string_view items) {
  return CommandBuilder(std::move(tag), "UID FETCH").raw(set).raw(items).build();
}

}  // namespace dcbot::imap
