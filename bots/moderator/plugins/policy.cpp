// SPDX-License-Identifier: MIT
#include "policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace moderator {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {

using dcbot::Result;
using dcbot::config::Value;

bool is_word_char(char c) {
  // Letters, digits, '_' and every byte of a multi-byte UTF-8 character.
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || u >= 0x80;
}

Result<int> read_int(const Value& value, std::int64_t min, std::int64_t max) {
  DCBOT_TRY(auto n, value.as_int());
  if (n < min || n > max) {
    return value.error(fmt::format("expected a number from {} to {}", min, max));
  }
  return static_cast<int>(n);
}

Result<std::vector<std::string>> read_strings(const Value& value) {
  DCBOT_TRY(auto list, value.as_list());
  std::vector<std::string> out;
  for (const Value& item : *list) {
    DCBOT_TRY(auto text, item.as_string());
    if (text.empty()) {
      return item.error("expected a non-empty string");
    }
    out.push_back(lower(text));
  }
  return out;
}

Result<void> read_flood(const Value& value, Settings& out) {
  DCBOT_TRY(auto map, value.as_map_with_keys("flood", {"messages", "seconds"}));
  for (const auto& entry : *map) {
    if (entry.key == "messages") {
      DCBOT_TRY(out.flood_messages, read_int(entry.value, 0, 10000));
    } else {
      DCBOT_TRY(out.flood_seconds, read_int(entry.value, 1, 86400));
    }
  }
  return {};
}

Result<void> read_filters(const Value& value, Settings& out) {
  DCBOT_TRY(auto map, value.as_map_with_keys("filters", {"words", "links", "allowed_domains"}));
  for (const auto& entry : *map) {
    if (entry.key == "words") {
      DCBOT_TRY(out.words, read_strings(entry.value));
    } else if (entry.key == "links") {
      DCBOT_TRY(out.block_links, entry.value.as_bool());
    } else {
      DCBOT_TRY(out.allowed_domains, read_strings(entry.value));
    }
  }
  return {};
}

// The host part of a link starting at `text[pos]` ("https://", "http://" or "www."); empty if
// there is none.
std::string link_host(std::string_view text, std::size_t pos) {
  std::size_t start = pos;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (text.substr(pos, scheme.size()) == scheme) {
      start = pos + scheme.size();
      break;
    }
  }
  std::size_t end = start;
  while (end < text.size()) {
    const auto c = static_cast<unsigned char>(text[end]);
    if (std::isalnum(c) == 0 && c != '.' && c != '-' && c < 0x80) {
      break;
    }
    ++end;
  }
  std::string host(text.substr(start, end - start));
  while (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  return host.find('.') == std::string::npos ? std::string() : host;
}

bool allowed(const std::vector<std::string>& domains, std::string_view host) {
  return std::any_of(domains.begin(), domains.end(), [host](const std::string& domain) {
    if (host == domain) {
      return true;
    }
    return host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain
           && host[host.size() - domain.size() - 1] == '.';
  });
}

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0;
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::int64_t to_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() ? value : -1;
}

}  // namespace

Result<Settings> parse_settings(const Value& config) {
  Settings out;
  if (config.is_null()) {
    return out;
  }
  DCBOT_TRY(auto map, config.as_map_with_keys("the moderator's config",
                                              {"rules", "welcome", "intro", "flood", "warnings",
                                               "strike_expiry_hours", "filters"}));
  for (const auto& entry : *map) {
    const Value& v = entry.value;
    if (entry.key == "rules") {
      DCBOT_TRY(out.rules, v.as_string());
    } else if (entry.key == "welcome") {
      if (v.is_null()) {
        out.welcome.clear();
      } else {
        DCBOT_TRY(out.welcome, v.as_string());
      }
    } else if (entry.key == "intro") {
      if (v.is_null()) {
        out.intro.clear();
      } else {
        DCBOT_TRY(out.intro, v.as_string());
      }
    } else if (entry.key == "flood") {
      DCBOT_TRY(read_flood(v, out));
    } else if (entry.key == "warnings") {
      DCBOT_TRY(out.warnings, read_int(v, 0, 100));
    } else if (entry.key == "strike_expiry_hours") {
      DCBOT_TRY(int hours, read_int(v, 1, 24 * 365));
      out.strike_expiry_seconds = std::int64_t{hours} * 3600;
    } else {
      DCBOT_TRY(read_filters(v, out));
    }
  }
  return out;
}

bool FloodCounter::add(std::int64_t chat, const std::string& fingerprint, std::int64_t timestamp) {
  if (limit_ <= 0) {
    return false;
  }
  auto& times = seen_[{chat, fingerprint}];
  times.insert(std::upper_bound(times.begin(), times.end(), timestamp), timestamp);
  // Messages may arrive out of order: the window ends at the newest one.
  const std::int64_t newest = times.back();
  times.erase(times.begin(), std::upper_bound(times.begin(), times.end(), newest - seconds_));
  if (static_cast<int>(times.size()) > limit_) {
    times.clear();
    return true;
  }
  return false;
}

