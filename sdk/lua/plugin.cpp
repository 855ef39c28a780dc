// SPDX-License-Identifier: MIT
#include "lua/plugin.h"

#include <algorithm>
#include <exception>
#include <initializer_list>
#include <optional>
#include <utility>

#include <lua.h>

#include <lauxlib.h>

// The C functions of the `dcbot` module. Lua raises errors with longjmp, which skips C++
// destructors, so each function first reads its arguments (which may raise), then does its C++
// work inside host_call() or a noexcept member, whose temporaries are gone when it returns, and
// only then pushes results or raises. Strings that outlive that step live in the Plugin.
namespace dcbot::lua {
namespace {

// Registry keys of the plugin's handlers: an array of functions and a map name -> function.
constexpr const char* kMessageHandlersKey = "dcbot.plugin.message_handlers";
constexpr const char* kCommandHandlersKey = "dcbot.plugin.command_handlers";
constexpr const char* kTimersKey = "dcbot.plugin.timers";
// A map kind -> array of handlers, for bot.on_<kind>.
constexpr const char* kEventHandlersKey = "dcbot.plugin.event_handlers";

// bot.every / bot.after take seconds: at least a millisecond, at most a year.
constexpr double kMinTimerSeconds = 0.001;
constexpr double kMaxTimerSeconds = 365.0 * 24 * 3600;

// Nesting deeper than this in a `config:` block is refused (the conversion recurses).
constexpr int kMaxConfigDepth = 64;

void push_view(lua_State* state, std::string_view text) {
  Sandbox::push_host_string(state, text);
}

// Reads a config scalar, list or map without leaving a Result (with its destructor) on a frame
// that Lua may longjmp through.
template <class T>
T read_config(const config::Value& value, Result<T> (config::Value::*read)() const, T fallback) {
  auto result = (value.*read)();
  return result ? *result : fallback;
}

// Pushes a config value as Lua data: maps and lists become tables, null becomes nil. Raises on
// overly deep nesting.
void push_config(lua_State* state, const config::Value& value, int depth) {
  if (depth > kMaxConfigDepth) {
    luaL_error(state, "config: nested deeper than %d levels", kMaxConfigDepth);
    return;
  }
  luaL_checkstack(state, 3, "config");
  using Kind = config::Value::Kind;
  switch (value.kind()) {
    case Kind::Null:
      lua_pushnil(state);
      return;
    case Kind::Bool:
      lua_pushboolean(state, read_config(value, &config::Value::as_bool, false) ? 1 : 0);
      return;
    case Kind::Int:
      lua_pushinteger(state, static_cast<lua_Integer>(
                                 read_config<std::int64_t>(value, &config::Value::as_int, 0)));
      return;
    case Kind::Double:
      lua_pushnumber(state, read_config(value, &config::Value::as_double, 0.0));
      return;
    case Kind::String:
      push_view(state, value.text());  // For strings the source text is the value.
      return;
    case Kind::List: {
      const auto* items =
          read_config<const config::Value::List*>(value, &config::Value::as_list, nullptr);
      const std::size_t size = items == nullptr ? 0 : items->size();
      lua_createtable(state, static_cast<int>(std::min<std::size_t>(size, 1 << 20)), 0);
      for (std::size_t i = 0; i < size; ++i) {
        push_config(state, (*items)[i], depth + 1);
        lua_rawseti(state, -2, static_cast<lua_Integer>(i) + 1);
      }
      return;
    }
    case Kind::Map: {
      const auto* entries =
          read_config<const config::Value::Map*>(value, &config::Value::as_map, nullptr);
      const std::size_t size = entries == nullptr ? 0 : entries->size();
      lua_createtable(state, 0, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
      for (std::size_t i = 0; i < size; ++i) {
        push_view(state, (*entries)[i].key);
        push_config(state, (*entries)[i].value, depth + 1);
        lua_rawset(state, -3);
      }
      return;
    }
  }
}

// The function table of a module, each a closure over the Plugin.
void set_functions(lua_State* state, Plugin* plugin, std::initializer_list<luaL_Reg> functions) {
  for (const luaL_Reg& reg : functions) {
    lua_pushlightuserdata(state, plugin);
    lua_pushcclosure(state, reg.func, 1);
    lua_setfield(state, -2, reg.name);
  }
}

// "/roll" for "roll" or "/roll"; empty if `name` is not a command word.
std::string normalize_command(std::string_view name) {
  if (name.empty()) {
    return {};
  }
  std::string out = name.front() == '/' ? std::string(name) : "/" + std::string(name);
  const bool word = out.size() > 1 && std::none_of(out.begin() + 1, out.end(), [](char c) {
                      return c == '/' || c == '@' || static_cast<unsigned char>(c) <= ' ';
                    });
  return word ? out : std::string();
}

}  // namespace

// What run_handler needs; handed over as light userdata.
struct Plugin::Dispatch {
  Plugin* plugin = nullptr;
  const Message* message = nullptr;
  int handler = 0;             // 1-based index of a message handler; 0 for a command.
  std::string_view command{};  // Normalized; set for commands.
  std::string_view args{};
  std::uint64_t serial = 0;
};

template <class Work>
bool Plugin::host_call(Work&& work) noexcept {
  try {
    Result<> result = std::forward<Work>(work)();
    if (result) {
      return true;
    }
    error_ = std::move(result).error().message;
  } catch (const std::exception& e) {
    try {
      error_ = e.what();
    } catch (...) {
      error_.clear();
    }
  } catch (...) {
    error_ = "unknown exception";
  }
  return false;
}

Plugin::Plugin(std::unique_ptr<Sandbox> sandbox, std::filesystem::path file, config::Value config,
               Host& host)
    : sandbox_(std::move(sandbox)),
      file_(std::move(file)),
      config_(std::move(config)),
      host_(&host) {}

Plugin::~Plugin() = default;

Result<std::unique_ptr<Plugin>> Plugin::load(std::string name, std::filesystem::path file,
                                             config::Value config, Host& host, Limits limits) {
  DCBOT_TRY(auto sandbox, Sandbox::create(std::move(name), limits));
  std::unique_ptr<Plugin> plugin(
      new Plugin(std::move(sandbox), std::move(file), std::move(config), host));
  DCBOT_TRY(plugin->sandbox_->protected_call(&Plugin::install_module, plugin.get()));
  plugin->loading_ = true;
  auto ran = plugin->sandbox_->run_file(plugin->file_);
  plugin->loading_ = false;
  if (!ran) {
    return ran.error();
  }
  return plugin;
}

Result<std::unique_ptr<Plugin>> Plugin::reload() const {
  return load(sandbox_->name(), file_, config_, *host_, sandbox_->limits());
}

Result<std::unique_ptr<Plugin>> Plugin::reload(config::Value config) const {
  return load(sandbox_->name(), file_, std::move(config), *host_, sandbox_->limits());
}

Plugin& Plugin::self(lua_State* state) {
  return *static_cast<Plugin*>(lua_touserdata(state, lua_upvalueindex(1)));
}

int Plugin::install_module(lua_State* state) {
  auto* plugin = static_cast<Plugin*>(lua_touserdata(state, 1));
  lua_newtable(state);
  lua_setfield(state, LUA_REGISTRYINDEX, kMessageHandlersKey);
  lua_newtable(state);
  lua_setfield(state, LUA_REGISTRYINDEX, kCommandHandlersKey);
  lua_newtable(state);
  lua_setfield(state, LUA_REGISTRYINDEX, kTimersKey);
  lua_newtable(state);
  lua_setfield(state, LUA_REGISTRYINDEX, kEventHandlersKey);

  lua_createtable(state, 0, 10);
  set_functions(state, plugin,
                {{"on_message", lua_on_message},
                 {"on_command", lua_on_command},
                 {"send_text", lua_send_text},
                 {"every", lua_every},
                 {"after", lua_after},
                 {"cancel_timer", lua_cancel_timer},
                 {"send_file", lua_send_file},
                 {"config_schema", lua_config_schema},
                 {"invite_link", lua_invite_link},
                 {"admins", lua_admins},
                 {"send_webxdc", lua_send_webxdc},
                 {"send_webxdc_update", lua_send_webxdc_update},
                 {"webxdc_self_addr", lua_webxdc_self_addr},
                 {"react", lua_react},
                 {"chat_with", lua_chat_with},
                 {"log", lua_log}});
  // Groups and channels: each a closure over its action name (see Host::group_action).
  for (const char* action :
       {"create_group", "add_member", "remove_member", "rename_group", "leave_group",
        "group_invite_link", "group_members", "send", "edit_message", "delete_message",
        "create_channel", "channel_invite_link", "admin_group"}) {
    lua_pushlightuserdata(state, plugin);
    lua_pushstring(state, action);
    lua_pushcclosure(state, lua_group_action, 2);
    lua_setfield(state, -2, action);
  }
  for (std::string_view kind : kEventKinds) {
    lua_pushlightuserdata(state, plugin);
    push_view(state, kind);
    lua_pushcclosure(state, lua_on_event, 2);
    const std::string name = "on_" + std::string(kind);
    lua_setfield(state, -2, name.c_str());
  }
  lua_createtable(state, 0, 3);
  set_functions(
      state, plugin,
      {{"get", lua_storage_get}, {"set", lua_storage_set}, {"delete", lua_storage_delete}});
  lua_setfield(state, -2, "storage");
  push_view(state, plugin->sandbox_->name());
  lua_setfield(state, -2, "name");
  if (plugin->config_.is_null()) {
    lua_newtable(state);  // Plugins may index bot.config without checking for nil.
  } else {
    push_config(state, plugin->config_, 0);
  }
  lua_setfield(state, -2, "config");

  lua_getfield(state, -1, "log");
  lua_setglobal(state, "print");  // print() goes to the bot's log, not to stdout.
  Sandbox::provide_module(state, "dcbot");
  return 0;
}

bool Plugin::has_command(std::string_view command) const {
  const std::string name = normalize_command(command);
  return std::any_of(commands_.begin(), commands_.end(),
                     [&](const Command& c) { return c.name == name; });
}

bool Plugin::add_command(std::string_view name, std::string_view description,
                         bool admin_only) noexcept {
  try {
    std::string normalized = normalize_command(name);
    if (normalized.empty()) {
      error_ = "bot.on_command: \"" + std::string(name) + "\" is not a command name";
      return false;
    }
    if (has_command(normalized)) {
      error_ = "bot.on_command: " + normalized + " is already registered";
      return false;
    }
    commands_.push_back({std::move(normalized), std::string(description), admin_only});
    return true;
  } catch (...) {
    error_ = "bot.on_command: out of memory";
    return false;
  }
}

int Plugin::lua_on_message(lua_State* state) {
  Plugin& plugin = self(state);
  luaL_checktype(state, 1, LUA_TFUNCTION);
  if (!plugin.loading_) {
    return luaL_error(state, "bot.on_message: handlers are registered while the plugin loads");
  }
  lua_getfield(state, LUA_REGISTRYINDEX, kMessageHandlersKey);
  lua_pushvalue(state, 1);
  lua_rawseti(state, -2, plugin.message_handlers_ + 1);
  ++plugin.message_handlers_;
  return 0;
}

// bot.on_command(name, description, fn) or bot.on_command(name, fn).
int Plugin::lua_on_command(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t name_size = 0;
  const char* name = luaL_checklstring(state, 1, &name_size);
  std::size_t description_size = 0;
  const char* description = "";
  int function_index = 2;
  if (lua_type(state, 2) != LUA_TFUNCTION) {
    description = luaL_checklstring(state, 2, &description_size);
    function_index = 3;
  }
  luaL_checktype(state, function_index, LUA_TFUNCTION);
  // An optional options table after the function: { admin = true }.
  bool admin_only = false;
  if (!lua_isnoneornil(state, function_index + 1)) {
    luaL_checktype(state, function_index + 1, LUA_TTABLE);
    lua_getfield(state, function_index + 1, "admin");
    admin_only = lua_toboolean(state, -1) != 0;
    lua_pop(state, 1);
  }
  if (!plugin.loading_) {
    return luaL_error(state, "bot.on_command: handlers are registered while the plugin loads");
  }
  if (!plugin.add_command({name, name_size}, {description, description_size}, admin_only)) {
    return luaL_error(state, "%s", plugin.error_.c_str());
  }
  lua_getfield(state, LUA_REGISTRYINDEX, kCommandHandlersKey);
  const std::string& key = plugin.commands_.back().name;
  lua_pushlstring(state, key.data(), key.size());
  lua_pushvalue(state, function_index);
  lua_rawset(state, -3);
  return 0;
}

int Plugin::lua_send_text(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer chat_id = luaL_checkinteger(state, 1);
  std::size_t size = 0;
  const char* text = luaL_checklstring(state, 2, &size);
  if (!plugin.host_call([&] { return plugin.host_->send_text(chat_id, {text, size}); })) {
    return luaL_error(state, "bot.send_text: %s", plugin.error_.c_str());
  }
  return 0;
}

// bot.log(...) and print(...): the arguments as tostring() shows them, separated by spaces.
int Plugin::lua_log(lua_State* state) {
  Plugin& plugin = self(state);
  const int n = lua_gettop(state);
  luaL_Buffer buffer;
  luaL_buffinit(state, &buffer);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) {
      luaL_addchar(&buffer, ' ');
    }
    luaL_tolstring(state, i, nullptr);
    luaL_addvalue(&buffer);
  }
  luaL_pushresult(&buffer);
  std::size_t size = 0;
  const char* line = lua_tolstring(state, -1, &size);
  plugin.host_call([&]() -> Result<> {
    plugin.host_->log(log::Level::Info, {line, size});
    return {};
  });
  return 0;
}

