// SPDX-License-Identifier: MIT
// dcbot::run: the `dcbot` command line (DESIGN.md "cli"). Exit codes: 0 success, 1 runtime
// failure, 2 usage or config error.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/account.h"
#include "cli/built_in.h"
#include "cli/init.h"
#include "cli/options.h"
#include "cli/qr.h"
#include "config/account_url.h"
#include "config/config.h"
#include "dcbot/bot.h"
#include "dcbot/log.h"
#include "lua/bot_plugin.h"
#include "lua/storage.h"
#include "plugin/host.h"
#include "runtime/bot.h"
#include "runtime/sender.h"
#include "runtime/signal.h"
#include "store/db.h"
#include "store/mailbox.h"
#include "store/runtime_tables.h"
#include "store/schema.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

namespace dcbot {
namespace {

namespace asio = boost::asio;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// How long `dcbot join` tries to hand the request to the relay before leaving it queued.
constexpr std::chrono::seconds kJoinSendTimeout{20};

void print_error(const Error& error) {
  fmt::print(stderr, "dcbot: {}\n", error.message);
}

bool print_invite(Bot& bot, bool legacy);

// The plugins of one running bot that live beyond their registration (Lua states, for reload).
struct Plugins {
  std::filesystem::path config_file;
  // The Lua plugins with the script path their entry names.
  std::vector<std::pair<std::string, std::shared_ptr<lua::BotPlugin>>> lua;

