// SPDX-License-Identifier: MIT
#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <system_error>

#include "base/fingerprint.h"
#include "config/loader.h"

#include <fmt/format.h>

namespace dcbot::config {
namespace fs = std::filesystem;

std::string_view security_name(Security security) {
  switch (security) {
    case Security::Tls:
      return "tls";
    case Security::StartTls:
      return "starttls";
    case Security::Plain:
      return "plain";
  }
  return "?";
}

std::string_view plugin_kind_name(PluginKind kind) {
  switch (kind) {
    case PluginKind::Builtin:
      return "builtin";
    case PluginKind::Cpp:
      return "cpp";
    case PluginKind::Lua:
      return "lua";
  }
  return "?";
}

namespace {

using Keys = std::initializer_list<std::string_view>;

// Re-words a Value error as "file:line:col: <path>: <what>".
Error at_path(const Value& v, std::string_view path, const Error& e) {
  std::string prefix = to_string(v.mark()) + ": ";
  std::string msg = e.message;
  if (msg.starts_with(prefix)) {
    msg.erase(0, prefix.size());
  }
  if (path.empty()) {
    return config_error(v.mark(), msg);
  }
  return config_error(v.mark(), fmt::format("{}: {}", path, msg));
}

// Unknown keys are errors so that typos never silently fall back to defaults.
Result<const Value::Map*> expect_map(const Value& v, std::string_view path, Keys allowed) {
  if (auto map = v.as_map(); !map) {
    return at_path(v, path, map.error());
  }
  return v.as_map_with_keys(path, allowed);
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

Result<std::string> read_string(const Value& v, std::string_view path) {
  auto s = v.as_string();
  if (!s) {
    return at_path(v, path, s.error());
  }
  return s;
}

Result<std::string> read_nonempty(const Value& v, std::string_view path) {
  DCBOT_TRY(std::string s, read_string(v, path));
  if (s.empty()) {
    return config_error(v.mark(), fmt::format("{}: must not be empty", path));
  }
  return s;
}

Result<bool> read_bool(const Value& v, std::string_view path) {
  auto b = v.as_bool();
  if (!b) {
    return at_path(v, path, b.error());
  }
  return b;
}

Result<std::int64_t> read_int(const Value& v, std::string_view path, std::int64_t min,
                              std::int64_t max) {
  auto i = v.as_int();
  if (!i) {
    return at_path(v, path, i.error());
  }
  if (*i < min || *i > max) {
    return config_error(v.mark(),
                        fmt::format("{}: {} is out of range ({}..{})", path, *i, min, max));
  }
  return i;
}

fs::path resolve(const fs::path& base_dir, const std::string& p) {
  fs::path path(p);
  if (path.is_absolute()) {
    return path.lexically_normal();
  }
  return (base_dir / path).lexically_normal();
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool plausible_addr(std::string_view addr) {
  std::size_t at = addr.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()
      || addr.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(addr.begin(), addr.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>';
  });
}

class Reader {
 public:
  Reader(fs::path base_dir, const LoadOptions& options)
      : base_dir_(std::move(base_dir)), options_(options) {}

  Result<ServerConfig> server(const Value& v, std::string_view path, bool imap) {
    DCBOT_TRY(expect_map(v, path, {"host", "port", "security", "user"}));
    ServerConfig s;
    const Value* host = v.find("host");
    if (host == nullptr) {
      return config_error(v.mark(), fmt::format("{}: missing key \"host\"", path));
    }
    DCBOT_TRY(s.host, read_nonempty(*host, join_path(path, "host")));
    if (const Value* sec = v.find("security")) {
      DCBOT_TRY(std::string name, read_string(*sec, join_path(path, "security")));
      if (name == "tls") {
        s.security = Security::Tls;
      } else if (name == "starttls") {
        s.security = Security::StartTls;
      } else if (name == "plain") {
        s.security = Security::Plain;
      } else {
        return config_error(sec->mark(),
                            fmt::format("{}: unknown security \"{}\" (expected one of: tls, "
                                        "starttls, plain)",
                                        join_path(path, "security"), name));
      }
    }
    if (const Value* port = v.find("port")) {
      DCBOT_TRY(std::int64_t p, read_int(*port, join_path(path, "port"), 1, 65535));
      s.port = static_cast<std::uint16_t>(p);
    } else if (imap) {
      s.port = s.security == Security::Tls ? 993 : 143;
    } else {
      s.port = s.security == Security::Tls ? 465 : s.security == Security::StartTls ? 587 : 25;
    }
    if (const Value* user = v.find("user")) {
      DCBOT_TRY(s.user, read_nonempty(*user, join_path(path, "user")));
    }
    return s;
  }

  Result<std::string> password_from_file(const MapEntry& entry) {
    DCBOT_TRY(std::string name, read_nonempty(entry.value, "account.password_file"));
    fs::path p = resolve(base_dir_, name);
    std::ifstream in(p, std::ios::binary);
    std::error_code ec;
    if (!in || fs::is_directory(p, ec)) {
      return config_error(entry.key_mark,
                          fmt::format("account.password_file: cannot read \"{}\"", p.string()));
    }
    std::ostringstream content;
    content << in.rdbuf();
    std::string secret = content.str();
    // Editors end files with a newline; it is never part of the password.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
      secret.pop_back();
    }
    if (secret.empty()) {
      return config_error(entry.key_mark,
                          fmt::format("account.password_file: \"{}\" is empty", p.string()));
    }
    return secret;
  }

  Result<std::string> password_from_env(const MapEntry& entry) {
    DCBOT_TRY(std::string name, read_nonempty(entry.value, "account.password_env"));
    // Configs are loaded before any thread starts (STYLE.md §2: one io thread): getenv is safe.
    std::optional<std::string> value;
    if (options_.getenv) {
      value = options_.getenv(name);
    } else if (const char* env = std::getenv(name.c_str())) {  // NOLINT(concurrency-mt-unsafe)
      value = std::string(env);
    }
    if (!value || value->empty()) {
      return config_error(
          entry.key_mark,
          fmt::format("account.password_env: environment variable {} is not set", name));
    }
    return *value;
  }

  Result<AccountConfig> account(const Value& v) {
    DCBOT_TRY(const Value::Map* map,
              expect_map(v, "account",
                         {"addr", "password", "password_file", "password_env", "imap", "smtp",
                          "tls_verify", "invite"}));
    AccountConfig a;
    a.mark = v.mark();
    if (const Value* tls = v.find("tls_verify")) {
      DCBOT_TRY(a.tls_verify, read_bool(*tls, "account.tls_verify"));
    }
    if (const Value* invite = v.find("invite")) {
      DCBOT_TRY(a.invite, read_nonempty(*invite, "account.invite"));
      if (!starts_with_nocase(a.invite, "dcaccount:")
          && !starts_with_nocase(a.invite, "dclogin:")) {
        return config_error(invite->mark(),
                            R"(account.invite: expected a "dcaccount:" or "dclogin:" URL)");
      }
      // The URL carries the address, the password and the servers.
      for (const MapEntry& e : *map) {
        if (e.key != "invite" && e.key != "tls_verify") {
          return config_error(e.key_mark, fmt::format("account.{}: not allowed together with "
                                                      "account.invite",
                                                      e.key));
        }
      }
      return a;
    }
    const Value* addr = v.find("addr");
    if (addr == nullptr) {
      return config_error(v.mark(), R"(account: missing key "addr" (or give "invite"))");
    }
    DCBOT_TRY(a.addr, read_nonempty(*addr, "account.addr"));
    if (!plausible_addr(a.addr)) {
      return config_error(addr->mark(),
                          fmt::format("account.addr: \"{}\" is not an email address", a.addr));
    }
    const MapEntry* secret = nullptr;
    for (const MapEntry& e : *map) {
      if (e.key != "password" && e.key != "password_file" && e.key != "password_env") {
        continue;
      }
      if (secret != nullptr) {
        return config_error(e.key_mark, fmt::format("account.{}: give only one of password, "
                                                    "password_file, password_env",
                                                    e.key));
      }
      secret = &e;
    }
    if (secret == nullptr) {
      return config_error(v.mark(),
                          "account: missing password (give password, password_file or "
                          "password_env)");
    }
    if (secret->key == "password") {
      DCBOT_TRY(a.password, read_nonempty(secret->value, "account.password"));
      a.password_source = PasswordSource::Inline;
    } else if (secret->key == "password_file") {
      DCBOT_TRY(a.password, password_from_file(*secret));
      a.password_source = PasswordSource::File;
    } else {
      DCBOT_TRY(a.password, password_from_env(*secret));
      a.password_source = PasswordSource::Env;
    }
    if (const Value* imap = v.find("imap")) {
      DCBOT_TRY(a.imap, server(*imap, "account.imap", true));
    }
    if (const Value* smtp = v.find("smtp")) {
      DCBOT_TRY(a.smtp, server(*smtp, "account.smtp", false));
    }
    for (std::optional<ServerConfig>* s : {&a.imap, &a.smtp}) {
      if (*s && (*s)->user.empty()) {
        (*s)->user = a.addr;
      }
    }
    return a;
  }

  Result<ProfileConfig> profile(const Value& v) {
    DCBOT_TRY(expect_map(v, "profile", {"name", "avatar", "status"}));
    ProfileConfig p;
    if (const Value* name = v.find("name")) {
      DCBOT_TRY(p.name, read_string(*name, "profile.name"));
    }
    if (const Value* status = v.find("status")) {
      DCBOT_TRY(p.status, read_string(*status, "profile.status"));
    }
    if (const Value* avatar = v.find("avatar")) {
      DCBOT_TRY(std::string path, read_nonempty(*avatar, "profile.avatar"));
      fs::path resolved = resolve(base_dir_, path);
      std::error_code ec;
      if (!fs::is_regular_file(resolved, ec)) {
        return config_error(avatar->mark(),
                            fmt::format("profile.avatar: no such file \"{}\"", resolved.string()));
      }
      p.avatar = resolved;
    }
    return p;
  }

  static Result<LimitsConfig> limits(const Value& v) {
    DCBOT_TRY(
        expect_map(v, "limits", {"send_per_minute", "send_burst", "user_messages_per_minute"}));
    constexpr std::int64_t kMax = 1000000;
    LimitsConfig l;
    if (const Value* x = v.find("send_per_minute")) {
      DCBOT_TRY(std::int64_t n, read_int(*x, "limits.send_per_minute", 0, kMax));
      l.send_per_minute = static_cast<int>(n);
    }
    if (const Value* x = v.find("send_burst")) {
      DCBOT_TRY(std::int64_t n, read_int(*x, "limits.send_burst", 1, kMax));
      l.send_burst = static_cast<int>(n);
    }
    if (const Value* x = v.find("user_messages_per_minute")) {
      DCBOT_TRY(std::int64_t n, read_int(*x, "limits.user_messages_per_minute", 0, kMax));
      l.user_messages_per_minute = static_cast<int>(n);
    }
    return l;
  }

  static Result<LoggingConfig> logging(const Value& v) {
    DCBOT_TRY(expect_map(v, "logging", {"level"}));
    LoggingConfig l;
    if (const Value* level = v.find("level")) {
      DCBOT_TRY(std::string name, read_string(*level, "logging.level"));
      if (!log::parse_level(name, l.level)) {
        return config_error(level->mark(),
                            fmt::format("logging.level: unknown level \"{}\" (expected one of: "
                                        "trace, debug, info, warn, error, off)",
                                        name));
      }
    }
    return l;
  }

  Result<PluginEntry> plugin(const Value& v, std::size_t index) {
    std::string path = fmt::format("plugins[{}]", index);
    DCBOT_TRY(const Value::Map* map, expect_map(v, path, {"builtin", "cpp", "lua", "config"}));
    PluginEntry p;
    p.mark = v.mark();
    const MapEntry* kind = nullptr;
    for (const MapEntry& e : *map) {
      if (e.key == "config") {
        continue;
      }
      if (kind != nullptr) {
        return config_error(e.key_mark,
                            fmt::format("{}: give only one of builtin, cpp, lua", path));
      }
      kind = &e;
    }
    if (kind == nullptr) {
      return config_error(v.mark(),
                          fmt::format(R"({}: missing key "builtin", "cpp" or "lua")", path));
    }
    DCBOT_TRY(std::string target, read_nonempty(kind->value, join_path(path, kind->key)));
    if (kind->key == "builtin") {
      p.kind = PluginKind::Builtin;
      p.target = target;
    } else if (kind->key == "lua") {
      p.kind = PluginKind::Lua;
      p.target = resolve(base_dir_, target).string();
      p.target_is_path = true;
    } else {
      p.kind = PluginKind::Cpp;
      p.target_is_path = target.find('/') != std::string::npos || target.ends_with(".so");
      p.target = p.target_is_path ? resolve(base_dir_, target).string() : target;
    }
    if (const Value* config = v.find("config")) {
      p.config = *config;
    } else {
      p.config = Value::null(v.mark());
    }
    return p;
  }

  // A list of OpenPGP v4 fingerprints (40 hex digits; spaces allowed, as apps show them),
  // upper-cased.
  static Result<std::vector<std::string>> read_fingerprints(const Value& v, std::string_view path) {
    std::vector<std::string> out;
    if (v.is_null()) {
      return out;
    }
    auto list = v.as_list();
    if (!list) {
      return at_path(v, std::string(path), list.error());
    }
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
      const Value& item = (**list)[i];
      auto text = item.as_string();
      if (!text) {
        return at_path(item, fmt::format("{}[{}]", path, i), text.error());
      }
      std::string fpr = normalize_fingerprint(*text);
      if (!is_fingerprint(fpr)) {
        return config_error(
            item.mark(),
            fmt::format("{}[{}]: expected a key fingerprint (40 hex digits)", path, i));
      }
      out.push_back(std::move(fpr));
    }
    return out;
  }

