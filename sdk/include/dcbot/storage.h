// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"

// Per-plugin key-value storage in the bot's own database (<data_dir>/dcbot.db), maubot's habit:
//
//   dcbot::Storage kv = bot.storage("karma");
//   auto r = kv.migrate(1, [](dcbot::Storage& s) { return s.set("schema", "v1"); });
//   auto n = kv.get("alice");            // Result<std::optional<std::string>>
//   kv.set("alice", "3");
//
// Inside a handler, writes join the transaction that processes the received mail: a crash
// before that transaction commits undoes them together with the replies the handler queued, and
// the mail is handled again. Outside handlers (timers, setup) each write commits on its own.
namespace dcbot {

class Bot;

class Storage {
 public:
  // Keys are 1 to kMaxKey bytes, values at most kMaxValue bytes (Errc::InvalidArgument).
  static constexpr std::size_t kMaxKey = 256;
  static constexpr std::size_t kMaxValue = std::size_t{1} << 20;

  // `plugin` names the namespace; two Storage objects with the same name see the same keys.
  Storage(Bot& bot, std::string plugin);

  // std::nullopt for a missing key. Errc::Io for store failures.
  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view key) const;
  Result<> set(std::string_view key, std::string_view value);
  // True if the key existed.
  Result<bool> erase(std::string_view key);
  // The keys starting with `prefix`, sorted bytewise.
  [[nodiscard]] Result<std::vector<std::string>> keys(std::string_view prefix = {}) const;
  // Deletes every key and the schema version.
  Result<> clear();

  // The plugin's schema version: 0 until a migration ran.
  [[nodiscard]] Result<int> version() const;
  // Runs `step` once per database: if version() < `to`, runs it and sets the version to `to`, all
  // in one transaction (or in the handler's transaction when called from a handler). Call the
  // steps of a plugin in ascending order at setup. An error from `step` undoes it and is returned.
  Result<> migrate(int to, const std::function<Result<>(Storage&)>& step);

  [[nodiscard]] const std::string& plugin() const { return plugin_; }

 private:
  Bot* bot_;
  std::string plugin_;
};

}  // namespace dcbot
