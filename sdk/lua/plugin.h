// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
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

class Plugin;

// Who sent a message (ev.sender in Lua).
struct Sender {
  std::string addr{};
  std::string name{};
  std::string fingerprint{};
  bool verified = false;
  bool is_admin = false;
};

// A received message as handlers see it (the `ev` table in Lua).
struct Message {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::string text{};
  Sender sender{};
  std::int64_t timestamp = 0;  // Unix seconds.
  // A reply's quote (ev.quote in Lua; nil when `has_quote` is false).
  bool has_quote = false;
  std::string quote_text{};
  std::string quote_sender{};  // The quoted message's sender fingerprint; empty if unknown/own.
  bool quote_is_bot = false;   // The quoted message is one of the bot's own.
};

// One field of an event that is not a message (ev.<name> in Lua).
struct Field {
  std::string name{};
  std::variant<std::int64_t, std::string, bool, std::vector<std::string>> value{};
};

// The events besides messages and commands a plugin may handle, as bot.on_<kind>(fn):
// contact_verified, reaction, edit, delete, delivered, delivery_failed, start, stop,
// webxdc_update, group_joined, member_added, member_removed, group_removed, group_renamed,
// channel_subscriber.
inline constexpr std::array<std::string_view, 15> kEventKinds = {
    "contact_verified", "reaction",       "edit",          "delete",        "delivered",
    "delivery_failed",  "start",          "stop",          "webxdc_update", "group_joined",
    "member_added",     "member_removed", "group_removed", "group_renamed", "channel_subscriber"};

// A command the plugin registered with bot.on_command.
struct Command {
  std::string name{};  // With its slash: "/roll".
  std::string description{};
  bool admin_only = false;  // bot.on_command(name, description, fn, { admin = true })
};

// What a plugin may do to the bot. One Host serves one plugin, so storage is that plugin's own.
// Called on the plugin's thread from inside Lua calls; may fail with any Errc (the Lua caller
// gets an error naming the call) and may throw (caught, reported the same way).
class Host {
 public:
  virtual ~Host() = default;

  virtual Result<> send_text(std::int64_t chat_id, std::string_view text) = 0;
  // bot.send_file: `file` is inside the plugin's directory (checked by the Plugin).
  virtual Result<> send_file(std::int64_t chat_id, const std::filesystem::path& file,
                             std::string_view text);
  // bot.invite_link(): the bot's 1:1 invite link.
  virtual Result<std::string> invite_link();
  // bot.admins(): the admins' key fingerprints; bot.chat_with(fpr): the 1:1 chat with a contact.
  virtual Result<std::vector<std::string>> admins();
  virtual Result<std::int64_t> chat_with(std::string_view fingerprint);
  // bot.send_webxdc: `app` (an .xdc file or a folder) is inside the plugin's directory (checked by
  // the Plugin). Returns the instance message id.
  virtual Result<std::int64_t> send_webxdc(std::int64_t chat_id, const std::filesystem::path& app,
                                           std::string_view text);
  virtual Result<> send_webxdc_update(std::int64_t instance, std::string_view payload_json,
                                      std::string_view info, std::string_view summary,
                                      std::string_view document);
  // The app's window.webxdc.selfAddr of the member with key `fingerprint` in `instance_mid`.
  virtual Result<std::string> webxdc_self_addr(std::string_view fingerprint,
                                               std::string_view instance_mid);
  virtual Result<> react(std::int64_t chat_id, std::string_view target_mid, std::string_view emoji);
  // Groups and channels (issue #7), one call each of the Bot's API; the defaults refuse.
  // `kind` names it: "create_group", "add_member", "remove_member", "rename_group",
  // "leave_group", "group_invite_link", "group_members", "send", "edit_message",
  // "delete_message", "create_channel", "channel_invite_link". Integer and string arguments
  // as Lua passed them; the result as strings (a chat id in decimal).
  virtual Result<std::vector<std::string>> group_action(std::string_view kind,
                                                        const std::vector<std::int64_t>& numbers,
                                                        const std::vector<std::string>& texts);
  // Answers `message` in its chat (quoting it where the bot supports that).
  virtual Result<> reply(const Message& message, std::string_view text) = 0;
  // The plugin's key-value storage. get: std::nullopt for a missing key.
  virtual Result<std::optional<std::string>> storage_get(std::string_view key) = 0;
  virtual Result<> storage_set(std::string_view key, std::string_view value) = 0;
  virtual Result<> storage_delete(std::string_view key) = 0;
  // bot.log and print. `message` has no plugin prefix; the host adds it.
  virtual void log(log::Level level, std::string_view message) = 0;
  // bot.every / bot.after: call plugin.handle_timer(id) after `delay` (and then every `delay`
  // if `repeat`) until cancel_timer(plugin, id). Hosts without timers refuse (the default).
  virtual Result<> schedule_timer(Plugin& plugin, std::uint64_t id, std::chrono::milliseconds delay,
                                  bool repeat);
  virtual void cancel_timer(Plugin& plugin, std::uint64_t id);
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
  // The same, with a new `config:` block (the bot's YAML was edited).
  [[nodiscard]] Result<std::unique_ptr<Plugin>> reload(config::Value config) const;