  // SIGHUP: reads the bot's YAML again and loads every Lua plugin's file again with its
  // (possibly edited) `config:` block. A plugin that fails keeps its running version; a YAML
  // that fails to load leaves every plugin as it is. Other YAML changes wait for a restart.
  void reload() const {
    if (lua.empty()) {
      return;
    }
    auto config = config::load_bot_config(config_file);
    if (!config) {
      log::error("dcbot: reload: {} (keeping the running plugins)", config.error().message);
      return;
    }
    for (const auto& [target, plugin] : lua) {
      const config::PluginEntry* entry = nullptr;
      for (const auto& e : config->plugins) {
        if (e.kind == config::PluginKind::Lua && e.target == target) {
          entry = &e;
          break;
        }
      }
      auto r = entry != nullptr ? plugin->reload(entry->config) : plugin->reload();
      if (!r) {
        log::error("dcbot: reload of lua plugin {} failed, keeping the running version: {}", target,
                   r.error().message);
      }
    }
  }
};

void register_echo(Bot& bot) {
  bot.on_message([](MessageEvent ev) {
    if (ev.attachments().empty()) {
      ev.reply(ev.text());
      return;
    }
    for (const auto& file : ev.attachments()) {
      ev.reply_file(file.path, ev.text());
    }
  });
}

// A `cpp: PATH_OR_NAME` entry (docs/plugins-cpp.md): without a bot the shared object is only found
// and its descriptor checked; with one it is loaded and started with its `config:`. The bot owns
// its plugin host, which unloads the plugins when the bot is destroyed.
Result<> register_cpp_plugin(const config::PluginEntry& entry, Bot* bot) {
  std::filesystem::path file = entry.target;
  if (!entry.target_is_path) {
    auto found = plugin::find_plugin(entry.target, plugin::default_search_path());
    if (!found) {
      return config::config_error(entry.mark, found.error().message);
    }
    file = *found;
  }
  if (bot == nullptr) {
    auto checked = plugin::inspect(file);
    if (!checked) {
      return config::config_error(entry.mark, checked.error().message);
    }
    return {};
  }
  auto loaded = plugin::Host::of(*bot).load(file, entry.config);
  if (!loaded) {
    const Error& e = loaded.error();
    // A refused or unloadable file is a config problem at the entry (exit code 2); the plugin's
    // own config errors carry their position already, and failures inside it are its own.
    if (e.code == Errc::Config || e.code == Errc::Internal) {
      return e;
    }
    return config::config_error(entry.mark, e.message);
  }
  return {};
}

// The plugins of `config`: `- builtin: echo`, `- lua: FILE` and `- cpp: PATH_OR_NAME`. With
// `bot == nullptr` only checks the entries (`dcbot check`, and before any bot opens); otherwise
// registers them on the bot.
Result<> register_plugins(const config::BotConfig& config, Bot* bot, Plugins* plugins) {
  for (const auto& entry : config.plugins) {
    switch (entry.kind) {
      case config::PluginKind::Builtin:
        if (entry.target != "echo") {
          return config::config_error(
              entry.mark, fmt::format("unknown builtin plugin '{}' (known: echo)", entry.target));
        }
        if (bot != nullptr) {
          register_echo(*bot);
        }
        break;
      case config::PluginKind::Lua: {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(entry.target, ec)) {
          return config::config_error(
              entry.mark, fmt::format("lua plugin file \"{}\" does not exist", entry.target));
        }
        if (bot == nullptr) {
          // Compiles the file and checks its bot.config_schema against the entry's config.
          auto checked = lua::check_plugin(entry.target, entry.config);
          if (!checked) {
            return config::config_error(entry.mark,
                                        fmt::format("lua plugin: {}", checked.error().message));
          }
        } else {
          const std::string name = std::filesystem::path(entry.target).stem().string();
          auto storage = std::make_unique<lua::BotStorage>(bot->storage("lua:" + name));
          auto plugin = lua::BotPlugin::attach(*bot, entry.target, entry.config, *storage);
          if (!plugin) {
            return config::config_error(entry.mark,
                                        fmt::format("lua plugin: {}", plugin.error().message));
          }
          (*plugin)->own_storage(std::move(storage));
          plugins->config_file = config.file;
          plugins->lua.emplace_back(entry.target, std::move(*plugin));
        }
        break;
      }
      case config::PluginKind::Cpp:
        DCBOT_TRY(register_cpp_plugin(entry, bot));
        break;
    }
  }
  return {};
}

// Loaded config and the options derived from it, or the exit code to return.
struct Loaded {
  config::BotConfig config;
  runtime::BotOptions options;
  // The account was invented just now (DCACCOUNT:): `run` checks it can log in first.
  bool new_account = false;
};

// The chatmail relay a config without `account:` gets a new account on (DCACCOUNT:).
std::string default_relay() {
  const char* env = std::getenv("DCBOT_DEFAULT_RELAY");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("nine.testrun.org");
}

// The plugin-storage namespace where a DCACCOUNT: account's invented credentials are kept.
constexpr std::string_view kAccountStore = "dcbot:account";

// `account: { invite: URL }`: a dclogin: URL is parsed each time; a DCACCOUNT: account is
// invented once and its address and password are kept in the bot's database (the chatmail relay
// creates the account at the first login).
// A config without `account:` is `invite: DCACCOUNT:<default relay>`. Returns true when the
// account was invented now.
Result<bool> resolve_invite(config::BotConfig& config) {
  if (!config.account) {
    config.account = config::AccountConfig{};
    config.account->invite = "DCACCOUNT:" + default_relay();
  }
  if (config.account->invite.empty() || !config.account->addr.empty()) {
    return false;
  }
  bool invented = false;
  config::AccountConfig& account = *config.account;
  auto parsed = config::parse_account_url(account.invite, cli::csprng_string);
  if (!parsed) {
    return config::config_error(account.mark, "account.invite: " + parsed.error().message);
  }
  config::AccountSetup setup = std::move(*parsed);
  if (setup.created) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    DCBOT_TRY(auto db, store::open_store((config.data_dir / "dcbot.db").string()));
    store::PluginKv kv(db);
    DCBOT_TRY(auto addr, kv.get(kAccountStore, "addr"));
    DCBOT_TRY(auto password, kv.get(kAccountStore, "password"));
    if (addr && password) {
      setup.addr.assign(addr->begin(), addr->end());
      setup.password.assign(password->begin(), password->end());
    } else {
      DCBOT_TRY(auto txn, store::Txn::begin(db));
      DCBOT_TRY(kv.put(kAccountStore, "addr", to_bytes(setup.addr)));
      DCBOT_TRY(kv.put(kAccountStore, "password", to_bytes(setup.password)));
      DCBOT_TRY(txn.commit());
      log::info("dcbot: {}: new account {} on a chatmail relay (created at the first login)",
                config.file.string(), setup.addr);
      invented = true;
    }
  }
  account.addr = setup.addr;
  account.password = setup.password;
  account.imap = setup.imap;
  account.smtp = setup.smtp;
  if (!setup.tls_verify) {
    account.tls_verify = false;
  }
  return invented;
}

