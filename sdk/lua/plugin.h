// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/value.h"
#include "dcbot/log.h"
#include "dcbot/result.h"
#include "lua/sandbox.h"

// A Lua plugin: one Sandbox with the `dcbot` module installed and the plugin file run in it.
// The module is the contract plugin authors rely on (docs/plugins-lua.md):
//
//   local bot = require("dcbot")
//   bot.on_message(function(ev) ev:reply(ev.text) end)
//   bot.on_command("/roll", "roll a die", function(ev, args) ev:reply(tostring(math.random(6)))
//   end)
//
// The plugin talks to the bot only through a Host, so this layer is testable on its own; an
// adapter binds it to dcbot::Bot.
namespace dcbot::lua {

// Who sent a message (ev.sender in Lua).
struct Sender {
  std::string addr{};
  std::string name{};
  std::string fingerprint{};
  bool verified = false;
};

// A received message as handlers see it (the `ev` table in Lua).
struct Message {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::string text{};
  Sender sender{};
  std::int64_t timestamp = 0;  // Unix seconds.
};

// A command the plugin registered with bot.on_command.
struct Command {
  std::string name{};  // With its slash: "/roll".
  std::string description{};
};

// What a plugin may do to the bot. One Host serves one plugin, so storage is that plugin's own.
// Called on the plugin's thread from inside Lua calls; may fail with any Errc (the Lua caller
// gets an error naming the call) and may throw (caught, reported the same way).
class Host {
 public:
  virtual ~Host() = default;

  virtual Result<> send_text(std::int64_t chat_id, std::string_view text) = 0;
  // Answers `message` in its chat (quoting it where the bot supports that).
  virtual Result<> reply(const Message& message, std::string_view text) = 0;
  // The plugin's key-value storage. get: std::nullopt for a missing key.
  virtual Result<std::optional<std::string>> storage_get(std::string_view key) = 0;
  virtual Result<> storage_set(std::string_view key, std::string_view value) = 0;
  virtual Result<> storage_delete(std::string_view key) = 0;
  // bot.log and print. `message` has no plugin prefix; the host adds it.
  virtual void log(log::Level level, std::string_view message) = 0;
};

// Storage keys are 1 to kMaxStorageKey bytes; values at most kMaxStorageValue bytes.
inline constexpr std::size_t kMaxStorageKey = 256;
inline constexpr std::size_t kMaxStorageValue = std::size_t{1} << 20;

// One loaded Lua plugin. Handlers are registered while its file runs (bot.on_* outside the
// main chunk is an error), so commands() is fixed after load(). Reloading means loading again
// (reload()): a new state, new handlers; the old Plugin keeps working until it is destroyed.
// Lives on the bot's io thread; the Host must outlive it.
class Plugin {
 public:
  // Creates the sandbox, installs `dcbot` (with `config` as bot.config) and runs `file`.
  // Errors: those of Sandbox::run_file; Errc::Config if `config` can't be represented in Lua.
  static Result<std::unique_ptr<Plugin>> load(std::string name, std::filesystem::path file,
                                              config::Value config, Host& host, Limits limits = {});

  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  ~Plugin();

  // The same file, config, host and limits, loaded afresh.
  [[nodiscard]] Result<std::unique_ptr<Plugin>> reload() const;

  // Runs every bot.on_message handler in registration order, each in its own protected call,
  // so one failing handler doesn't stop the next. Returns the first error.
  Result<> handle_message(const Message& message);

  // Runs the handler of `command` ("/roll"; the slash is optional) with `args`, the text after
  // the command. Errc::NotFound if the plugin has no such command.
  Result<> handle_command(const Message& message, std::string_view command, std::string_view args);

  [[nodiscard]] const std::vector<Command>& commands() const { return commands_; }

  [[nodiscard]] bool has_command(std::string_view command) const;

  [[nodiscard]] int message_handler_count() const { return message_handlers_; }

  [[nodiscard]] const std::string& name() const { return sandbox_->name(); }

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

  [[nodiscard]] Sandbox& sandbox() { return *sandbox_; }

 private:
  struct Dispatch;

  Plugin(std::unique_ptr<Sandbox> sandbox, std::filesystem::path file, config::Value config,
         Host& host);

  static int install_module(lua_State* state);
  static int run_handler(lua_State* state);
  static void push_event(lua_State* state, Plugin& plugin, const Dispatch& dispatch);
  static int lua_on_message(lua_State* state);
  static int lua_on_command(lua_State* state);
  static int lua_send_text(lua_State* state);
  static int lua_log(lua_State* state);
  static int lua_storage_get(lua_State* state);
  static int lua_storage_set(lua_State* state);
  static int lua_storage_delete(lua_State* state);
  static int lua_reply(lua_State* state);
  static Plugin& self(lua_State* state);

  // Runs host work that returns Result<> without letting an exception out. False on failure,
  // with the message in error_. Nothing it creates outlives it, so Lua may raise afterwards.
  template <class Work>
  bool host_call(Work&& work) noexcept;

  bool add_command(std::string_view name, std::string_view description) noexcept;

  std::unique_ptr<Sandbox> sandbox_;
  std::filesystem::path file_;
  config::Value config_;
  Host* host_;
  std::vector<Command> commands_;
  int message_handlers_ = 0;
  bool loading_ = false;
  // The event being handled (ev:reply is valid only then) and its serial number.
  const Dispatch* current_ = nullptr;
  std::uint64_t serial_ = 0;
  // Strings a C function hands to Lua after its C++ temporaries are gone: Lua may longjmp
  // while pushing them, and members are not skipped destructors.
  std::string error_;
  std::string value_;
};

}  // namespace dcbot::lua