  // Runs every bot.on_message handler in registration order, each in its own protected call,
  // so one failing handler doesn't stop the next. Returns the first error.
  Result<> handle_message(const Message& message);

  // Runs the handler of `command` ("/roll"; the slash is optional) with `args`, the text after
  // the command. Errc::NotFound if the plugin has no such command.
  Result<> handle_command(const Message& message, std::string_view command, std::string_view args);

  // Runs the function of timer `id` (bot.every / bot.after). Errc::NotFound for a cancelled or
  // finished timer; a one-shot timer is forgotten once it ran.
  Result<> handle_timer(std::uint64_t id);

  // Runs every bot.on_<kind> handler (kind from kEventKinds) with an event table of `fields`,
  // each in its own protected call. Returns the first error.
  Result<> handle_event(std::string_view kind, const std::vector<Field>& fields);

  // How many handlers of `kind` the plugin registered.
  [[nodiscard]] int event_handler_count(std::string_view kind) const;

  // The timers the plugin has running: id -> repeats.
  [[nodiscard]] const std::map<std::uint64_t, bool>& timers() const { return timers_; }

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
  static int lua_on_event(lua_State* state);
  static int run_event(lua_State* state);
  static int lua_send_file(lua_State* state);
  static int lua_config_schema(lua_State* state);
  // Checks config_ against `schema` (key -> "type" or "type?"); the error names the YAML
  // position. Never raises.
  bool check_config(const std::vector<std::pair<std::string, std::string>>& schema) noexcept;
  static int lua_invite_link(lua_State* state);
  static int lua_admins(lua_State* state);
  static int lua_send_webxdc(lua_State* state);
  static int lua_send_webxdc_update(lua_State* state);
  static int lua_webxdc_self_addr(lua_State* state);
  static int lua_react(lua_State* state);
  static int lua_group_action(lua_State* state);
  // `relative` inside the plugin's directory, or Errc::InvalidArgument.
  Result<std::filesystem::path> plugin_path(std::string_view relative) const;
  static int lua_chat_with(lua_State* state);
  static int lua_every(lua_State* state);
  static int lua_after(lua_State* state);
  static int lua_cancel_timer(lua_State* state);
  static int add_timer(lua_State* state, bool repeat);
  static int run_timer(lua_State* state);
  static Plugin& self(lua_State* state);

  // Runs host work that returns Result<> without letting an exception out. False on failure,
  // with the message in error_. Nothing it creates outlives it, so Lua may raise afterwards.
  template <class Work>
  bool host_call(Work&& work) noexcept;

  bool add_command(std::string_view name, std::string_view description, bool admin_only) noexcept;

  std::unique_ptr<Sandbox> sandbox_;
  std::filesystem::path file_;
  config::Value config_;
  Host* host_;
  std::vector<Command> commands_;
  int message_handlers_ = 0;
  std::map<std::uint64_t, bool> timers_;
  std::map<std::string, int, std::less<>> event_handlers_;
  std::uint64_t next_timer_ = 0;
  bool loading_ = false;
  // The event being handled (ev:reply is valid only then) and its serial number.
  const Dispatch* current_ = nullptr;
  std::uint64_t serial_ = 0;
  // Strings a C function hands to Lua after its C++ temporaries are gone: Lua may longjmp
  // while pushing them, and members are not skipped destructors.
  std::string error_;
  std::string value_;
  std::vector<std::string> values_;
};

}  // namespace dcbot::lua