int Plugin::lua_storage_get(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t key_size = 0;
  const char* key = luaL_checklstring(state, 1, &key_size);
  bool found = false;
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(auto value, plugin.host_->storage_get({key, key_size}));
    found = value.has_value();
    plugin.value_ = found ? std::move(*value) : std::string();
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.storage.get: %s", plugin.error_.c_str());
  }
  if (!found) {
    lua_pushnil(state);
  } else {
    push_view(state, plugin.value_);
  }
  return 1;
}

int Plugin::lua_storage_set(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t key_size = 0;
  const char* key = luaL_checklstring(state, 1, &key_size);
  if (lua_isnoneornil(state, 2)) {
    return lua_storage_delete(state);
  }
  if (lua_type(state, 2) != LUA_TSTRING && lua_type(state, 2) != LUA_TNUMBER) {
    return luaL_error(state, "bot.storage.set: values are strings or numbers, not %s",
                      luaL_typename(state, 2));
  }
  std::size_t value_size = 0;
  const char* value = lua_tolstring(state, 2, &value_size);
  if (key_size == 0 || key_size > kMaxStorageKey) {
    return luaL_error(state, "bot.storage.set: keys are 1 to %d bytes",
                      static_cast<int>(kMaxStorageKey));
  }
  if (value_size > kMaxStorageValue) {
    return luaL_error(state, "bot.storage.set: values are at most %d bytes",
                      static_cast<int>(kMaxStorageValue));
  }
  if (!plugin.host_call([&] {
        return plugin.host_->storage_set({key, key_size}, {value, value_size});
      })) {
    return luaL_error(state, "bot.storage.set: %s", plugin.error_.c_str());
  }
  return 0;
}

