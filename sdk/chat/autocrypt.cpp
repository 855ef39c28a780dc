// SPDX-License-Identifier: MIT
#include "chat/autocrypt.h"

#include "base/encoding.h"
#include "mime/header.h"

namespace dcbot::chat {
namespace {

std::string_view trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  const auto begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

}  // namespace

bool same_addr(std::string_view a, std::string_view b) {
  return mime::iequals(trim(a), trim(b));
}

Result<AutocryptHeader> parse_autocrypt(std::string_view raw) {
  AutocryptHeader out;
  bool have_key = false;
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    std::size_t end = raw.find(';', pos);
    if (end == std::string_view::npos) {
      end = raw.size();
    }
    const std::string_view attr = trim(raw.substr(pos, end - pos));
    pos = end + 1;
    if (attr.empty()) {
      continue;
    }
    const auto eq = attr.find('=');
    if (eq == std::string_view::npos) {
      return make_error(Errc::Parse, "autocrypt: attribute without value");
    }
    const std::string name = mime::to_lower(trim(attr.substr(0, eq)));
    const std::string_view value = trim(attr.substr(eq + 1));
    if (name == "addr") {
      out.addr = mime::to_lower(value);
    } else if (name == "prefer-encrypt") {
      out.prefer_mutual = value == "mutual";
    } else if (name == "keydata") {
      DCBOT_TRY(out.keydata, base64_decode(value));
      have_key = true;
    } else if (name == "_verified") {
      out.verified = value == "1";
    } else if (name.empty() || name[0] != '_') {
      // Autocrypt Level 1 §2.1: unknown critical attributes invalidate the header.
      return make_error(Errc::Parse, "autocrypt: unknown attribute " + name);
    }
  }
  if (out.addr.empty() || out.addr.find('@') == std::string::npos || !have_key
      || out.keydata.empty()) {
    return make_error(Errc::Parse, "autocrypt: addr or keydata missing");
  }
  return out;
}

}  // namespace dcbot::chat
