// SPDX-License-Identifier: MIT
#include "config/account_url.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>
#include <vector>

#include "base/encoding.h"

#include <fmt/format.h>

namespace dcbot::config {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kLocalPartSize = 9;
constexpr std::size_t kPasswordSize = 24;

Error parse_error(std::string_view what) {
  return make_error(Errc::Parse, fmt::format("account URL: {}", what));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size()
         && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a))
                     == std::tolower(static_cast<unsigned char>(b));
            });
}

// Percent-decoding (and '+' as a space, as form-encoded query strings write it).
Result<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return parse_error("a '%' escape is cut off");
      }
      int hi = hex_digit_value(in[i + 1]);
      int lo = hex_digit_value(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return parse_error("a '%' escape is not hexadecimal");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (std::any_of(out.begin(), out.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; })) {
    return parse_error("control characters are not allowed");
  }
  return out;
}

// A host name or IP literal: letters, digits, '.', '-', ':' and brackets; 1 to 253 bytes.
bool valid_host(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':'
           || c == '[' || c == ']' || c == '_';
  });
}

// A plain address: one '@', a non-empty local part without spaces, a valid host.
bool valid_addr(std::string_view addr) {
  auto at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || addr.size() > 320) {
    return false;
  }
  std::string_view local = addr.substr(0, at);
  if (std::any_of(local.begin(), local.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == '@' || c == '/' || c == '?';
      })) {
    return false;
  }
  return valid_host(addr.substr(at + 1));
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view key) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return parse_error(fmt::format("{}: \"{}\" is not a port", key, text));
  }
  return static_cast<std::uint16_t>(value);
}

Result<std::optional<Security>> parse_security(std::string_view text, std::string_view key) {
  if (text.empty() || text == "default") {
    return std::optional<Security>{};
  }
  if (text == "ssl") {
    return std::optional<Security>{Security::Tls};
  }
  if (text == "starttls") {
    return std::optional<Security>{Security::StartTls};
  }
  if (text == "plain") {
    return std::optional<Security>{Security::Plain};
  }
  return parse_error(
      fmt::format("{}: expected ssl, starttls, plain or default, not \"{}\"", key, text));
}

// The query of a dclogin URL as decoded key/value pairs; a key twice is an error.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    auto eq = item.find('=');
    std::string key(item.substr(0, eq));
    DCBOT_TRY(std::string value,
              decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1)));
    if (std::any_of(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; })) {
      return parse_error(fmt::format("the parameter \"{}\" is given twice", key));
    }
    if (out.size() >= 32) {
      return parse_error("too many parameters");
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string random_text(const RandomBytes& random, std::size_t n) {
  std::string bytes = random(n);
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>(i < bytes.size() ? bytes[i] : 0);
    out.push_back(kAlphabet[b % kAlphabet.size()]);
  }
  return out;
}

Result<AccountSetup> parse_dcaccount(std::string_view rest, const RandomBytes& random) {
  std::string_view host = rest;
  if (starts_with_nocase(host, "https://")) {
    host.remove_prefix(8);
    host = host.substr(0, host.find_first_of("/?#"));
  } else if (starts_with_nocase(host, "http://")) {
    return parse_error("DCACCOUNT: only https:// URLs or a bare host");
  }
  if (auto colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']') == host.npos) {
    host = host.substr(0, colon);  // host:port of the web server; mail goes to the host.
  }
  if (!valid_host(host)) {
    return parse_error("DCACCOUNT: expected a host name");
  }
  AccountSetup setup;
  setup.addr = random_text(random, kLocalPartSize) + "@" + std::string(host);
  setup.password = random_text(random, kPasswordSize);
  setup.created = true;
  return setup;
}

Result<AccountSetup> parse_dclogin(std::string_view rest) {
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
  }
  auto query_at = rest.find('?');
  std::string_view addr_part = rest.substr(0, query_at);
  std::string_view query =
      query_at == std::string_view::npos ? std::string_view() : rest.substr(query_at + 1);
  if (addr_part.ends_with('/')) {
    addr_part.remove_suffix(1);
  }
  DCBOT_TRY(std::string addr, decode(addr_part));
  if (!valid_addr(addr)) {
    return parse_error(fmt::format("dclogin: \"{}\" is not an address", addr));
  }
  DCBOT_TRY(auto params, parse_query(query));
  auto get = [&params](std::string_view key) -> std::string {
    for (const auto& [k, v] : params) {
      if (k == key) {
        return v;
      }
    }
    return {};
  };
  const std::string version = get("v");
  if (!version.empty() && version != "1") {
    return parse_error(fmt::format("dclogin: version {} is not supported (1 is)", version));
  }
  AccountSetup setup;
  setup.addr = addr;
  setup.password = get("p");
  const std::string imap_password = get("ipw");
  const std::string smtp_password = get("spw");
  if (!imap_password.empty()) {
    setup.password = imap_password;
  }
  if (setup.password.empty()) {
    return parse_error("dclogin: no password (p=)");
  }
  if (!smtp_password.empty() && smtp_password != setup.password) {
    return parse_error("dclogin: a separate SMTP password (spw=) is not supported");
  }
  auto server = [&](std::string_view prefix) -> Result<std::optional<ServerConfig>> {
    const std::string host = get(std::string(prefix) + "h");
    const std::string port = get(std::string(prefix) + "p");
    const std::string security = get(std::string(prefix) + "s");
    const std::string user = get(std::string(prefix) + "u");
    DCBOT_TRY(auto sec, parse_security(security, std::string(prefix) + "s"));
    if (host.empty() && port.empty() && !sec && user.empty()) {
      return std::optional<ServerConfig>{};
    }
    ServerConfig s;
    s.host = host.empty() ? setup.addr.substr(setup.addr.rfind('@') + 1) : host;
    if (!valid_host(s.host)) {
      return parse_error(fmt::format("dclogin: {}h: \"{}\" is not a host", prefix, s.host));
    }
    if (!port.empty()) {
      DCBOT_TRY(s.port, parse_port(port, std::string(prefix) + "p"));
    }
    s.security = sec.value_or(Security::Tls);
    s.user = user;
    return std::optional<ServerConfig>{s};
  };
  DCBOT_TRY(setup.imap, server("i"));
  DCBOT_TRY(setup.smtp, server("s"));
  const std::string checks = get("ic");
  if (!checks.empty()) {
    if (checks == "0" || checks == "1") {
      setup.tls_verify = true;
    } else if (checks == "2" || checks == "3") {
      setup.tls_verify = false;
    } else {
      return parse_error(fmt::format("dclogin: ic={} (expected 0 to 3)", checks));
    }
  }
  return setup;
}

}  // namespace

Result<AccountSetup> parse_account_url(std::string_view url, const RandomBytes& random) {
  if (url.size() > kMaxAccountUrl) {
    return parse_error("longer than 4096 bytes");
  }
  while (!url.empty() && (url.front() == ' ' || url.front() == '\t')) {
    url.remove_prefix(1);
  }
  while (!url.empty()
         && (url.back() == ' ' || url.back() == '\t' || url.back() == '\n' || url.back() == '\r')) {
    url.remove_suffix(1);
  }
  if (starts_with_nocase(url, "dclogin:")) {
    return parse_dclogin(url.substr(8));
  }
  if (starts_with_nocase(url, "dcaccount:")) {
    return parse_dcaccount(url.substr(10), random);
  }
  return parse_error("expected a dclogin: or DCACCOUNT: URL");
}

}  // namespace dcbot::config