int Plugin::lua_storage_delete(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t key_size = 0;
  const char* key = luaL_checklstring(state, 1, &key_size);
  if (!plugin.host_call([&] { return plugin.host_->storage_delete({key, key_size}); })) {
    return luaL_error(state, "bot.storage.delete: %s", plugin.error_.c_str());
  }
  return 0;
}

// ev:reply(text). Upvalues: the Plugin and the serial of the event it belongs to.
int Plugin::lua_reply(lua_State* state) {
  Plugin& plugin = self(state);
  if (lua_type(state, 1) != LUA_TTABLE) {
    return luaL_error(state, "ev:reply: call it with a colon, ev:reply(text)");
  }
  std::size_t size = 0;
  const char* text = luaL_checklstring(state, 2, &size);
  const auto serial = static_cast<std::uint64_t>(lua_tointeger(state, lua_upvalueindex(2)));
  if (plugin.current_ == nullptr || plugin.current_->serial != serial) {
    return luaL_error(state,
                      "ev:reply: the event's handler has returned; use bot.send_text(ev.chat_id, "
                      "text)");
  }
  const Message& message = *plugin.current_->message;
  if (!plugin.host_call([&] { return plugin.host_->reply(message, {text, size}); })) {
    return luaL_error(state, "ev:reply: %s", plugin.error_.c_str());
  }
  return 0;
}

