// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/value.h"
#include "dcbot/log.h"
#include "dcbot/result.h"

// The typed bot configuration (docs/config.md is the user-facing reference). One file is one bot;
// a host file lists several. Every error is Errc::Config and names file:line:col.
namespace dcbot::config {

// How a connection to the relay is secured.
enum class Security { Tls, StartTls, Plain };

// The lower-case YAML spelling: "tls", "starttls", "plain".
std::string_view security_name(Security security);

// `account.imap` or `account.smtp`.
struct ServerConfig {
  std::string host{};
  std::uint16_t port = 0;  // Defaults from security: IMAP 993/143, SMTP 465/587 (plain: 25).
  Security security = Security::Tls;
  std::string user{};  // Login name; set to the account address when not given.

  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

// Where the password came from; the secret itself is in AccountConfig::password.
enum class PasswordSource { None, Inline, File, Env };

// `account:` — either an existing address with its password, or an invite/login URL.
struct AccountConfig {
  std::string addr{};
  std::string password{};  // Resolved: read from password_file or the environment.
  PasswordSource password_source = PasswordSource::None;
  std::optional<ServerConfig> imap{};  // Empty: the runtime derives the servers from addr.
  std::optional<ServerConfig> smtp{};
  bool tls_verify = true;
  // A "dcaccount:" (create an account on a chatmail relay) or "dclogin:" URL; empty if addr is
  // used. The runtime turns it into an address and password stored in the bot's database.
  std::string invite{};
  Mark mark{};
};

struct ProfileConfig {
  std::optional<std::string> name{};
  std::optional<std::filesystem::path> avatar{};  // Absolute (resolved against the config dir).
  std::optional<std::string> status{};
};

struct LimitsConfig {
  int send_per_minute = 60;  // The outbox's rate limit; 0 = unlimited.
  int send_burst = 10;
  int user_messages_per_minute = 30;  // Inbound flood control per user; 0 = off.
};

struct LoggingConfig {
  log::Level level = log::Level::Info;
};

enum class PluginKind { Builtin, Cpp, Lua };

// "builtin", "cpp", "lua".
std::string_view plugin_kind_name(PluginKind kind);

// One entry of `plugins:`.
struct PluginEntry {
  PluginKind kind = PluginKind::Builtin;
  // Builtin: the name. Lua: the absolute script path. Cpp: an absolute path if the YAML value
  // contains a '/' or ends in ".so", otherwise a plugin name for the plugin host to look up.
  std::string target{};
  bool target_is_path = false;
  Value config{};  // The `config:` block as written (null if absent), with its marks.
  Mark mark{};
};

// One bot.
struct BotConfig {
  std::filesystem::path file{};            // The config file as given.
  std::optional<AccountConfig> account{};  // Empty: no account configured yet (see docs).
  std::filesystem::path data_dir{};        // Absolute.
  ProfileConfig profile{};
  LimitsConfig limits{};
  LoggingConfig logging{};
  bool read_receipts = false;
  // `admins:` key fingerprints (upper-case hex) of the people who may use admin-only commands.
  std::vector<std::string> admins{};
  std::vector<PluginEntry> plugins{};
};

// Hooks for tests and embedders.
struct LoadOptions {
  // Looks up an environment variable (for password_env); std::getenv when empty.
  std::function<std::optional<std::string>(std::string_view)> getenv{};
};

// Loads one bot config file. Relative paths in it are relative to the file's directory.
Result<BotConfig> load_bot_config(const std::filesystem::path& file,
                                  const LoadOptions& options = {});

// Parses bot config YAML. `file` names it in errors; `base_dir` resolves relative paths.
Result<BotConfig> parse_bot_config(std::string_view yaml, const std::filesystem::path& file,
                                   const std::filesystem::path& base_dir,
                                   const LoadOptions& options = {});

// Reads an already parsed tree (e.g. from a host file's caller).
Result<BotConfig> read_bot_config(const Value& root, const std::filesystem::path& file,
                                  const std::filesystem::path& base_dir,
                                  const LoadOptions& options = {});

// Loads a host file `bots: [path, ...]` (paths relative to the host file) and every bot in it.
// Errc::Config also when two bots share a data_dir.
Result<std::vector<BotConfig>> load_host_file(const std::filesystem::path& file,
                                              const LoadOptions& options = {});

// Loads a file that is either a host file (top-level key `bots`) or a single bot config.
Result<std::vector<BotConfig>> load_configs(const std::filesystem::path& file,
                                            const LoadOptions& options = {});

}  // namespace dcbot::config
