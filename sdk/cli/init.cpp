// SPDX-License-Identifier: MIT
#include "cli/init.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "cli/options.h"
#include "crypto/random.h"
#include "dcbot/log.h"
#include "imap/session.h"
#include "smtp/session.h"

#include <fmt/format.h>

namespace dcbot::cli {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string server_line(std::string_view key, const config::ServerConfig& s) {
  std::string line = fmt::format("  {}: {{ host: {}", key, yaml_quote(s.host));
  if (s.port != 0) {
    line += fmt::format(", port: {}", s.port);
  }
  line += fmt::format(", security: {}", config::security_name(s.security));
  if (!s.user.empty()) {
    line += fmt::format(", user: {}", yaml_quote(s.user));
  }
  return line + " }\n";
}

Task<Result<>> login_both(runtime::TransportConfig transport) {
  auto executor = co_await asio::this_coro::executor;
  {
    DCBOT_CO_TRY(auto imap, co_await imap::Session::connect(executor, transport.imap_options()));
    DCBOT_CO_TRY(co_await imap.login(transport.imap_user(), transport.password));
    (void)co_await imap.logout();
  }
  DCBOT_CO_TRY(auto smtp, co_await smtp::Session::connect(executor, transport.smtp_options()));
  DCBOT_CO_TRY(co_await smtp.login(transport.smtp_user(), transport.password));
  (void)co_await smtp.quit();
  co_return Result<>{};
}

}  // namespace

std::string csprng_string(std::size_t n) {
  Bytes bytes = crypto::random_bytes(n);
  return std::string(bytes.begin(), bytes.end());
}

std::string render_config(const config::AccountSetup& setup, const std::string& password_file,
                          const std::string& name) {
  std::string local = setup.addr.substr(0, setup.addr.rfind('@'));
  std::string out = "# A dcbot bot (docs/config.md), written by `dcbot init`.\naccount:\n";
  out += fmt::format("  addr: {}\n", yaml_quote(setup.addr));
  out += fmt::format("  password_file: {}\n", yaml_quote(password_file));
  if (setup.imap) {
    out += server_line("imap", *setup.imap);
  }
  if (setup.smtp) {
    out += server_line("smtp", *setup.smtp);
  }
  if (!setup.tls_verify) {
    out += "  tls_verify: false\n";
  }
  out += fmt::format("data_dir: {}\n", yaml_quote("./data/" + local));
  out += fmt::format("profile: {{ name: {} }}\n", yaml_quote(name.empty() ? "Bot" : name));
  out += "plugins:\n  - builtin: echo\n";
  return out;
}

Result<> verify_login(const runtime::TransportConfig& transport) {
  asio::io_context io;
  std::promise<Result<>> done;
  asio::co_spawn(io, login_both(transport), [&done](std::exception_ptr e, Result<> r) {
    if (e) {
      done.set_value(make_error(Errc::Internal, "login check ended with an exception"));
    } else {
      done.set_value(std::move(r));
    }
  });
  io.run();
  return done.get_future().get();
}

int cmd_init(const InitOptions& options) {
  std::error_code ec;
  const fs::path config_file(options.config_path);
  if (fs::exists(config_file, ec)) {
    fmt::print(stderr, "dcbot: {} exists; init writes a new config\n", config_file.string());
    return kExitUsage;
  }
  config::AccountSetup setup;
  if (!options.url.empty()) {
    auto parsed = config::parse_account_url(options.url, csprng_string);
    if (!parsed) {
      fmt::print(stderr, "dcbot: {}\n", parsed.error().message);
      return kExitUsage;
    }
    setup = std::move(*parsed);
  } else if (!options.addr.empty() && !options.password.empty()) {
    setup.addr = options.addr;
    setup.password = options.password;
  } else {
    fmt::print(stderr, "dcbot: init needs a dclogin:/DCACCOUNT: URL, or --addr and --password\n");
    return kExitUsage;
  }

  // The config as the runtime will read it, for the login check.
  config::BotConfig config;
  config.file = config_file;
  config.account = config::AccountConfig{.addr = setup.addr,
                                         .password = setup.password,
                                         .imap = setup.imap,
                                         .smtp = setup.smtp,
                                         .tls_verify = setup.tls_verify};
  config.data_dir = config_file.parent_path() / "data";
  auto bot_options = cli::bot_options(config);
  if (!bot_options) {
    fmt::print(stderr, "dcbot: {}\n", bot_options.error().message);
    return kExitUsage;
  }
  if (!options.offline) {
    fmt::print("logging in to {} as {} ...\n", bot_options->transport.imap.host, setup.addr);
    std::fflush(stdout);
    auto login = verify_login(bot_options->transport);
    if (!login) {
      fmt::print(stderr, "dcbot: {}: {}\n(nothing written; --offline writes the config anyway)\n",
                 setup.addr, login.error().message);
      return kExitFailure;
    }
  }

  const std::string secret_name = config_file.stem().string() + ".secret";
  const fs::path secret_file = config_file.parent_path() / secret_name;
  fs::create_directories(
      config_file.parent_path().empty() ? fs::path(".") : config_file.parent_path(), ec);
  {
    std::ofstream secret(secret_file, std::ios::binary | std::ios::trunc);
    secret << setup.password << "\n";
    if (!secret) {
      fmt::print(stderr, "dcbot: cannot write {}\n", secret_file.string());
      return kExitFailure;
    }
  }
  fs::permissions(secret_file, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, ec);
  {
    std::ofstream out(config_file, std::ios::binary | std::ios::trunc);
    out << render_config(setup, "./" + secret_name, options.name);
    if (!out) {
      fmt::print(stderr, "dcbot: cannot write {}\n", config_file.string());
      return kExitFailure;
    }
  }
  fmt::print("{} {} ({}); wrote {} and {}\nnext: dcbot invite {}   then: dcbot run {}\n",
             setup.created ? "created" : "configured", setup.addr,
             options.offline ? "not checked: --offline" : "login ok", config_file.string(),
             secret_file.string(), config_file.string(), config_file.string());
  return 0;
}

}  // namespace dcbot::cli