void Plugin::push_event(lua_State* state, Plugin& plugin, const Dispatch& dispatch) {
  const Message& message = *dispatch.message;
  lua_createtable(state, 0, 9);
  push_view(state, message.text);
  lua_setfield(state, -2, "text");
  lua_pushinteger(state, static_cast<lua_Integer>(message.chat_id));
  lua_setfield(state, -2, "chat_id");
  lua_pushinteger(state, static_cast<lua_Integer>(message.message_id));
  lua_setfield(state, -2, "message_id");
  lua_pushinteger(state, static_cast<lua_Integer>(message.timestamp));
  lua_setfield(state, -2, "timestamp");

  lua_createtable(state, 0, 5);
  push_view(state, message.sender.addr);
  lua_setfield(state, -2, "addr");
  push_view(state, message.sender.name);
  lua_setfield(state, -2, "name");
  push_view(state, message.sender.fingerprint);
  lua_setfield(state, -2, "fingerprint");
  lua_pushboolean(state, message.sender.verified ? 1 : 0);
  lua_setfield(state, -2, "verified");
  lua_pushboolean(state, message.sender.is_admin ? 1 : 0);
  lua_setfield(state, -2, "is_admin");
  lua_setfield(state, -2, "sender");

  if (message.has_quote) {
    lua_createtable(state, 0, 3);
    push_view(state, message.quote_text);
    lua_setfield(state, -2, "text");
    push_view(state, message.quote_sender);
    lua_setfield(state, -2, "sender_fingerprint");
    lua_pushboolean(state, message.quote_is_bot ? 1 : 0);
    lua_setfield(state, -2, "from_bot");
    lua_setfield(state, -2, "quote");
  }

  if (dispatch.handler == 0) {
    push_view(state, dispatch.command);
    lua_setfield(state, -2, "command");
    push_view(state, dispatch.args);
    lua_setfield(state, -2, "args");
  }
  lua_pushlightuserdata(state, &plugin);
  lua_pushinteger(state, static_cast<lua_Integer>(dispatch.serial));
  lua_pushcclosure(state, lua_reply, 2);
  lua_setfield(state, -2, "reply");
}

// The protected body of one handler call: [1] = Dispatch.
int Plugin::run_handler(lua_State* state) {
  const auto& dispatch = *static_cast<const Dispatch*>(lua_touserdata(state, 1));
  if (dispatch.handler > 0) {
    lua_getfield(state, LUA_REGISTRYINDEX, kMessageHandlersKey);
    lua_rawgeti(state, -1, dispatch.handler);
  } else {
    lua_getfield(state, LUA_REGISTRYINDEX, kCommandHandlersKey);
    push_view(state, dispatch.command);
    lua_rawget(state, -2);
  }
  push_event(state, *dispatch.plugin, dispatch);
  if (dispatch.handler > 0) {
    lua_call(state, 1, 0);
  } else {
    push_view(state, dispatch.args);
    lua_call(state, 2, 0);
  }
  return 0;
}

Result<> Host::send_file(std::int64_t /*chat_id*/, const std::filesystem::path& /*file*/,
                         std::string_view /*text*/) {
  return make_error(Errc::Unsupported, "sending files is not available in this host");
}

Result<std::string> Host::invite_link() {
  return make_error(Errc::Unsupported, "invite links are not available in this host");
}

Result<std::vector<std::string>> Host::admins() {
  return std::vector<std::string>{};
}

Result<std::int64_t> Host::chat_with(std::string_view /*fingerprint*/) {
  return make_error(Errc::Unsupported, "chats are not available in this host");
}

Result<std::filesystem::path> Plugin::plugin_path(std::string_view relative_text) const {
  const std::filesystem::path relative{std::string(relative_text)};
  if (relative.empty() || relative.is_absolute()
      || std::any_of(relative.begin(), relative.end(),
                     [](const std::filesystem::path& part) { return part == ".."; })) {
    return make_error(Errc::InvalidArgument,
                      "the path must be relative to the plugin's directory, without \"..\"");
  }
  return file_.parent_path() / relative;
}

Result<std::int64_t> Host::send_webxdc(std::int64_t /*chat_id*/,
                                       const std::filesystem::path& /*app*/,
                                       std::string_view /*text*/) {
  return make_error(Errc::Unsupported, "webxdc is not available in this host");
}

Result<> Host::send_webxdc_update(std::int64_t /*instance*/, std::string_view /*payload_json*/,
                                  std::string_view /*info*/, std::string_view /*summary*/,
                                  std::string_view /*document*/) {
  return make_error(Errc::Unsupported, "webxdc is not available in this host");
}

Result<std::string> Host::webxdc_self_addr(std::string_view /*fingerprint*/,
                                           std::string_view /*instance_mid*/) {
  return make_error(Errc::Unsupported, "webxdc is not available in this host");
}

Result<> Host::react(std::int64_t /*chat_id*/, std::string_view /*target_mid*/,
                     std::string_view /*emoji*/) {
  return make_error(Errc::Unsupported, "reactions are not available in this host");
}

// bot.send_webxdc(chat_id, path [, text]) -> the instance's message id. `path` is an .xdc file or
// a folder (zipped by the bot) inside the plugin's directory.
int Plugin::lua_send_webxdc(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer chat_id = luaL_checkinteger(state, 1);
  std::size_t path_size = 0;
  const char* path = luaL_checklstring(state, 2, &path_size);
  std::size_t text_size = 0;
  const char* text = luaL_optlstring(state, 3, "", &text_size);
  std::int64_t instance = 0;
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(auto app, plugin.plugin_path({path, path_size}));
    DCBOT_TRY(instance, plugin.host_->send_webxdc(chat_id, app, {text, text_size}));
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.send_webxdc: %s", plugin.error_.c_str());
  }
  lua_pushinteger(state, static_cast<lua_Integer>(instance));
  return 1;
}