Result<Loaded> load_one(config::BotConfig config) {
  DCBOT_TRY(bool invented, resolve_invite(config));
  DCBOT_TRY(auto options, cli::bot_options(config));
  DCBOT_TRY(register_plugins(config, nullptr, nullptr));
  return Loaded{std::move(config), std::move(options), invented};
}

// Every bot of the given files: each is a bot config or a host file (`bots:` naming bot
// configs). Two bots may not share a data dir.
Result<std::vector<Loaded>> load_all(const std::vector<std::string>& paths) {
  std::vector<Loaded> out;
  std::optional<log::Level> level;
  for (const auto& path : paths) {
    DCBOT_TRY(auto configs, config::load_configs(path));
    for (auto& config : configs) {
      for (const auto& other : out) {
        if (other.config.data_dir == config.data_dir) {
          return make_error(
              Errc::Config,
              fmt::format("{}: data_dir \"{}\" is already used by {}", config.file.string(),
                          config.data_dir.string(), other.config.file.string()));
        }
      }
      // With several bots the most verbose level wins (one process, one log).
      if (!level || config.logging.level < *level) {
        level = config.logging.level;
      }
      DCBOT_TRY(auto loaded, load_one(std::move(config)));
      out.push_back(std::move(loaded));
    }
  }
  if (level && std::getenv("DCBOT_LOG_LEVEL") == nullptr) {
    log::set_level(*level);
  }
  return out;
}

// One bot's config, for the commands that act on a single bot (invite, join).
Result<Loaded> load(const std::string& path) {
  DCBOT_TRY(auto all, load_all({path}));
  if (all.size() != 1) {
    return make_error(
        Errc::InvalidArgument,
        fmt::format("{} is a host file with {} bots; name one bot's config", path, all.size()));
  }
  return std::move(all.front());
}

int exit_code(const Error& error) {
  return error.code == Errc::Config || error.code == Errc::Parse
                 || error.code == Errc::InvalidArgument || error.code == Errc::Unsupported
             ? kExitUsage
             : kExitFailure;
}

int cmd_check(const std::vector<std::string>& paths) {
  auto loaded = load_all(paths);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  for (const auto& bot : *loaded) {
    fmt::print("{}", cli::summary(bot.config, bot.options));
  }
  for (const auto& stale : cli::outdated_built_in(cli::built_in(), cli::dpkg_status_file())) {
    fmt::print("warning: {}\n", cli::describe(stale));
  }
  fmt::print("ok\n");
  return 0;
}

// One bot of `dcbot run`, with the plugins that need to live as long as it.
struct Running {
  std::unique_ptr<Bot> bot;
  Plugins plugins;
  bool ended = false;
};

// Opens the bot of `loaded` on `io`, registers its plugins and runs `setup` on it.
Result<> open(asio::io_context& io, const Loaded& loaded, const SetupFunction& setup,
              Running& out) {
  DCBOT_TRY(out.bot, runtime::open_bot(io.get_executor(), loaded.options));
  out.bot->set_admins(loaded.config.admins);
  DCBOT_TRY(register_plugins(loaded.config, out.bot.get(), &out.plugins));
  if (setup) {
    try {
      setup(*out.bot);
    } catch (const std::exception& e) {
      return make_error(Errc::Internal, std::string("setup threw: ") + e.what());
    } catch (...) {
      return make_error(Errc::Internal, "setup threw");
    }
  }
  return {};
}

