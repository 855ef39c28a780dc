// SPDX-License-Identifier: MIT
// dcbot::Storage over store::PluginKv in the bot's database.
#include "dcbot/storage.h"

#include <utility>

#include "base/bytes.h"
#include "runtime/bot.h"
#include "store/db.h"
#include "store/runtime_tables.h"

#include <fmt/format.h>

namespace dcbot {
namespace {

Result<> check_key(std::string_view key) {
  if (key.empty() || key.size() > Storage::kMaxKey) {
    return make_error(Errc::InvalidArgument,
                      fmt::format("storage: keys are 1 to {} bytes", Storage::kMaxKey));
  }
  return {};
}

}  // namespace

Storage::Storage(Bot& bot, std::string plugin) : bot_(&bot), plugin_(std::move(plugin)) {}

Result<std::optional<std::string>> Storage::get(std::string_view key) const {
  DCBOT_TRY(check_key(key));
  store::PluginKv kv(bot_->impl().engine->db());
  DCBOT_TRY(auto value, kv.get(plugin_, key));
  if (!value) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{std::string(value->begin(), value->end())};
}

Result<> Storage::set(std::string_view key, std::string_view value) {
  DCBOT_TRY(check_key(key));
  if (value.size() > kMaxValue) {
    return make_error(Errc::InvalidArgument,
                      fmt::format("storage: values are at most {} bytes", kMaxValue));
  }
  store::PluginKv kv(bot_->impl().engine->db());
  return kv.put(plugin_, key, to_bytes(value));
}

Result<bool> Storage::erase(std::string_view key) {
  DCBOT_TRY(check_key(key));
  store::PluginKv kv(bot_->impl().engine->db());
  return kv.erase(plugin_, key);
}

Result<std::vector<std::string>> Storage::keys(std::string_view prefix) const {
  store::PluginKv kv(bot_->impl().engine->db());
  return kv.keys(plugin_, prefix);
}

Result<> Storage::clear() {
  store::PluginKv kv(bot_->impl().engine->db());
  return kv.clear(plugin_);
}

Result<int> Storage::version() const {
  store::PluginKv kv(bot_->impl().engine->db());
  return kv.schema_version(plugin_);
}

Result<> Storage::migrate(int to, const std::function<Result<>(Storage&)>& step) {
  store::Db& db = bot_->impl().engine->db();
  DCBOT_TRY(int current, version());
  if (current >= to) {
    return {};
  }
  // A savepoint nests inside the handler's transaction and opens one outside of it.
  DCBOT_TRY(db.exec("SAVEPOINT dcbot_plugin_migrate"));
  Result<> done = [&]() -> Result<> {
    try {
      DCBOT_TRY(step(*this));
    } catch (const std::exception& e) {
      return make_error(Errc::Internal, fmt::format("storage: migration {} of {} threw: {}", to,
                                                    plugin_, e.what()));
    }
    store::PluginKv kv(db);
    return kv.set_schema_version(plugin_, to);
  }();
  if (!done) {
    (void)db.exec("ROLLBACK TO dcbot_plugin_migrate; RELEASE dcbot_plugin_migrate");
    return done.error();
  }
  return db.exec("RELEASE dcbot_plugin_migrate");
}

Storage Bot::storage(std::string_view plugin) {
  return Storage(*this, std::string(plugin));
}

}  // namespace dcbot
