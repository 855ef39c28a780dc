// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "config/config.h"
#include "dcbot/result.h"
#include "runtime/bot.h"

// The bridge between the YAML config (config::BotConfig) and the runtime's options. The runtime
// does not depend on config; this is where one becomes the other.
namespace dcbot::cli {

// Maps a loaded config onto the options of runtime::open_bot. Errc::Config naming the file (and
// line:col when known) when there is no account, or when an `invite:` URL was not resolved into an
// address first (the cli does that when it loads a config).
Result<runtime::BotOptions> bot_options(const config::BotConfig& config);

// The human summary `dcbot check` prints: address, servers, data dir, profile, limits, plugins.
std::string summary(const config::BotConfig& config, const runtime::BotOptions& options);

}  // namespace dcbot::cli