// Runs every bot on one io thread until SIGINT or SIGTERM; SIGHUP reloads the Lua plugins.
void run_until_signal(asio::io_context& io, std::vector<Running>& bots) {
  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  asio::signal_set reload_signals(io, SIGHUP);
  stop_signals.async_wait([&bots](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    log::info("dcbot: signal {}, stopping", signal);
    for (auto& running : bots) {
      running.bot->stop();
    }
  });
  std::function<void()> wait_reload = [&] {
    reload_signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      log::info("dcbot: SIGHUP, reloading lua plugins");
      for (auto& running : bots) {
        running.plugins.reload();
      }
      wait_reload();
    });
  };
  wait_reload();
  std::size_t running_count = bots.size();
  for (auto& running : bots) {
    asio::co_spawn(io, running.bot->impl().run(), [&](const std::exception_ptr& error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log::error("dcbot: {} ended with an exception: {}", running.bot->addr(), e.what());
        } catch (...) {
          log::error("dcbot: {} ended with an unknown exception", running.bot->addr());
        }
      }
      running.ended = true;
      running.bot->stop();  // Its timers end too.
      if (--running_count == 0) {
        stop_signals.cancel();
        reload_signals.cancel();
      }
    });
  }
  io.run();
}

int cmd_run(const std::vector<std::string>& paths, const SetupFunction& setup) {
  auto loaded = load_all(paths);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  // A new chatmail account: log in once now (the relay creates it), then show its invite.
  for (const auto& bot : *loaded) {
    if (!bot.new_account) {
      continue;
    }
    const std::string& host = bot.options.transport.imap.host;
    fmt::print("dcbot: creating the account {} on {} ...\n", bot.options.transport.addr, host);
    std::fflush(stdout);
    auto login = cli::verify_login(bot.options.transport);
    if (!login) {
      fmt::print(stderr,
                 "dcbot: could not create an account on {}: {}\n"
                 "Without internet access, run the bot on the local test relay instead:\n"
                 "  scripts/run          (README command 1: starts the relay and the echo bot)\n"
                 "or give an `account:` in {} (docs/config.md, `dcbot init`).\n",
                 host, login.error().message, bot.config.file.string());
      return kExitFailure;
    }
  }
  // A security update of a library linked into this program reaches it only with a rebuild.
  for (const auto& stale : cli::outdated_built_in(cli::built_in(), cli::dpkg_status_file())) {
    log::warn("dcbot: {}", cli::describe(stale));
  }
  asio::io_context io;
  std::vector<Running> bots(loaded->size());
  for (std::size_t i = 0; i < loaded->size(); ++i) {
    auto opened = open(io, (*loaded)[i], setup, bots[i]);
    if (!opened) {
      print_error(opened.error());
      return exit_code(opened.error());
    }
    log::info("dcbot: {} running (key {}, data in {})", bots[i].bot->addr(),
              bots[i].bot->fingerprint(), bots[i].bot->data_dir().string());
    if ((*loaded)[i].new_account) {
      print_invite(*bots[i].bot, false);
    }
  }
  run_until_signal(io, bots);
  for (const auto& running : bots) {
    log::info("dcbot: {} stopped", running.bot->addr());
  }
  return 0;
}

// A link on the first line of stdout, then a QR code and `note` when stdout is a terminal.
void print_link(const std::string& link, const std::string& note) {
  fmt::print("{}\n", link);
  if (isatty(STDOUT_FILENO) == 1) {
    auto qr = cli::render_qr(link);
    if (qr) {
      fmt::print("\n{}\n{}\n", *qr, note);
    }
  }
  std::fflush(stdout);
}

// The bot's invite link, printed by print_link.
bool print_invite(Bot& bot, bool legacy) {
  auto link = bot.invite_link(legacy);
  if (!link) {
    print_error(link.error());
    return false;
  }
  print_link(*link, fmt::format("Scan this with Delta Chat (or open the link on the phone) to "
                                "chat with {}.",
                                bot.addr()));
  return true;
}

// The commands that act on one bot without running it (invite, admin, join): loads `path`, opens
// the bot (offline) and runs `command` on it. Config problems are exit code 2.
int with_offline_bot(const std::string& path,
                     const std::function<int(asio::io_context&, Bot&, const Loaded&)>& command) {
  auto loaded = load(path);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  asio::io_context io;
  auto bot = runtime::open_bot(io.get_executor(), loaded->options);
  if (!bot) {
    print_error(bot.error());
    return exit_code(bot.error());
  }
  return command(io, **bot, *loaded);
}

