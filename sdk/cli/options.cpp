// SPDX-License-Identifier: MIT
#include "cli/options.h"

#include "config/value.h"

#include <fmt/format.h>

namespace dcbot::cli {
namespace {

net::Security to_net(config::Security security) {
  switch (security) {
    case config::Security::Tls:
      return net::Security::Tls;
    case config::Security::StartTls:
      return net::Security::StartTls;
    case config::Security::Plain:
      return net::Security::Plain;
  }
  return net::Security::Tls;
}

// Chatmail relays serve IMAP and SMTP on the mail domain itself with implicit TLS (PROTOCOL.md
// §7.1), which is what an account without explicit servers gets.
runtime::ServerSettings server(const std::optional<config::ServerConfig>& configured,
                               const std::string& addr) {
  runtime::ServerSettings s;
  if (configured) {
    s.host = configured->host;
    s.port = configured->port;
    s.security = to_net(configured->security);
    s.user = configured->user;
    return s;
  }
  auto at = addr.rfind('@');
  s.host = at == std::string::npos ? std::string() : addr.substr(at + 1);
  s.security = net::Security::Tls;
  return s;
}

std::string describe(const runtime::ServerSettings& s) {
  std::string_view security = s.security == net::Security::Tls        ? "tls"
                              : s.security == net::Security::StartTls ? "starttls"
                                                                      : "plain";
  return fmt::format("{}:{} ({})", s.host,
                     s.port == 0 ? std::string("default") : std::to_string(s.port), security);
}

}  // namespace

Result<runtime::BotOptions> bot_options(const config::BotConfig& config) {
  const std::string file = config.file.string();
  if (!config.account) {
    return make_error(Errc::Config,
                      file + ": no `account:` configured (address and password are needed)");
  }
  const auto& account = *config.account;
  if (account.addr.empty()) {
    return config::config_error(account.mark,
                                "account: the invite URL was not resolved (dcbot resolves "
                                "`invite:` when it loads the config)");
  }
  runtime::BotOptions o;
  o.transport.addr = account.addr;
  o.transport.password = account.password;
  o.transport.imap = server(account.imap, account.addr);
  o.transport.smtp = server(account.smtp, account.addr);
  o.transport.tls_verify = account.tls_verify;
  o.data_dir = config.data_dir;
  o.display_name = config.profile.name.value_or("");
  o.status = config.profile.status.value_or("");
  o.avatar = config.profile.avatar.value_or(std::filesystem::path());
  o.sender.send_per_minute = config.limits.send_per_minute;
  o.sender.send_burst = config.limits.send_burst;
  o.user_messages_per_minute = config.limits.user_messages_per_minute;
  o.read_receipts = config.read_receipts;
  return o;
}

std::string summary(const config::BotConfig& config, const runtime::BotOptions& options) {
  std::string out;
  out += fmt::format("config:    {}\n", config.file.string());
  out += fmt::format("account:   {}\n", options.transport.addr);
  out += fmt::format("imap:      {}\n", describe(options.transport.imap));
  out += fmt::format("smtp:      {}\n", describe(options.transport.smtp));
  out += fmt::format("tls:       {}\n", options.transport.tls_verify
                                            ? "certificates verified"
                                            : "certificates NOT verified (test relays only)");
  out += fmt::format("data dir:  {}\n", options.data_dir.string());
  out += fmt::format("profile:   {}{}\n",
                     options.display_name.empty() ? "(no name)" : options.display_name,
                     options.status.empty() ? "" : " - " + options.status);
  if (options.sender.send_per_minute == 0) {
    out += "limits:    sending unlimited\n";
  } else {
    out += fmt::format("limits:    send {}/min (burst {})\n", options.sender.send_per_minute,
                       options.sender.send_burst);
  }
  if (!options.avatar.empty()) {
    out += fmt::format("avatar:    {}\n", options.avatar.string());
  }
  if (options.user_messages_per_minute == 0) {
    out += "flood:     off (no per-user limit)\n";
  } else {
    out += fmt::format("flood:     {} messages/min per user\n", options.user_messages_per_minute);
  }
  out += fmt::format("receipts:  {}\n", options.read_receipts ? "read receipts sent" : "off");
  std::string plugins;
  for (const auto& p : config.plugins) {
    plugins += fmt::format("{}{} {}", plugins.empty() ? "" : ", ", config::plugin_kind_name(p.kind),
                           p.target);
  }
  out += fmt::format("plugins:   {}\n", plugins.empty() ? "(none)" : plugins);
  return out;
}

}  // namespace dcbot::cli