// bot.send_webxdc_update(instance, payload_json [, { info =, summary =, document = }]).
int Plugin::lua_send_webxdc_update(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer instance = luaL_checkinteger(state, 1);
  std::size_t payload_size = 0;
  const char* payload = luaL_checklstring(state, 2, &payload_size);
  std::array<std::string_view, 3> texts{};
  if (!lua_isnoneornil(state, 3)) {
    luaL_checktype(state, 3, LUA_TTABLE);
    const std::array<const char*, 3> keys = {"info", "summary", "document"};
    for (std::size_t i = 0; i < keys.size(); ++i) {
      lua_getfield(state, 3, keys[i]);
      if (!lua_isnil(state, -1)) {
        std::size_t size = 0;
        const char* text = luaL_checklstring(state, -1, &size);
        texts[i] = {text, size};  // Stays valid: the string is in the options table.
      }
      lua_pop(state, 1);
    }
  }
  if (!plugin.host_call([&] {
        return plugin.host_->send_webxdc_update(instance, {payload, payload_size}, texts[0],
                                                texts[1], texts[2]);
      })) {
    return luaL_error(state, "bot.send_webxdc_update: %s", plugin.error_.c_str());
  }
  return 0;
}

// bot.webxdc_self_addr(fingerprint, instance_mid) -> the member's window.webxdc.selfAddr.
int Plugin::lua_webxdc_self_addr(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t fpr_size = 0;
  const char* fpr = luaL_checklstring(state, 1, &fpr_size);
  std::size_t mid_size = 0;
  const char* mid = luaL_checklstring(state, 2, &mid_size);
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(plugin.value_, plugin.host_->webxdc_self_addr({fpr, fpr_size}, {mid, mid_size}));
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.webxdc_self_addr: %s", plugin.error_.c_str());
  }
  push_view(state, plugin.value_);
  return 1;
}

// bot.react(chat_id, target_mid, emoji); an empty emoji retracts the bot's reaction.
int Plugin::lua_react(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer chat_id = luaL_checkinteger(state, 1);
  std::size_t mid_size = 0;
  const char* mid = luaL_checklstring(state, 2, &mid_size);
  std::size_t emoji_size = 0;
  const char* emoji = luaL_checklstring(state, 3, &emoji_size);
  if (!plugin.host_call([&] {
        return plugin.host_->react(chat_id, {mid, mid_size}, {emoji, emoji_size});
      })) {
    return luaL_error(state, "bot.react: %s", plugin.error_.c_str());
  }
  return 0;
}

Result<std::vector<std::string>> Host::group_action(std::string_view kind,
                                                    const std::vector<std::int64_t>& /*numbers*/,
                                                    const std::vector<std::string>& /*texts*/) {
  return make_error(Errc::Unsupported, fmt::format("{} is not available in this host", kind));
}

// bot.create_group(name, {members}) -> chat id; bot.add_member(chat, contact);
// bot.remove_member(chat, contact); bot.rename_group(chat, name); bot.leave_group(chat);
// bot.group_invite_link(chat) -> link; bot.group_members(chat) -> {fingerprints};
// bot.send(chat, text) -> Message-ID; bot.edit_message(chat, mid, text);
// bot.delete_message(chat, mid); bot.create_channel(name) -> chat id;
// bot.channel_invite_link(chat) -> link. Upvalue 2: the action's name.
int Plugin::lua_group_action(lua_State* state) {
  Plugin& plugin = self(state);
  const char* kind = lua_tostring(state, lua_upvalueindex(2));
  const std::string_view name(kind);
  const bool name_first =
      name == "create_group" || name == "create_channel" || name == "admin_group";
  // Read every argument before any C++ object exists (luaL_check* may raise).
  const int top = lua_gettop(state);
  lua_Integer chat = 0;
  int first_text = 1;
  if (!name_first) {
    chat = luaL_checkinteger(state, 1);
    first_text = 2;
  }
  const int text_count = name == "add_member" || name == "remove_member" || name == "rename_group"
                                 || name == "send" || name == "delete_message"
                                 || name == "create_group" || name == "create_channel"
                             ? 1
                         : name == "edit_message" ? 2
                                                  : 0;
  for (int i = first_text; i < first_text + text_count; ++i) {
    luaL_checkstring(state, i);
  }
  const int members_index = name == "create_group" ? 2 : 0;
  if (members_index != 0 && !lua_isnoneornil(state, members_index)) {
    luaL_checktype(state, members_index, LUA_TTABLE);
    const lua_Integer n = luaL_len(state, members_index);
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_geti(state, members_index, i);
      luaL_checkstring(state, -1);
      lua_pop(state, 1);
    }
  }
  (void)top;
  std::size_t results = 0;
  const bool ok = plugin.host_call([&]() -> Result<> {
    std::vector<std::int64_t> numbers;
    if (!name_first) {
      numbers.push_back(chat);
    }
    std::vector<std::string> texts;
    for (int i = first_text; i < first_text + text_count; ++i) {
      std::size_t size = 0;
      const char* text = lua_tolstring(state, i, &size);
      texts.emplace_back(text, size);
    }
    if (members_index != 0 && lua_istable(state, members_index)) {
      const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(state, members_index));
      for (lua_Integer i = 1; i <= n; ++i) {
        lua_rawgeti(state, members_index, i);
        std::size_t size = 0;
        const char* text = lua_tolstring(state, -1, &size);
        texts.emplace_back(text == nullptr ? "" : std::string(text, size));
        lua_pop(state, 1);
      }
    }
    DCBOT_TRY(plugin.values_, plugin.host_->group_action(name, numbers, texts));
    results = plugin.values_.size();
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.%s: %s", kind, plugin.error_.c_str());
  }
  if (name == "group_members") {
    lua_createtable(state, static_cast<int>(std::min<std::size_t>(results, 1 << 20)), 0);
    for (std::size_t i = 0; i < results; ++i) {
      push_view(state, plugin.values_[i]);
      lua_rawseti(state, -2, static_cast<lua_Integer>(i) + 1);
    }
    return 1;
  }
  if (results == 0) {
    return 0;
  }
  if (name == "create_group" || name == "create_channel" || name == "admin_group") {
    lua_pushinteger(state, static_cast<lua_Integer>(std::stoll(plugin.values_[0])));
    return 1;
  }
  push_view(state, plugin.values_[0]);
  return 1;
}