int cmd_invite(const std::string& path, bool legacy) {
  return with_offline_bot(path, [legacy](asio::io_context&, Bot& bot, const Loaded&) {
    return print_invite(bot, legacy) ? 0 : kExitFailure;
  });
}

// `dcbot admin CONFIG`: creates the admin group once and prints its invite link (then a QR code
// on a terminal). Whoever joins by it is verified and an admin.
int cmd_admin(const std::string& path, const std::string& name, bool legacy) {
  return with_offline_bot(path, [&](asio::io_context&, Bot& bot, const Loaded&) {
    auto group = bot.create_admin_group(name);
    auto link = group ? bot.group_invite_link(*group, legacy) : Result<std::string>(group.error());
    if (!link) {
      print_error(link.error());
      return kExitFailure;
    }
    print_link(*link, fmt::format("Scan this with Delta Chat to join the admin group of {}: its "
                                  "members run the bot's admin commands. Run the bot so that it "
                                  "can add you.",
                                  bot.addr()));
    return 0;
  });
}

// Hands every queued outbox row to the relay, for at most `timeout`. True if nothing is left.
bool flush_outbox(asio::io_context& io, Bot& bot, const runtime::BotOptions& options) {
  store::Db& db = bot.impl().engine->db();
  auto nothing_queued = [&db] {
    auto due = store::Outbox(db).next_due(std::numeric_limits<std::int64_t>::max(), 1);
    return due && due->empty();
  };
  if (nothing_queued()) {
    return true;
  }
  runtime::StopSignal stop(io.get_executor());
  runtime::SenderCallbacks callbacks;
  callbacks.on_sent = [&](const store::OutboxItem&) {
    if (nothing_queued()) {
      stop.request();
    }
  };
  callbacks.on_failed = [&](const runtime::DeliveryFailure& failure) {
    log::error("dcbot: sending {} failed: {}", failure.rfc724_mid, failure.error);
    if (nothing_queued()) {
      stop.request();
    }
  };
  runtime::SenderOptions sender_options = options.sender;
  sender_options.backoff_min = std::chrono::seconds(1);
  sender_options.backoff_max = std::chrono::seconds(5);
  runtime::Sender sender(io.get_executor(), db, options.transport, sender_options, callbacks);
  asio::steady_timer deadline(io, kJoinSendTimeout);
  deadline.async_wait([&stop](const boost::system::error_code& ec) {
    if (!ec) {
      stop.request();
    }
  });
  asio::co_spawn(io, sender.run(&stop),
                 [&deadline](const std::exception_ptr&) { deadline.cancel(); });
  sender.wake();
  io.run();
  return nothing_queued();
}

int cmd_join(const std::string& path, const std::string& link) {
  return with_offline_bot(path, [&](asio::io_context& io, Bot& bot, const Loaded& loaded) {
    auto chat = bot.join(link);
    if (!chat) {
      print_error(chat.error());
      return exit_code(chat.error());
    }
    fmt::print("join request queued (chat {})\n", *chat);
    std::fflush(stdout);
    if (flush_outbox(io, bot, loaded.options)) {
      fmt::print("join request sent; `dcbot run {}` completes the handshake\n", path);
    } else {
      fmt::print("the relay was not reachable; `dcbot run {}` sends the request\n", path);
    }
    return 0;
  });
}

// Copies the files of `from` (recursively) into `to`, which is created.
Result<> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::create_directories(to, ec);
  if (!ec && std::filesystem::exists(from, ec)) {
    std::filesystem::copy(
        from, to,
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::skip_existing,
        ec);
  }
  if (ec) {
    return make_error(Errc::Io,
                      fmt::format("copy {} to {}: {}", from.string(), to.string(), ec.message()));
  }
  return {};
}

