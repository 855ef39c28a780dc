// SPDX-License-Identifier: MIT
#include "support/relay_env.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include <fmt/format.h>

namespace dcbot::testsupport {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Result<std::uint16_t> parse_port(std::string_view key, std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
    return make_error(Errc::Parse, fmt::format("relay.env: {}: bad port '{}'", key, text));
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<RelayEnv> RelayEnv::parse(std::string_view text) {
  RelayEnv env;
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.starts_with("export ")) {
      line = trim(line.substr(7));
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return make_error(Errc::Parse, fmt::format("relay.env:{}: expected KEY=VALUE", line_no));
    }
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')
        && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    env.values.insert_or_assign(std::string(key), std::string(value));
  }

  auto required = [&](std::string_view key) -> Result<std::string> {
    auto it = env.values.find(key);
    if (it == env.values.end() || it->second.empty()) {
      return make_error(Errc::Config, fmt::format("relay.env: missing {}", key));
    }
    return it->second;
  };
  auto optional_port = [&](std::string_view key) -> Result<std::uint16_t> {
    auto it = env.values.find(key);
    if (it == env.values.end() || it->second.empty()) {
      return std::uint16_t{0};
    }
    return parse_port(key, it->second);
  };

  DCBOT_TRY(env.host, required("DCBOT_RELAY_HOST"));
  DCBOT_TRY(env.domain, required("DCBOT_RELAY_DOMAIN"));
  DCBOT_TRY(env.password, required("DCBOT_RELAY_PASSWORD"));
  DCBOT_TRY(auto imaps, required("DCBOT_RELAY_IMAPS_PORT"));
  DCBOT_TRY(env.imaps_port, parse_port("DCBOT_RELAY_IMAPS_PORT", imaps));
  DCBOT_TRY(auto smtps, required("DCBOT_RELAY_SMTPS_PORT"));
  DCBOT_TRY(env.smtps_port, parse_port("DCBOT_RELAY_SMTPS_PORT", smtps));
  DCBOT_TRY(env.imap_port, optional_port("DCBOT_RELAY_IMAP_PORT"));
  DCBOT_TRY(env.submission_port, optional_port("DCBOT_RELAY_SUBMISSION_PORT"));
  DCBOT_TRY(env.smtp_port, optional_port("DCBOT_RELAY_SMTP_PORT"));
  env.capture_addr = env.value("DCBOT_RELAY_CAPTURE_ADDR");
  env.maildir_root = env.value("DCBOT_RELAY_MAILDIR_ROOT");
  env.ca_cert = env.value("DCBOT_RELAY_CA_CERT");
  return env;
}

Result<RelayEnv> RelayEnv::load(std::string_view relay_dir) {
  std::string path = fmt::format("{}/relay.env", relay_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::NotFound,
                      fmt::format("relay: cannot read {} (is the relay running? "
                                  "run the test through ctest, which starts scripts/relay)",
                                  path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto env = parse(text.str());
  if (!env) {
    return env.error().with_context(path);
  }
  env->dir = std::string(relay_dir);
  return env;
}

Result<RelayEnv> RelayEnv::from_environment() {
  // Read-only use of the environment; nothing in a test process calls setenv concurrently.
  const char* dir = std::getenv("DCBOT_RELAY_DIR");  // NOLINT(concurrency-mt-unsafe)
  if (dir == nullptr || *dir == '\0') {
    return make_error(Errc::Config,
                      "relay: DCBOT_RELAY_DIR is not set (run the test through ctest, whose relay "
                      "fixture starts scripts/relay and sets it)");
  }
  return load(dir);
}

std::string RelayEnv::fresh_address(std::string_view prefix) const {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string local(prefix);
  for (int i = 0; i < 12; ++i) {
    local.push_back(kAlphabet[pick(rng)]);
  }
  return fmt::format("{}@{}", local, domain);
}

std::string RelayEnv::value(std::string_view key) const {
  auto it = values.find(key);
  return it == values.end() ? std::string{} : it->second;
}

}  // namespace dcbot::testsupport
