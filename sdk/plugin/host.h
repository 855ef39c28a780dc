// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/bot.h"
#include "dcbot/plugin.h"
#include "dcbot/result.h"
#include "dcbot/value.h"

// The C++ plugin host (docs/plugins-cpp.md): loads plugin shared objects with dlopen, checks their
// descriptor (plugin ABI, SDK version, toolchain) against this program's, starts them on a Bot and
// unloads them again. Plugins call the SDK through the symbols this program exports (the plugin
// layer links every executable with --export-dynamic); they link no copy of the SDK themselves.
namespace dcbot::plugin {

// What the host knows about an attached plugin.
struct Info {
  std::string name{};
  std::string version{};
  std::filesystem::path file{};  // Empty for a plugin linked into the program (add_plugin).
};

// This program's side of the ABI rule: "ABI 1, dcbot 0.1.0, libstdc++ cxx11-abi 1, ...".
std::string host_abi_description();

// Opens `file`, checks its descriptor against this program and closes it again, without creating
// the plugin (`dcbot check`). Errors as Host::load.
Result<Info> inspect(const std::filesystem::path& file);

// The directories searched for `cpp: NAME` entries: each of $DCBOT_PLUGIN_PATH (colon-separated),
// then <directory of this executable>/../lib/dcbot/plugins (the installed layout).
std::vector<std::filesystem::path> default_search_path();

// Finds plugin `name` (no slash) as <dir>/<name>.so or <dir>/lib<name>.so in `dirs`, in order.
// Errc::NotFound listing the places tried.
Result<std::filesystem::path> find_plugin(std::string_view name,
                                          const std::vector<std::filesystem::path>& dirs);

// The plugins of one Bot. Owned by the bot (Host::of); destroyed, unloading every plugin newest
// first, when the bot is. Lives on the bot's io thread.
class Host {
 public:
  // The bot's host, created on first use.
  static Host& of(Bot& bot);

  explicit Host(Bot& bot);
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  ~Host();

  // dlopens `file`, checks it and starts the plugin with `config`. Errors (nothing stays loaded):
  // Errc::Io when the file cannot be loaded, Errc::NotFound without the dcbot_plugin_entry symbol,
  // Errc::Unsupported when the plugin was built for another ABI, SDK version or toolchain (the
  // message names the file and both sides), Errc::InvalidArgument for a second plugin of the same
  // name, and start()'s own error (with the plugin's name and file in front).
  Result<Info> load(const std::filesystem::path& file, config::Value config = {});

  // Attaches a plugin object linked into the program (dcbot::add_plugin).
  Result<Info> add(std::unique_ptr<Plugin> plugin, std::string name, std::string version,
                   config::Value config = {});

  // Stops plugin `name`, detaches its handlers from the bot and dlcloses its shared object once
  // nothing runs its code any more (a handler running now finishes first; work holding
  // keep_alive() delays the dlclose until it lets go). Errc::NotFound if no such plugin.
  Result<> unload(std::string_view name);

  [[nodiscard]] std::vector<Info> plugins() const;

 private:
  struct Loaded;

  Result<Info> start(std::unique_ptr<Loaded> loaded);

  Bot& bot_;
  std::vector<std::unique_ptr<Loaded>> loaded_;
};

}  // namespace dcbot::plugin
