// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dcbot/result.h"
#include "dcbot/storage.h"

// Per-plugin key-value storage behind bot.storage (docs/plugins-lua.md).
namespace dcbot::lua {

// The storage the host hands to one Lua plugin: the bot's own database (BotStorage, what
// `dcbot run` uses) or a file (FileStorage, for tools and tests).
class Storage {
 public:
  virtual ~Storage() = default;

  // std::nullopt for a missing key.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Result<> set(std::string_view key, std::string_view value) = 0;
  virtual Result<> erase(std::string_view key) = 0;
};

// A plugin's storage in the bot's database (dcbot::Storage): writes made by a handler commit
// together with the mail it handles, so a replayed mail never sees its own earlier writes.
class BotStorage final : public Storage {
 public:
  explicit BotStorage(dcbot::Storage storage) : storage_(std::move(storage)) {}

  Result<std::optional<std::string>> get(std::string_view key) override {
    return storage_.get(key);
  }

  Result<> set(std::string_view key, std::string_view value) override {
    return storage_.set(key, value);
  }

  Result<> erase(std::string_view key) override {
    DCBOT_TRY(storage_.erase(key));
    return {};
  }

 private:
  dcbot::Storage storage_;
};

// Storage in one file, kept in memory and rewritten (to a temporary file, then renamed over the
// old one) on every change, so a crash leaves either the old or the new contents. Meant for the
// small amounts of state bot plugins keep. Writes are not part of the bot's mail transaction: a
// message replayed after a crash sees the changes its first run already made. The file format
// (docs/plugins-lua.md): "dcbot-kv 1\n", then per entry "<key bytes> <value
// bytes>\n<key><value>\n", sorted by key.
class FileStorage final : public Storage {
 public:
  // Reads `file` if it exists (its directory is created on the first write). Errc::Io if it
  // can't be read, Errc::Parse if it is not in the format above.
  static Result<FileStorage> open(std::filesystem::path file);

  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<> set(std::string_view key, std::string_view value) override;
  Result<> erase(std::string_view key) override;

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  explicit FileStorage(std::filesystem::path file) : file_(std::move(file)) {}

  // Writes `entries` to the file; on failure the file and entries_ are unchanged.
  Result<> save(const std::map<std::string, std::string, std::less<>>& entries);

  std::filesystem::path file_;
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace dcbot::lua