  Result<BotConfig> bot(const Value& root, const fs::path& file) {
    if (root.is_null()) {
      return config_error(root.mark(), "the config is empty");
    }
    DCBOT_TRY(expect_map(root, "",
                         {"account", "data_dir", "profile", "limits", "logging", "read_receipts",
                          "admins", "plugins"}));
    BotConfig c;
    c.file = file;
    if (const Value* account_v = root.find("account")) {
      DCBOT_TRY(c.account, account(*account_v));
    }
    if (const Value* dir = root.find("data_dir")) {
      DCBOT_TRY(std::string d, read_nonempty(*dir, "data_dir"));
      c.data_dir = resolve(base_dir_, d);
    } else {
      c.data_dir = resolve(base_dir_, "data/" + file.stem().string());
    }
    if (const Value* profile_v = root.find("profile")) {
      DCBOT_TRY(c.profile, profile(*profile_v));
    }
    if (const Value* limits_v = root.find("limits")) {
      DCBOT_TRY(c.limits, limits(*limits_v));
    }
    if (const Value* logging_v = root.find("logging")) {
      DCBOT_TRY(c.logging, logging(*logging_v));
    }
    if (const Value* rr = root.find("read_receipts")) {
      DCBOT_TRY(c.read_receipts, read_bool(*rr, "read_receipts"));
    }
    if (const Value* admins = root.find("admins")) {
      DCBOT_TRY(c.admins, read_fingerprints(*admins, "admins"));
    }
    if (const Value* plugins_v = root.find("plugins")) {
      if (!plugins_v->is_null()) {
        auto list = plugins_v->as_list();
        if (!list) {
          return at_path(*plugins_v, "plugins", list.error());
        }
        for (std::size_t i = 0; i < (*list)->size(); ++i) {
          DCBOT_TRY(PluginEntry p, plugin((**list)[i], i));
          c.plugins.push_back(std::move(p));
        }
      }
    }
    return c;
  }

