// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcbot/result.h"
#include "dcbot/value.h"

// The community moderator's rules, without a bot (bots/moderator/README.md): its settings from
// the YAML, flood counting, word and link filters, strikes, command targets and message templates.
// The plugin (moderator.cpp) applies them; everything here is plain data and unit-tested.
namespace moderator {

struct Settings {
  // Shown by /rules and in the welcome message.
  std::string rules = "Be kind and stay on topic. No spam, no ads.";
  // Sent to the group when someone joins; {name}, {group} and {rules} are filled in. Empty: none.
  std::string welcome =
      "Welcome to {group}, {name}!\n\n{rules}\n\nTo flag a message to the admins, reply to it with "
      "/report.";
  // Sent to a group when a member adds the bot to it (the bot introduces itself). Empty: none.
  std::string intro =
      "Hi! I keep this group friendly. /rules shows the rules; to flag a message to the admins, "
      "reply to it with /report.";
  // More than `flood_messages` messages from one member within `flood_seconds` is a strike;
  // 0 turns flood control off.
  int flood_messages = 10;
  int flood_seconds = 60;
  // Warnings before the next strike removes the member from the group.
  int warnings = 1;
  // Strikes older than this are forgotten.
  std::int64_t strike_expiry_seconds = 24 * 3600;
  // Words that earn a warning (case-insensitive, whole words; may contain spaces).
  std::vector<std::string> words{};
  // Links earn a warning, except to these domains (and their subdomains).
  bool block_links = false;
  std::vector<std::string> allowed_domains{};
};

// Reads a `config:` block (keys: rules, welcome, intro, flood {messages, seconds}, warnings,
// strike_expiry_hours, filters {words, links, allowed_domains}). Errc::Config with file:line:col
// for unknown keys, wrong types and out-of-range numbers. A null block gives the defaults.
dcbot::Result<Settings> parse_settings(const dcbot::config::Value& config);

// Counts one member's messages per chat in a sliding window of message timestamps (the sender's
// Date, so a backlog fetched at once after downtime is not mistaken for a flood).
class FloodCounter {
 public:
  FloodCounter(int limit, int seconds) : limit_(limit), seconds_(seconds) {}

  // Records a message; true when it puts the member over the limit. The window then starts over,
  // so one burst is one strike.
  bool add(std::int64_t chat, const std::string& fingerprint, std::int64_t timestamp);
  void forget(std::int64_t chat, const std::string& fingerprint);

 private:
  int limit_;
  int seconds_;
  std::map<std::pair<std::int64_t, std::string>, std::vector<std::int64_t>> seen_{};
};

// Why `text` breaks the filters ("the word \"spam\"", "a link to example.com"), or nothing.
std::optional<std::string> filter_hit(const Settings& settings, std::string_view text);

// A member's strikes in one group, as kept in the plugin's storage ("<count> <unix seconds>").
struct Strikes {
  int count = 0;
  std::int64_t last = 0;
};

std::string format_strikes(const Strikes& strikes);
// Unparsable or expired (older than `expiry` at `now`) values count as no strikes.
Strikes parse_strikes(std::string_view stored, std::int64_t now, std::int64_t expiry);

// Who an admin command names: a key fingerprint (40 hex digits, spaces allowed between groups of
// four) or an address, then an optional reason. Both empty when `args` names nobody.
struct Target {
  std::string fingerprint{};  // Upper-case hex.
  std::string addr{};         // Lower-case.
  std::string reason{};
};

Target parse_target(std::string_view args);

// `text` in ASCII lower case (addresses, filter words).
std::string lower(std::string_view text);

// `text` with {name}, {group} and {rules} replaced.
std::string render(std::string_view text, std::string_view name, std::string_view group,
                   std::string_view rules);

// A ban as kept in storage: key "ban:<FINGERPRINT>" (or "ban:<addr>" for an address-only ban),
// value "addr\nreason\nby\nunix seconds".
struct Ban {
  std::string addr{};
  std::string reason{};
  std::string by{};
  std::int64_t since = 0;
};

std::string format_ban(const Ban& ban);
Ban parse_ban(std::string_view stored);

}  // namespace moderator