// bot.admins() -> a list of key fingerprints.
int Plugin::lua_admins(lua_State* state) {
  Plugin& plugin = self(state);
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(plugin.values_, plugin.host_->admins());
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.admins: %s", plugin.error_.c_str());
  }
  lua_createtable(state, static_cast<int>(std::min<std::size_t>(plugin.values_.size(), 1 << 20)),
                  0);
  for (std::size_t i = 0; i < plugin.values_.size(); ++i) {
    push_view(state, plugin.values_[i]);
    lua_rawseti(state, -2, static_cast<lua_Integer>(i) + 1);
  }
  return 1;
}

// bot.chat_with(fingerprint) -> the chat id of the 1:1 chat with that contact.
int Plugin::lua_chat_with(lua_State* state) {
  Plugin& plugin = self(state);
  std::size_t size = 0;
  const char* fingerprint = luaL_checklstring(state, 1, &size);
  std::int64_t chat = 0;
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(chat, plugin.host_->chat_with({fingerprint, size}));
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.chat_with: %s", plugin.error_.c_str());
  }
  lua_pushinteger(state, static_cast<lua_Integer>(chat));
  return 1;
}

// bot.on_<kind>(fn). Upvalues: the Plugin and the kind.
int Plugin::lua_on_event(lua_State* state) {
  Plugin& plugin = self(state);
  luaL_checktype(state, 1, LUA_TFUNCTION);
  std::size_t kind_size = 0;
  const char* kind = lua_tolstring(state, lua_upvalueindex(2), &kind_size);
  if (!plugin.loading_) {
    return luaL_error(state, "bot.on_%s: handlers are registered while the plugin loads", kind);
  }
  int count = 0;
  const bool ok = plugin.host_call([&]() -> Result<> {
    count = ++plugin.event_handlers_[std::string(kind, kind_size)];
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.on_%s: %s", kind, plugin.error_.c_str());
  }
  lua_getfield(state, LUA_REGISTRYINDEX, kEventHandlersKey);
  lua_pushlstring(state, kind, kind_size);
  if (lua_rawget(state, -2) != LUA_TTABLE) {
    lua_pop(state, 1);
    lua_newtable(state);
    lua_pushlstring(state, kind, kind_size);
    lua_pushvalue(state, -2);
    lua_rawset(state, -4);
  }
  lua_pushvalue(state, 1);
  lua_rawseti(state, -2, count);
  return 0;
}

// What run_event needs.
struct EventDispatch {
  std::string_view kind;
  const std::vector<Field>* fields = nullptr;
  int handler = 0;
};

// The protected body of one event handler call: [1] = EventDispatch.
int Plugin::run_event(lua_State* state) {
  const auto& dispatch = *static_cast<const EventDispatch*>(lua_touserdata(state, 1));
  lua_getfield(state, LUA_REGISTRYINDEX, kEventHandlersKey);
  push_view(state, dispatch.kind);
  lua_rawget(state, -2);
  lua_rawgeti(state, -1, dispatch.handler);
  lua_createtable(state, 0, static_cast<int>(dispatch.fields->size()));
  for (const Field& field : *dispatch.fields) {
    if (const auto* number = std::get_if<std::int64_t>(&field.value)) {
      lua_pushinteger(state, static_cast<lua_Integer>(*number));
    } else if (const auto* text = std::get_if<std::string>(&field.value)) {
      push_view(state, *text);
    } else if (const auto* b = std::get_if<bool>(&field.value)) {
      lua_pushboolean(state, *b ? 1 : 0);
    } else {
      const auto& list = std::get<std::vector<std::string>>(field.value);
      lua_createtable(state, static_cast<int>(std::min<std::size_t>(list.size(), 1 << 20)), 0);
      for (std::size_t i = 0; i < list.size(); ++i) {
        push_view(state, list[i]);
        lua_rawseti(state, -2, static_cast<lua_Integer>(i) + 1);
      }
    }
    push_view(state, field.name);
    lua_insert(state, -2);
    lua_rawset(state, -3);
  }
  lua_call(state, 1, 0);
  return 0;
}

int Plugin::event_handler_count(std::string_view kind) const {
  auto it = event_handlers_.find(kind);
  return it == event_handlers_.end() ? 0 : it->second;
}

Result<> Plugin::handle_event(std::string_view kind, const std::vector<Field>& fields) {
  std::optional<Error> first;
  const int count = event_handler_count(kind);
  for (int i = 1; i <= count; ++i) {
    EventDispatch dispatch{.kind = kind, .fields = &fields, .handler = i};
    auto result = sandbox_->protected_call(&Plugin::run_event, &dispatch);
    if (!result && !first) {
      first = std::move(result).error();
    }
  }
  if (first) {
    return *std::move(first);
  }
  return {};
}

namespace {

// Whether `value` is of schema type `type` ("string", "integer", "number", "boolean", "list",
// "map", "any").
bool has_type(const config::Value& value, std::string_view type) {
  using Kind = config::Value::Kind;
  const Kind kind = value.kind();
  if (type == "any") {
    return true;
  }
  if (type == "string") {
    return kind == Kind::String;
  }
  if (type == "integer") {
    return kind == Kind::Int;
  }
  if (type == "number") {
    return kind == Kind::Int || kind == Kind::Double;
  }
  if (type == "boolean") {
    return kind == Kind::Bool;
  }
  if (type == "list") {
    return kind == Kind::List;
  }
  return type == "map" && kind == Kind::Map;
}

bool known_type(std::string_view type) {
  for (std::string_view known : {"string", "integer", "number", "boolean", "list", "map", "any"}) {
    if (type == known) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Plugin::check_config(const std::vector<std::pair<std::string, std::string>>& schema) noexcept {
  try {
    std::string known;
    for (const auto& [key, type] : schema) {
      std::string_view base = type;
      if (base.ends_with('?')) {
        base.remove_suffix(1);
      }
      if (!known_type(base)) {
        error_ = fmt::format(
            "bot.config_schema: unknown type \"{}\" for {} (string, integer, number, boolean, "
            "list, map, any; \"?\" makes it optional)",
            type, key);
        return false;
      }
      known += known.empty() ? key : ", " + key;
    }
    const config::Value::Map* entries = nullptr;
    if (!config_.is_null()) {
      if (!config_.is_map()) {
        error_ = config_.error("config: expected a map").message;
        return false;
      }
      entries = *config_.as_map();
      for (const auto& entry : *entries) {
        auto spec = std::find_if(schema.begin(), schema.end(),
                                 [&](const auto& s) { return s.first == entry.key; });
        if (spec == schema.end()) {
          error_ = config::config_error(entry.key_mark,
                                        fmt::format("config: unknown key \"{}\" for plugin \"{}\" "
                                                    "(expected one of: {})",
                                                    entry.key, sandbox_->name(), known))
                       .message;
          return false;
        }
        std::string_view type = spec->second;
        const bool optional = type.ends_with('?');
        if (optional) {
          type.remove_suffix(1);
        }
        if (!(optional && entry.value.is_null()) && !has_type(entry.value, type)) {
          error_ = entry.value
                       .error(fmt::format("config.{}: expected {}, got {}", entry.key, type,
                                          config::Value::kind_name(entry.value.kind())))
                       .message;
          return false;
        }
      }
    }
    for (const auto& [key, type] : schema) {
      if (type.ends_with('?')) {
        continue;
      }
      if (entries == nullptr || config_.find(key) == nullptr) {
        const std::string what = fmt::format("config: plugin \"{}\" needs the key \"{}\" ({})",
                                             sandbox_->name(), key, type);
        error_ = config_.is_null() ? what : config_.error(what).message;
        return false;
      }
    }
    return true;
  } catch (...) {
    error_ = "bot.config_schema: out of memory";
    return false;
  }
}

// bot.config_schema{ key = "type", other = "type?" }: checks the plugin's `config:` block while
// the plugin loads; a mismatch fails the load with the YAML position of the bad value.
int Plugin::lua_config_schema(lua_State* state) {
  Plugin& plugin = self(state);
  luaL_checktype(state, 1, LUA_TTABLE);
  if (!plugin.loading_) {
    return luaL_error(state, "bot.config_schema: call it while the plugin loads");
  }
  std::vector<std::pair<std::string, std::string>> schema;
  bool ok = true;
  lua_pushnil(state);
  while (lua_next(state, 1) != 0) {
    if (lua_type(state, -2) != LUA_TSTRING || lua_type(state, -1) != LUA_TSTRING) {
      lua_pop(state, 2);
      ok = plugin.host_call([&]() -> Result<> {
        return make_error(Errc::InvalidArgument, "bot.config_schema: keys and types are strings");
      });
      break;
    }
    std::size_t key_size = 0;
    const char* key = lua_tolstring(state, -2, &key_size);
    std::size_t type_size = 0;
    const char* type = lua_tolstring(state, -1, &type_size);
    ok = plugin.host_call([&]() -> Result<> {
      schema.emplace_back(std::string(key, key_size), std::string(type, type_size));
      return {};
    });
    lua_pop(state, 1);
    if (!ok) {
      lua_pop(state, 1);
      break;
    }
  }
  // `schema` must be gone before Lua raises (longjmp skips destructors).
  bool valid = ok && plugin.check_config(schema);
  schema = {};
  schema.shrink_to_fit();
  if (!valid) {
    lua_pushlstring(state, plugin.error_.data(), plugin.error_.size());
    return lua_error(state);
  }
  return 0;
}

// bot.send_file(chat_id, path [, text]): `path` is relative to the plugin's directory and stays
// inside it (no absolute paths, no ".."), so a plugin can't mail the host's files around.
int Plugin::lua_send_file(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer chat_id = luaL_checkinteger(state, 1);
  std::size_t path_size = 0;
  const char* path = luaL_checklstring(state, 2, &path_size);
  std::size_t text_size = 0;
  const char* text = luaL_optlstring(state, 3, "", &text_size);
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(auto file, plugin.plugin_path({path, path_size}));
    return plugin.host_->send_file(chat_id, file, {text, text_size});
  });
  if (!ok) {
    return luaL_error(state, "bot.send_file: %s", plugin.error_.c_str());
  }
  return 0;
}

int Plugin::lua_invite_link(lua_State* state) {
  Plugin& plugin = self(state);
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(plugin.value_, plugin.host_->invite_link());
    return {};
  });
  if (!ok) {
    return luaL_error(state, "bot.invite_link: %s", plugin.error_.c_str());
  }
  push_view(state, plugin.value_);
  return 1;
}

