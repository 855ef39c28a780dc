// SPDX-License-Identifier: MIT
#include "chat/invite.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/fingerprint.h"
#include "crypto/random.h"
#include "mime/header.h"

namespace dcbot::chat {
namespace {

constexpr std::string_view kLinkPrefix = "https://i.delta.chat/#";
constexpr std::string_view kLinkPrefixNoSlash = "https://i.delta.chat#";
constexpr std::string_view kOpenPgp4Fpr = "openpgp4fpr:";
// core `create_id`: 144 random bits, 24 characters of URL-safe base64.
constexpr std::size_t kTokenBytes = 18;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_url_safe(char c) {
  return is_alnum(c) || c == '-' || c == '_';
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && mime::iequals(text.substr(0, prefix.size()), prefix);
}

// URL percent-decoding; '+' is a space only in names (the core writes spaces as '+').
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = hex_digit_value(text[i + 1]);
      const int lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A decoded name: the '_' that marks a shortened name is shown as an ellipsis (§5.1).
std::optional<std::string> decode_name(std::string_view raw) {
  auto name = percent_decode(raw, true);
  if (name && !name->empty() && name->back() == '_') {
    name->pop_back();
    *name += "\u2026";
  }
  return name;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(sep, start);
    const auto piece = text.substr(start, end == std::string_view::npos ? end : end - start);
    out.emplace_back(piece);
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return out;
}

bool is_plausible_addr(std::string_view addr) {
  const auto at = addr.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < addr.size()
         && addr.find_first_of(" \t\r\n<>,") == std::string_view::npos;
}

std::string upper_hex(std::string_view hex) {
  std::string out(hex);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'f') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

Error parse_error(std::string_view what) {
  return Error{Errc::Parse, "invite: " + std::string(what)};
}

}  // namespace

std::vector<std::string> Invite::addrs() const {
  std::vector<std::string> out;
  out.push_back(addr);
  for (const auto& r : relays) {
    bool dup = false;
    for (const auto& have : out) {
      dup = dup || mime::iequals(have, r);
    }
    if (!dup) {
      out.push_back(r);
    }
  }
  return out;
}

bool is_valid_token(std::string_view token) {
  if (token.size() < 11 || token.size() > 32) {
    return false;
  }
  for (const char c : token) {
    if (!is_url_safe(c)) {
      return false;
    }
  }
  return true;
}

std::string generate_token() {
  std::array<std::uint8_t, kTokenBytes> bytes{};
  crypto::fill_random(bytes);
  return base64url_encode(ByteView(bytes.data(), bytes.size()));
}

std::string shorten_invite_name(std::string_view name, std::size_t max_chars) {
  // Count UTF-8 code points (continuation bytes are 10xxxxxx).
  std::size_t chars = 0;
  std::size_t cut = name.size();
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if ((byte & 0xC0U) != 0x80U) {
      if (max_chars > 0 && chars == max_chars - 1) {
        cut = i;
      }
      ++chars;
    }
  }
  if (chars <= max_chars) {
    return std::string(name);
  }
  return std::string(name.substr(0, max_chars == 0 ? 0 : cut)) + "_";
}

std::string invite_percent_encode(std::string_view text, bool space_as_plus) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    if (is_alnum(c) || c == '.' || c == '_') {
      out.push_back(c);
    } else if (c == ' ' && space_as_plus) {
      out.push_back('+');
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4U]);
      out.push_back(kHex[byte & 0x0FU]);
    }
  }
  return out;
}

std::string format_invite(const Invite& inv) {
  DCBOT_CHECK(is_fingerprint(inv.fingerprint), "invite: bad fingerprint");
  DCBOT_CHECK(is_valid_token(inv.auth), "invite: bad auth token");
  DCBOT_CHECK(inv.invitenumber.empty() || is_valid_token(inv.invitenumber),
              "invite: bad invitenumber");
  std::string link(kLinkPrefix);
  link += upper_hex(inv.fingerprint);
  if (inv.v3) {
    link += "&v=3";
  }
  const bool chat_invite = inv.kind != InviteKind::Contact;
  if (chat_invite) {
    link += "&x=" + inv.grpid;
  }
  if (!inv.invitenumber.empty()) {
    // core: broadcast channels carry the invitenumber as `j` for historic reasons.
    link += (inv.kind == InviteKind::Channel ? "&j=" : "&i=") + inv.invitenumber;
  }
  link += "&s=" + inv.auth;
  link += "&a=" + invite_percent_encode(inv.addr, false);
  if (!inv.relays.empty()) {
    std::string r;
    for (const auto& relay : inv.relays) {
      if (!r.empty()) {
        r += ',';
      }
      r += invite_percent_encode(relay, false);
    }
    link += "&r=" + r;
  }
  const std::size_t name_max = chat_invite ? kInviteInviterNameMax : kInviteNameMax;
  link += "&n=" + invite_percent_encode(shorten_invite_name(inv.name, name_max), true);
  if (chat_invite) {
    link += (inv.kind == InviteKind::Channel ? "&b=" : "&g=")
            + invite_percent_encode(shorten_invite_name(inv.group_name, kInviteNameMax), true);
  }
  return link;
}

