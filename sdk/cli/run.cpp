// SPDX-License-Identifier: MIT
// dcbot::run: the `dcbot` command line (DESIGN.md "cli"). Exit codes: 0 success, 1 runtime
// failure, 2 usage or config error.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/options.h"
#include "cli/qr.h"
#include "config/config.h"
#include "dcbot/bot.h"
#include "dcbot/log.h"
#include "runtime/bot.h"
#include "runtime/sender.h"
#include "runtime/signal.h"
#include "store/mailbox.h"

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

// The builtin plugins a config may name with `- builtin: NAME` (the plugin runtime, issue #6,
// adds cpp and lua plugins).
Result<> register_plugins(const config::BotConfig& config, Bot* bot) {
  for (const auto& entry : config.plugins) {
    if (entry.kind != config::PluginKind::Builtin) {
      return config::config_error(
          entry.mark, fmt::format("{} plugins are not supported by this version of dcbot yet",
                                  config::plugin_kind_name(entry.kind)));
    }
    if (entry.target != "echo") {
      return config::config_error(
          entry.mark, fmt::format("unknown builtin plugin '{}' (known: echo)", entry.target));
    }
    if (bot != nullptr) {
      bot->on_message([](MessageEvent ev) {
        if (ev.attachments().empty()) {
          ev.reply(ev.text());
          return;
        }
        for (const auto& file : ev.attachments()) {
          ev.reply_file(file.path, ev.text());
        }
      });
    }
  }
  return {};
}

// Loaded config and the options derived from it, or the exit code to return.
struct Loaded {
  config::BotConfig config;
  runtime::BotOptions options;
};

Result<Loaded> load(const std::string& path) {
  DCBOT_TRY(auto config, config::load_bot_config(path));
  if (std::getenv("DCBOT_LOG_LEVEL") == nullptr) {
    log::set_level(config.logging.level);
  }
  DCBOT_TRY(auto options, cli::bot_options(config));
  DCBOT_TRY(register_plugins(config, nullptr));
  return Loaded{std::move(config), std::move(options)};
}

int exit_code(const Error& error) {
  return error.code == Errc::Config || error.code == Errc::Parse
                 || error.code == Errc::InvalidArgument || error.code == Errc::Unsupported
             ? kExitUsage
             : kExitFailure;
}

int cmd_check(const std::string& path) {
  auto loaded = load(path);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  fmt::print("{}", cli::summary(loaded->config, loaded->options));
  fmt::print("ok\n");
  return 0;
}

// Opens the bot of `path` on `io` and runs `setup` on it.
Result<std::unique_ptr<Bot>> open(asio::io_context& io, const Loaded& loaded,
                                  const SetupFunction& setup) {
  DCBOT_TRY(auto bot, runtime::open_bot(io.get_executor(), loaded.options));
  DCBOT_TRY(register_plugins(loaded.config, bot.get()));
  if (setup) {
    try {
      setup(*bot);
    } catch (const std::exception& e) {
      return make_error(Errc::Internal, std::string("setup threw: ") + e.what());
    } catch (...) {
      return make_error(Errc::Internal, "setup threw");
    }
  }
  return bot;
}

int cmd_run(const std::string& path, const SetupFunction& setup) {
  auto loaded = load(path);
  if (!loaded) {
    print_error(loaded.error());
    return kExitUsage;
  }
  asio::io_context io;
  auto bot = open(io, *loaded, setup);
  if (!bot) {
    print_error(bot.error());
    return exit_code(bot.error());
  }
  log::info("dcbot: {} running (key {}, data in {})", (*bot)->addr(), (*bot)->fingerprint(),
            (*bot)->data_dir().string());
  runtime::run_until_signal(io, *(*bot)->impl().engine);
  log::info("dcbot: {} stopped", (*bot)->addr());
  return 0;
}

int cmd_invite(const std::string& path, bool legacy) {
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
  auto link = (*bot)->invite_link(legacy);
  if (!link) {
    print_error(link.error());
    return kExitFailure;
  }
  fmt::print("{}\n", *link);
  if (isatty(STDOUT_FILENO) == 1) {
    auto qr = cli::render_qr(*link);
    if (qr) {
      fmt::print(
          "\n{}\nScan this with Delta Chat (or open the link on the phone) to chat with {}.\n", *qr,
          (*bot)->addr());
    }
  }
  std::fflush(stdout);
  return 0;
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
  auto chat = (*bot)->join(link);
  if (!chat) {
    print_error(chat.error());
    return exit_code(chat.error());
  }
  fmt::print("join request queued (chat {})\n", *chat);
  std::fflush(stdout);
  if (flush_outbox(io, **bot, loaded->options)) {
    fmt::print("join request sent; `dcbot run {}` completes the handshake\n", path);
  } else {
    fmt::print("the relay was not reachable; `dcbot run {}` sends the request\n", path);
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv, SetupFunction setup) {
  try {
    CLI::App app{"dcbot: a Delta Chat / chatmail bot"};
    app.require_subcommand(0, 1);
    std::string config_path;
    std::string top_config;
    app.add_option("-c,--config", top_config, "run the bot with this config (as `run CONFIG`)");
    std::string link;
    bool legacy = false;
    auto* run_cmd = app.add_subcommand("run", "run the bot until SIGINT or SIGTERM");
    run_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    auto* invite_cmd =
        app.add_subcommand("invite", "print the bot's invite link (and a QR code on a terminal)");
    invite_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    invite_cmd->add_flag("--legacy", legacy, "a link without v=3 (older Delta Chat versions)");
    auto* join_cmd = app.add_subcommand(
        "join", "join someone's invite link; the next `run` completes the handshake");
    join_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    join_cmd->add_option("link", link, "an https://i.delta.chat/#... or OPENPGP4FPR: link")
        ->required();
    auto* check_cmd = app.add_subcommand("check", "validate the config and print a summary");
    check_cmd->add_option("config", config_path, "the bot's YAML config")->required();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);
      return code == 0 ? 0 : kExitUsage;
    }
    if (run_cmd->parsed()) {
      return cmd_run(config_path, setup);
    }
    if (invite_cmd->parsed()) {
      return cmd_invite(config_path, legacy);
    }
    if (join_cmd->parsed()) {
      return cmd_join(config_path, link);
    }
    if (check_cmd->parsed()) {
      return cmd_check(config_path);
    }
    if (!top_config.empty()) {
      return cmd_run(top_config, setup);
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