Result<> Host::schedule_timer(Plugin& /*plugin*/, std::uint64_t /*id*/,
                              std::chrono::milliseconds /*delay*/, bool /*repeat*/) {
  return make_error(Errc::Unsupported, "timers are not available in this host");
}

void Host::cancel_timer(Plugin& /*plugin*/, std::uint64_t /*id*/) {}

int Plugin::lua_every(lua_State* state) {
  return add_timer(state, true);
}

int Plugin::lua_after(lua_State* state) {
  return add_timer(state, false);
}

// bot.every(seconds, fn) / bot.after(seconds, fn) -> timer id.
int Plugin::add_timer(lua_State* state, bool repeat) {
  Plugin& plugin = self(state);
  const char* name = repeat ? "bot.every" : "bot.after";
  const lua_Number seconds = luaL_checknumber(state, 1);
  luaL_checktype(state, 2, LUA_TFUNCTION);
  if (!(seconds >= kMinTimerSeconds && seconds <= kMaxTimerSeconds)) {
    return luaL_error(state, "%s: the interval is 0.001 to %d seconds", name,
                      static_cast<int>(kMaxTimerSeconds));
  }
  const std::uint64_t id = ++plugin.next_timer_;
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
  const bool ok = plugin.host_call([&]() -> Result<> {
    DCBOT_TRY(plugin.host_->schedule_timer(plugin, id, delay, repeat));
    plugin.timers_[id] = repeat;
    return {};
  });
  if (!ok) {
    return luaL_error(state, "%s: %s", name, plugin.error_.c_str());
  }
  lua_getfield(state, LUA_REGISTRYINDEX, kTimersKey);
  lua_pushvalue(state, 2);
  lua_rawseti(state, -2, static_cast<lua_Integer>(id));
  lua_pushinteger(state, static_cast<lua_Integer>(id));
  return 1;
}