Result<Invite> parse_invite(std::string_view text) {
  std::string_view t = text;
  while (!t.empty()
         && (t.front() == ' ' || t.front() == '\t' || t.front() == '\r' || t.front() == '\n')) {
    t.remove_prefix(1);
  }
  while (!t.empty()
         && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r' || t.back() == '\n')) {
    t.remove_suffix(1);
  }
  // Normalise every accepted form to "FPR" + "#" + "k=v&k=v..." (core `qr.rs`: the https forms
  // are rewritten to OPENPGP4FPR:FPR#... with the first '&' turned into '#').
  // `%23` stands for '#' when a link went through a URL encoder once too often (§5.1).
  std::string text_copy(t);
  if (text_copy.find('#') == std::string::npos) {
    const auto esc = text_copy.find("%23");
    if (esc != std::string::npos) {
      text_copy.replace(esc, 3, "#");
    }
  }
  t = text_copy;
  std::string body;
  if (starts_with_ci(t, kLinkPrefix) || starts_with_ci(t, kLinkPrefixNoSlash)) {
    const std::size_t skip =
        starts_with_ci(t, kLinkPrefix) ? kLinkPrefix.size() : kLinkPrefixNoSlash.size();
    body = std::string(t.substr(skip));
    const auto amp = body.find('&');
    if (amp != std::string::npos) {
      body[amp] = '#';
    }
  } else if (starts_with_ci(t, kOpenPgp4Fpr)) {
    body = std::string(t.substr(kOpenPgp4Fpr.size()));
  } else {
    return parse_error("not an invite link");
  }
  const auto hash = body.find('#');
  if (hash == std::string::npos) {
    return parse_error("no parameters");
  }
  Invite inv;
  inv.fingerprint = body.substr(0, hash);
  if (!is_fingerprint(inv.fingerprint)) {
    return parse_error("bad fingerprint");
  }
  inv.fingerprint = upper_hex(inv.fingerprint);
  bool v3 = false;
  bool have_channel_name = false;
  bool have_group_name = false;
  for (const auto& param : split(std::string_view(body).substr(hash + 1), '&')) {
    const auto eq = param.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    const std::string key = param.substr(0, eq);
    const std::string_view raw = std::string_view(param).substr(eq + 1);
    if (key == "v") {
      v3 = raw == "3";
    } else if (key == "i" || key == "j") {
      // `i` and `j` are synonyms when parsing (§5.1).
      inv.invitenumber = std::string(raw);
      if (!is_valid_token(inv.invitenumber)) {
        return parse_error("bad invitenumber");
      }
    } else if (key == "s") {
      inv.auth = std::string(raw);
      if (!is_valid_token(inv.auth)) {
        return parse_error("bad auth token");
      }
    } else if (key == "x") {
      inv.grpid = std::string(raw);
      if (!is_valid_token(inv.grpid)) {
        return parse_error("bad group id");
      }
    } else if (key == "a") {
      auto addr = percent_decode(raw, false);
      if (!addr || !is_plausible_addr(*addr)) {
        return parse_error("bad address");
      }
      inv.addr = std::move(*addr);
    } else if (key == "r") {
      for (const auto& piece : split(raw, ',')) {
        auto relay = percent_decode(piece, false);
        if (relay && is_plausible_addr(*relay)) {
          inv.relays.push_back(std::move(*relay));
        }
      }
    } else if (key == "n") {
      auto name = decode_name(raw);
      if (!name) {
        return parse_error("bad name");
      }
      inv.name = std::move(*name);
    } else if (key == "g" || key == "b") {
      auto name = decode_name(raw);
      if (!name) {
        return parse_error("bad chat name");
      }
      inv.group_name = std::move(*name);
      (key == "b" ? have_channel_name : have_group_name) = true;
    }
  }
  if (inv.addr.empty()) {
    return parse_error("no address");
  }
  if (inv.auth.empty()) {
    return parse_error("no auth token");
  }
  // §5.1: `s=` without `i`/`j` is treated as v3 too (the invitenumber is planned to go).
  inv.v3 = v3 || inv.invitenumber.empty();
  if (!inv.grpid.empty()) {
    if (!have_channel_name && !have_group_name) {
      return parse_error("group id without group name");
    }
    inv.kind = have_channel_name ? InviteKind::Channel : InviteKind::Group;
  }
  return inv;
}

}  // namespace dcbot::chat