// An existing bot database (keys and state), checked: it opens, passes SQLite's integrity
// check and holds an account with a key. Returns the account's address.
Result<std::string> check_bot_database(store::Db& db, const std::filesystem::path& file) {
  auto stmt = db.prepare("PRAGMA integrity_check");
  if (!stmt) {
    return make_error(Errc::Io, fmt::format("{} is not a dcbot database: {}", file.string(),
                                            stmt.error().message));
  }
  auto step = stmt->step();
  if (!step || *step != store::Step::Row || stmt->column_text(0) != "ok") {
    return make_error(Errc::Io,
                      fmt::format("{} is damaged (SQLite integrity check)", file.string()));
  }
  auto account = chat::Account::open(db);
  if (!account || !account->has_key()) {
    return make_error(Errc::Io, fmt::format("{} holds no bot account with a key", file.string()));
  }
  return account->profile().addr;
}

// `dcbot export CONFIG DIR`: the bot's database (a consistent copy, also while it runs) and its
// received files into the new directory DIR, readable only by the owner.
int cmd_export(const std::string& path, const std::string& out) {
  auto loaded = load(path);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  const fs::path data_dir = loaded->options.data_dir;
  const fs::path db_file = data_dir / "dcbot.db";
  std::error_code ec;
  if (!fs::is_regular_file(db_file, ec)) {
    fmt::print(stderr, "dcbot: nothing to export: {} does not exist yet\n", db_file.string());
    return kExitFailure;
  }
  const fs::path target(out);
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    fmt::print(stderr, "dcbot: {} exists and is not empty\n", target.string());
    return kExitUsage;
  }
  fs::create_directories(target, ec);
  fs::permissions(target, fs::perms::owner_all, fs::perm_options::replace, ec);
  auto db = store::Db::open(db_file.string());
  Result<> done;
  if (!db) {
    done = db.error();
  } else if (auto addr = check_bot_database(*db, db_file); !addr) {
    done = addr.error();
  }
  if (done) {
    done = db->backup_to((target / "dcbot.db").string());
  }
  if (done) {
    fs::permissions(target / "dcbot.db", fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
    done = copy_tree(data_dir / "files", target / "files");
  }
  if (!done) {
    print_error(done.error());
    return kExitFailure;
  }
  fmt::print("exported {} to {}\nIt holds the bot's secret key: keep it private.\n",
             loaded->options.transport.addr, target.string());
  return 0;
}

// `dcbot import CONFIG DIR`: a bot exported with `dcbot export` becomes the bot of CONFIG, whose
// data dir must not have a database yet. The account address must match.
int cmd_import(const std::string& path, const std::string& in) {
  auto loaded = load(path);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  const fs::path data_dir = loaded->options.data_dir;
  const fs::path source = fs::path(in) / "dcbot.db";
  std::error_code ec;
  if (fs::exists(data_dir / "dcbot.db", ec)) {
    fmt::print(stderr, "dcbot: {} already has a database; move it away to import another\n",
               data_dir.string());
    return kExitUsage;
  }
  if (!fs::is_regular_file(source, ec)) {
    fmt::print(stderr, "dcbot: {} is not an export (no dcbot.db)\n", in);
    return kExitUsage;
  }
  auto db = store::Db::open(source.string());
  if (!db) {
    print_error(db.error());
    return kExitFailure;
  }
  auto addr = check_bot_database(*db, source);
  if (!addr) {
    print_error(addr.error());
    return kExitFailure;
  }
  if (*addr != loaded->options.transport.addr) {
    fmt::print(stderr, "dcbot: the export is the bot {}, but {} configures {}\n", *addr, path,
               loaded->options.transport.addr);
    return kExitUsage;
  }
  fs::create_directories(data_dir, ec);
  Result<> done = db->backup_to((data_dir / "dcbot.db").string());
  if (done) {
    fs::permissions(data_dir / "dcbot.db", fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
    done = copy_tree(fs::path(in) / "files", data_dir / "files");
  }
  if (!done) {
    print_error(done.error());
    return kExitFailure;
  }
  fmt::print("imported {} into {}\n", *addr, data_dir.string());
  return 0;
}

}  // namespace