// bot.cancel_timer(id): a no-op for unknown or finished timers.
int Plugin::lua_cancel_timer(lua_State* state) {
  Plugin& plugin = self(state);
  const lua_Integer id = luaL_checkinteger(state, 1);
  plugin.host_call([&]() -> Result<> {
    auto it = plugin.timers_.find(static_cast<std::uint64_t>(id));
    if (it != plugin.timers_.end()) {
      plugin.timers_.erase(it);
      plugin.host_->cancel_timer(plugin, static_cast<std::uint64_t>(id));
    }
    return {};
  });
  lua_getfield(state, LUA_REGISTRYINDEX, kTimersKey);
  lua_pushnil(state);
  lua_rawseti(state, -2, id);
  return 0;
}

// The protected body of one timer call: [1] = a pointer to the timer's id.
int Plugin::run_timer(lua_State* state) {
  const auto id =
      static_cast<lua_Integer>(*static_cast<const std::uint64_t*>(lua_touserdata(state, 1)));
  lua_getfield(state, LUA_REGISTRYINDEX, kTimersKey);
  lua_rawgeti(state, -1, id);
  if (lua_type(state, -1) != LUA_TFUNCTION) {
    return 0;
  }
  lua_call(state, 0, 0);
  return 0;
}

Result<> Plugin::handle_timer(std::uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) {
    return make_error(Errc::NotFound,
                      fmt::format("lua: plugin \"{}\": no timer {}", sandbox_->name(), id));
  }
  const bool repeat = it->second;
  std::uint64_t key = id;
  auto result = sandbox_->protected_call(&Plugin::run_timer, &key);
  if (!repeat) {
    timers_.erase(id);
    (void)sandbox_->protected_call(
        [](lua_State* state) {
          const auto done = static_cast<lua_Integer>(
              *static_cast<const std::uint64_t*>(lua_touserdata(state, 1)));
          lua_getfield(state, LUA_REGISTRYINDEX, kTimersKey);
          lua_pushnil(state);
          lua_rawseti(state, -2, done);
          return 0;
        },
        &key);
  }
  return result;
}

Result<> Plugin::handle_message(const Message& message) {
  std::optional<Error> first;
  for (int i = 1; i <= message_handlers_; ++i) {
    Dispatch dispatch{.plugin = this, .message = &message, .handler = i, .serial = ++serial_};
    current_ = &dispatch;
    auto result = sandbox_->protected_call(&Plugin::run_handler, &dispatch);
    current_ = nullptr;
    if (!result && !first) {
      first = std::move(result).error();
    }
  }
  if (first) {
    return *std::move(first);
  }
  return {};
}

Result<> Plugin::handle_command(const Message& message, std::string_view command,
                                std::string_view args) {
  const std::string name = normalize_command(command);
  if (!has_command(name)) {
    return make_error(Errc::NotFound,
                      fmt::format("lua: plugin \"{}\": no command {}", sandbox_->name(), command));
  }
  Dispatch dispatch{
      .plugin = this, .message = &message, .command = name, .args = args, .serial = ++serial_};
  current_ = &dispatch;
  auto result = sandbox_->protected_call(&Plugin::run_handler, &dispatch);
  current_ = nullptr;
  return result;
}

}  // namespace dcbot::lua