 private:
  fs::path base_dir_;
  const LoadOptions& options_;
};

fs::path absolute_dir_of(const fs::path& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(file, ec);
  if (ec) {
    abs = file;
  }
  return abs.parent_path();
}

}  // namespace

Result<BotConfig> read_bot_config(const Value& root, const fs::path& file, const fs::path& base_dir,
                                  const LoadOptions& options) {
  Reader reader(base_dir, options);
  return reader.bot(root, file);
}

Result<BotConfig> parse_bot_config(std::string_view yaml, const fs::path& file,
                                   const fs::path& base_dir, const LoadOptions& options) {
  DCBOT_TRY(Value root, parse_yaml(yaml, file.string()));
  return read_bot_config(root, file, base_dir, options);
}

Result<BotConfig> load_bot_config(const fs::path& file, const LoadOptions& options) {
  DCBOT_TRY(Value root, load_yaml_file(file));
  return read_bot_config(root, file, absolute_dir_of(file), options);
}

namespace {

Result<std::vector<BotConfig>> read_host(const Value& root, const fs::path& file,
                                         const LoadOptions& options) {
  DCBOT_TRY(expect_map(root, "", {"bots"}));
  const Value* bots = root.find("bots");
  if (bots == nullptr) {
    return config_error(root.mark(), "missing key \"bots\"");
  }
  auto list = bots->as_list();
  if (!list) {
    return at_path(*bots, "bots", list.error());
  }
  if ((*list)->empty()) {
    return config_error(bots->mark(), "bots: the list is empty");
  }
  fs::path base = absolute_dir_of(file);
  std::vector<BotConfig> out;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const Value& entry = (**list)[i];
    std::string path = fmt::format("bots[{}]", i);
    DCBOT_TRY(std::string name, read_nonempty(entry, path));
    // Bot files are named relative to the host file, and so are their errors.
    fs::path shown = (file.parent_path() / name).lexically_normal();
    if (fs::path(name).is_absolute()) {
      shown = fs::path(name);
    }
    std::error_code ec;
    if (!fs::is_regular_file(resolve(base, name), ec)) {
      return config_error(entry.mark(),
                          fmt::format("{}: no such config file \"{}\"", path, shown.string()));
    }
    DCBOT_TRY(Value bot_root, load_yaml_file(shown));
    DCBOT_TRY(BotConfig bot,
              read_bot_config(bot_root, shown, resolve(base, name).parent_path(), options));
    for (const BotConfig& other : out) {
      if (other.data_dir == bot.data_dir) {
        return config_error(entry.mark(),
                            fmt::format("{}: data_dir \"{}\" is already used by {}", path,
                                        bot.data_dir.string(), other.file.string()));
      }
    }
    out.push_back(std::move(bot));
  }
  return out;
}

}  // namespace

Result<std::vector<BotConfig>> load_host_file(const fs::path& file, const LoadOptions& options) {
  DCBOT_TRY(Value root, load_yaml_file(file));
  if (root.is_null()) {
    return config_error(root.mark(), "the host file is empty");
  }
  return read_host(root, file, options);
}

Result<std::vector<BotConfig>> load_configs(const fs::path& file, const LoadOptions& options) {
  DCBOT_TRY(Value root, load_yaml_file(file));
  if (root.find("bots") != nullptr) {
    return read_host(root, file, options);
  }
  DCBOT_TRY(BotConfig bot, read_bot_config(root, file, absolute_dir_of(file), options));
  std::vector<BotConfig> out;
  out.push_back(std::move(bot));
  return out;
}

}  // namespace dcbot::config
