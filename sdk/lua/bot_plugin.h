// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/value.h"
#include "dcbot/bot.h"
#include "dcbot/result.h"
#include "lua/plugin.h"
#include "lua/sandbox.h"
#include "lua/storage.h"

// Binds a Lua plugin (plugin.h) to a dcbot::Bot through the public API only: a `{ lua: PATH,
// config: ... }` entry of a bot's YAML becomes one BotPlugin.
namespace dcbot::lua {

// A Lua plugin attached to a Bot. attach() registers forwarding handlers on the bot once: a
// message handler if the plugin has one, and each of its commands (so the bot's /help lists
// them). The handlers share ownership of the BotPlugin, which therefore lives as long as the
// bot; `storage` must outlive the bot. Handler errors and limit hits are logged with the plugin's
// name and Lua file:line, and the bot keeps answering. Lives on the bot's io thread.
class BotPlugin {
 public:
  // Loads `file` (the plugin is named after the file's stem) with `config` as bot.config.
  // Errors are Plugin::load's; nothing is registered on the bot then.
  static Result<std::shared_ptr<BotPlugin>> attach(Bot& bot, std::filesystem::path file,
                                                   config::Value config, Storage& storage,
                                                   Limits limits = {});

  BotPlugin(const BotPlugin&) = delete;
  BotPlugin& operator=(const BotPlugin&) = delete;
  ~BotPlugin();

  // Loads the file again into a new state and swaps it in; the old state's handlers are gone.
  // New commands are registered on the bot; commands the new version dropped stay in the bot's
  // /help (the Bot can't unregister) but answer nothing. On error the running state stays.
  Result<> reload();
  // The same with a new `config:` block (SIGHUP after the bot's YAML was edited).
  Result<> reload(config::Value config);

  [[nodiscard]] Plugin& plugin() { return *plugin_; }

  // Keeps `storage` (the one attach() was given) alive as long as this plugin.
  void own_storage(std::unique_ptr<Storage> storage) { owned_storage_ = std::move(storage); }

 private:
  class BotHost;

  BotPlugin(Bot& bot, Storage& storage);

  void register_handlers(const std::shared_ptr<BotPlugin>& self);
  // Replaces the running version with `fresh` (a reload), or keeps it if `fresh` failed.
  Result<> swap_in(Result<std::unique_ptr<Plugin>> fresh);
  void handle_message(const MessageEvent& ev);
  void handle_command(const CommandEvent& ev);
  void handle_event(std::string_view kind, const std::vector<Field>& fields);
  void register_events(const std::shared_ptr<BotPlugin>& self);

  Bot* bot_;
  std::unique_ptr<BotHost> host_;
  std::unique_ptr<Plugin> plugin_;
  bool message_handler_registered_ = false;
  std::vector<std::string> registered_commands_;
  std::vector<std::string> registered_events_;
  std::weak_ptr<BotPlugin> self_;
  std::unique_ptr<Storage> owned_storage_;
};

// Loads `file` with `config` against a stand-in bot (`dcbot check`): syntax errors, errors of
// its main chunk and bot.config_schema mismatches come back as errors. Storage reads see an
// empty store, writes and sends are dropped, timers never fire.
Result<> check_plugin(const std::filesystem::path& file, config::Value config);

}  // namespace dcbot::lua