int run(int argc, char** argv, SetupFunction setup) {
  try {
    CLI::App app{"dcbot: a Delta Chat / chatmail bot"};
    app.require_subcommand(0, 1);
    std::string config_path;
    std::vector<std::string> config_paths;
    std::string top_config;
    app.add_option("-c,--config", top_config, "run the bot with this config (as `run CONFIG`)");
    std::string link;
    bool legacy = false;
    auto* run_cmd = app.add_subcommand(
        "run", "run the bots until SIGINT or SIGTERM (SIGHUP reloads their Lua plugins)");
    run_cmd
        ->add_option("config", config_paths,
                     "bot configs or host files (`bots:`); all bots run in this process")
        ->required();
    auto* invite_cmd =
        app.add_subcommand("invite", "print the bot's invite link (and a QR code on a terminal)");
    invite_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    invite_cmd->add_flag("--legacy", legacy, "a link without v=3 (older Delta Chat versions)");
    std::string admin_name;
    auto* admin_cmd = app.add_subcommand(
        "admin", "print the invite link of the bot's admin group (created on first use)");
    admin_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    admin_cmd->add_option("--name", admin_name, "the group's name when it is created");
    admin_cmd->add_flag("--legacy", legacy, "a link without v=3 (older Delta Chat versions)");
    auto* join_cmd = app.add_subcommand(
        "join", "join someone's invite link; the next `run` completes the handshake");
    join_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    join_cmd->add_option("link", link, "an https://i.delta.chat/#... or OPENPGP4FPR: link")
        ->required();
    cli::InitOptions init;
    auto* init_cmd = app.add_subcommand(
        "init", "create a bot config: log in (or create a chatmail account), then write CONFIG");
    init_cmd->add_option("config", init.config_path, "the new YAML config to write")->required();
    init_cmd->add_option("url", init.url,
                         "a dclogin: URL, or DCACCOUNT:HOST for a new chatmail account");
    init_cmd->add_option("--addr", init.addr, "the account's address (with --password)");
    init_cmd->add_option("--password", init.password, "the account's password");
    init_cmd->add_option("--name", init.name, "the bot's display name");
    init_cmd->add_flag("--offline", init.offline, "write the config without logging in");
    std::string backup_dir;
    auto* export_cmd = app.add_subcommand(
        "export", "copy the bot's keys and state to a new directory (also while it runs)");
    export_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    export_cmd->add_option("dir", backup_dir, "a new or empty directory")->required();
    auto* import_cmd = app.add_subcommand(
        "import", "make an exported bot the bot of CONFIG (its data dir has no database yet)");
    import_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    import_cmd->add_option("dir", backup_dir, "a directory written by `dcbot export`")->required();
    auto* check_cmd = app.add_subcommand("check", "validate the config and print a summary");
    check_cmd->add_option("config", config_paths, "bot configs or host files")->required();
    auto* version_cmd = app.add_subcommand(
        "version", "print dcbot's version and the libraries built into this program");
    bool version_flag = false;
    app.add_flag("--version", version_flag, "as `version`");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);
      return code == 0 ? 0 : kExitUsage;
    }
    if (run_cmd->parsed()) {
      return cmd_run(config_paths, setup);
    }
    if (invite_cmd->parsed()) {
      return cmd_invite(config_path, legacy);
    }
    if (admin_cmd->parsed()) {
      return cmd_admin(config_path, admin_name, legacy);
    }
    if (join_cmd->parsed()) {
      return cmd_join(config_path, link);
    }
    if (init_cmd->parsed()) {
      return cli::cmd_init(init);
    }
    if (export_cmd->parsed()) {
      return cmd_export(config_path, backup_dir);
    }
    if (import_cmd->parsed()) {
      return cmd_import(config_path, backup_dir);
    }
    if (check_cmd->parsed()) {
      return cmd_check(config_paths);
    }
    if (version_cmd->parsed() || version_flag) {
      fmt::print("{}", cli::version_text());
      return 0;
    }
    if (!top_config.empty()) {
      return cmd_run({top_config}, setup);
    }
    fmt::print(stderr, "{}", app.help());
    return kExitUsage;
  } catch (const std::exception& e) {
    // The outermost boundary (STYLE.md §1.5).
    fmt::print(stderr, "dcbot: {}\n", e.what());
    return kExitFailure;
  } catch (...) {
    fmt::print(stderr, "dcbot: unknown exception\n");
    return kExitFailure;
  }
}

}  // namespace dcbot