void FloodCounter::forget(std::int64_t chat, const std::string& fingerprint) {
  seen_.erase({chat, fingerprint});
}

std::optional<std::string> filter_hit(const Settings& settings, std::string_view text) {
  const std::string low = lower(text);
  for (const auto& word : settings.words) {
    for (std::size_t pos = low.find(word); pos != std::string::npos;
         pos = low.find(word, pos + 1)) {
      const bool starts = pos == 0 || !is_word_char(low[pos - 1]);
      const std::size_t end = pos + word.size();
      const bool ends = end == low.size() || !is_word_char(low[end]);
      if (starts && ends) {
        return fmt::format("the word \"{}\"", word);
      }
    }
  }
  if (settings.block_links) {
    for (std::size_t pos = 0; pos < low.size(); ++pos) {
      if (pos > 0 && is_word_char(low[pos - 1])) {
        continue;
      }
      const std::string_view rest = std::string_view(low).substr(pos);
      if (rest.rfind("http://", 0) != 0 && rest.rfind("https://", 0) != 0
          && rest.rfind("www.", 0) != 0) {
        continue;
      }
      const std::string host = link_host(low, pos);
      if (!host.empty() && !allowed(settings.allowed_domains, host)) {
        return fmt::format("a link to {}", host);
      }
    }
  }
  return std::nullopt;
}

std::string format_strikes(const Strikes& strikes) {
  return fmt::format("{} {}", strikes.count, strikes.last);
}

Strikes parse_strikes(std::string_view stored, std::int64_t now, std::int64_t expiry) {
  const auto space = stored.find(' ');
  if (space == std::string_view::npos) {
    return {};
  }
  const std::int64_t count = to_int(stored.substr(0, space));
  const std::int64_t last = to_int(stored.substr(space + 1));
  if (count <= 0 || last < 0 || now - last > expiry) {
    return {};
  }
  return Strikes{static_cast<int>(std::min<std::int64_t>(count, 1000)), last};
}

Target parse_target(std::string_view args) {
  Target out;
  args = trim(args);
  // A fingerprint: 40 hex digits, maybe in groups separated by single spaces.
  std::string hex;
  std::size_t used = 0;
  while (used < args.size() && hex.size() < 40) {
    const char c = args[used];
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    } else if (c != ' ' || hex.empty()) {
      break;
    }
    ++used;
  }
  const bool fingerprint_ends =
      used == args.size() || std::isspace(static_cast<unsigned char>(args[used])) != 0;
  if (hex.size() == 40 && is_hex(hex) && fingerprint_ends) {
    out.fingerprint = hex;
    out.reason = std::string(trim(args.substr(used)));
    return out;
  }
  std::size_t end = 0;
  while (end < args.size() && std::isspace(static_cast<unsigned char>(args[end])) == 0) {
    ++end;
  }
  std::string_view word = args.substr(0, end);
  if (word.size() > 2 && word.front() == '<' && word.back() == '>') {
    word = word.substr(1, word.size() - 2);
  }
  const auto at = word.find('@');
  if (at != std::string_view::npos && at > 0 && at + 1 < word.size()) {
    out.addr = lower(word);
    out.reason = std::string(trim(args.substr(end)));
  }
  return out;
}

std::string render(std::string_view text, std::string_view name, std::string_view group,
                   std::string_view rules) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [key, value] : {std::pair<std::string_view, std::string_view>{"{name}", name},
                                     {"{group}", group},
                                     {"{rules}", rules}}) {
      if (text.substr(i, key.size()) == key) {
        out += value;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out.push_back(text[i]);
      ++i;
    }
  }
  return out;
}

std::string format_ban(const Ban& ban) {
  auto one_line = [](std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  };
  return fmt::format("{}\n{}\n{}\n{}", one_line(ban.addr), one_line(ban.reason), one_line(ban.by),
                     ban.since);
}

Ban parse_ban(std::string_view stored) {
  Ban out;
  std::string* fields[] = {&out.addr, &out.reason, &out.by};
  std::size_t i = 0;
  for (std::string* field : fields) {
    const auto nl = stored.find('\n', i);
    if (nl == std::string_view::npos) {
      *field = std::string(stored.substr(std::min(i, stored.size())));
      return out;
    }
    *field = std::string(stored.substr(i, nl - i));
    i = nl + 1;
  }
  out.since = std::max<std::int64_t>(0, to_int(stored.substr(i)));
  return out;
}

}  // namespace moderator
