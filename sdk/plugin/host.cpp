// SPDX-License-Identifier: MIT
#include "plugin/host.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include "dcbot/log.h"
#include "runtime/bot.h"

#include <dlfcn.h>
#include <fmt/format.h>

// Present in the dynamic symbol table only when this program exports its symbols to plugins
// (--export-dynamic, which linking dcbot::plugin adds to every executable); Host::load looks it up
// to say so clearly instead of failing with a list of undefined symbols.
extern "C" {
__attribute__((visibility("default"))) extern const std::uint32_t dcbot_plugin_host_abi;
const std::uint32_t dcbot_plugin_host_abi = DCBOT_PLUGIN_ABI;
}

namespace dcbot {
namespace plugin {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEntry = "dcbot_plugin_entry";
constexpr std::string_view kExtensionKey = "dcbot.plugin.host";

using Entry = const dcbot_plugin_descriptor* (*)();

std::string dl_error() {
  const char* e = dlerror();
  return e != nullptr ? std::string(e) : std::string("unknown error");
}

// The host's own descriptor values.
constexpr std::uint32_t kHostAbi = DCBOT_PLUGIN_ABI;
constexpr std::string_view kHostSdk = DCBOT_VERSION_STRING;
constexpr std::string_view kHostToolchain = DCBOT_PLUGIN_TOOLCHAIN;

std::string str(const char* s) {
  return s != nullptr ? std::string(s) : std::string("?");
}

// Refuses a descriptor of another ABI, SDK version or toolchain.
Result<> check_descriptor(const fs::path& file, const dcbot_plugin_descriptor& d) {
  if (d.abi != kHostAbi || d.sdk_version == nullptr || kHostSdk != d.sdk_version) {
    // Only abi and sdk_version are read from a descriptor of another ABI (their place is fixed).
    return make_error(
        Errc::Unsupported,
        fmt::format("plugin: {}: built for dcbot {} (plugin ABI {}), but this is dcbot {} (plugin "
                    "ABI {}); rebuild the plugin against dcbot {}",
                    file.string(), str(d.sdk_version), d.abi, kHostSdk, kHostAbi, kHostSdk));
  }
  if (d.toolchain == nullptr || kHostToolchain != d.toolchain) {
    return make_error(
        Errc::Unsupported,
        fmt::format("plugin: {}: built with {}, but this dcbot {} was built with {}; "
                    "rebuild the plugin with the same standard library, Boost and fmt",
                    file.string(), str(d.toolchain), kHostSdk, kHostToolchain));
  }
  if (d.name == nullptr || *d.name == '\0' || d.create == nullptr || d.destroy == nullptr) {
    return make_error(
        Errc::Unsupported,
        fmt::format("plugin: {}: incomplete descriptor (no name or factory)", file.string()));
  }
  return {};
}

// A dlopen handle that is closed unless released.
struct Library {
  void* handle = nullptr;

  Library() = default;

  explicit Library(void* h) : handle(h) {}

  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  ~Library() {
    if (handle != nullptr) {
      dlclose(handle);
    }
  }

  void* release() { return std::exchange(handle, nullptr); }
};

// The entry point's descriptor of an opened library.
Result<const dcbot_plugin_descriptor*> descriptor_of(const fs::path& file, void* handle) {
  dlerror();
  void* sym = dlsym(handle, kEntry);
  if (sym == nullptr) {
    return make_error(Errc::NotFound,
                      fmt::format("plugin: {}: no entry point {} (not a dcbot plugin? plugins "
                                  "declare one with DCBOT_PLUGIN)",
                                  file.string(), kEntry));
  }
  Entry entry = nullptr;
  static_assert(sizeof(entry) == sizeof(sym));
  std::memcpy(&entry, &sym, sizeof(sym));
  const dcbot_plugin_descriptor* d = entry();
  if (d == nullptr) {
    return make_error(Errc::Unsupported,
                      fmt::format("plugin: {}: {} returned no descriptor", file.string(), kEntry));
  }
  return d;
}

// dlopens and checks `file`; the library is closed again on any error.
Result<std::pair<void*, const dcbot_plugin_descriptor*>> open_checked(const fs::path& file) {
  if (dlsym(RTLD_DEFAULT, "dcbot_plugin_host_abi") == nullptr) {
    return make_error(Errc::Unsupported,
                      fmt::format("plugin: {}: this program does not export the dcbot API to "
                                  "plugins (link it with dcbot::plugin, or with ENABLE_EXPORTS)",
                                  file.string()));
  }
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return make_error(Errc::Io, fmt::format("plugin: {}: no such file", file.string()));
  }
  Library lib(dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (lib.handle == nullptr) {
    std::string why = dl_error();
    // A plugin of another dcbot version may need symbols this one lacks: read its descriptor
    // without binding them, to name the versions instead.
    Library lazy(dlopen(file.c_str(), RTLD_LAZY | RTLD_LOCAL));
    if (lazy.handle != nullptr) {
      auto d = descriptor_of(file, lazy.handle);
      if (d) {
        DCBOT_TRY(check_descriptor(file, **d));
      }
    }
    return make_error(Errc::Io, fmt::format("plugin: cannot load {}: {}", file.string(), why));
  }
  DCBOT_TRY(auto d, descriptor_of(file, lib.handle));
  DCBOT_TRY(check_descriptor(file, *d));
  return std::make_pair(lib.release(), d);
}

// The PluginContext the host hands to one plugin.
class Context final : public PluginContext {
 public:
  Context(Bot& bot, config::Value config, std::string name)
      : bot_(bot), config_(std::move(config)), name_(std::move(name)) {}

  Bot& bot() override { return bot_; }

  [[nodiscard]] const config::Value& config() const override { return config_; }

  [[nodiscard]] const std::string& name() const override { return name_; }

  [[nodiscard]] std::shared_ptr<const void> keep_alive() const override { return pin_.lock(); }

  void set_pin(std::weak_ptr<const void> pin) { pin_ = std::move(pin); }

 private:
  Bot& bot_;
  config::Value config_;
  std::string name_;
  std::weak_ptr<const void> pin_;
};

void delete_linked(Plugin* plugin) {
  delete plugin;
}

// What a plugin's pin keeps alive: the plugin object, its context and the shared object their
// code lives in. The host, every handler the plugin registered and every keep_alive() holder
// share it; the last one to let go destroys the plugin and then dlcloses the library. So an
// unload never pulls code from under a handler that is still running.
struct Keep {
  void* handle = nullptr;  // Null for a plugin linked into the program.
  Plugin* plugin = nullptr;
  void (*destroy)(Plugin*) = nullptr;
  std::unique_ptr<Context> context{};

  Keep() = default;
  Keep(const Keep&) = delete;
  Keep& operator=(const Keep&) = delete;

  ~Keep() {
    if (plugin != nullptr) {
      destroy(plugin);
    }
    context.reset();
    if (handle != nullptr) {
      dlclose(handle);
    }
  }
};

}  // namespace

// One attached plugin.
struct Host::Loaded {
  Info info{};
  std::uint64_t owner = 0;
  std::shared_ptr<Keep> keep{};
};

std::string host_abi_description() {
  return fmt::format("plugin ABI {}, dcbot {}, {}", kHostAbi, kHostSdk, kHostToolchain);
}

Result<Info> inspect(const fs::path& file) {
  DCBOT_TRY(auto opened, open_checked(file));
  Library lib(opened.first);
  return Info{str(opened.second->name), str(opened.second->version), file};
}

std::vector<fs::path> default_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("DCBOT_PLUGIN_PATH"); env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto dir = rest.substr(0, colon);
      if (!dir.empty()) {
        dirs.emplace_back(dir);
      }
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path().parent_path() / "lib" / "dcbot" / "plugins");
  }
  return dirs;
}

Result<fs::path> find_plugin(std::string_view name, const std::vector<fs::path>& dirs) {
  std::string tried;
  for (const auto& dir : dirs) {
    for (const auto& file : {fmt::format("{}.so", name), fmt::format("lib{}.so", name)}) {
      fs::path candidate = dir / file;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        return candidate;
      }
      tried += (tried.empty() ? "" : ", ") + candidate.string();
    }
  }
  return make_error(
      Errc::NotFound,
      fmt::format("plugin: no C++ plugin named '{}' (tried: {}; set DCBOT_PLUGIN_PATH "
                  "or give a path)",
                  name, tried.empty() ? std::string("no directories") : tried));
}

Host& Host::of(Bot& bot) {
  auto& extensions = bot.impl().extensions;
  for (const auto& ext : extensions) {
    if (ext.key == kExtensionKey) {
      return *static_cast<Host*>(ext.object.get());
    }
  }
  auto host = std::make_shared<Host>(bot);
  Host& ref = *host;
  extensions.push_back(runtime::Extension{std::string(kExtensionKey), std::move(host)});
  return ref;
}

Host::Host(Bot& bot) : bot_(bot) {}

Host::~Host() {
  while (!loaded_.empty()) {
    std::string name = loaded_.back()->info.name;
    (void)unload(name);
  }
}

Result<Info> Host::load(const fs::path& file, config::Value config) {
  DCBOT_TRY(auto opened, open_checked(file));
  auto [handle, descriptor] = opened;
  auto loaded = std::make_unique<Loaded>();
  loaded->keep = std::make_shared<Keep>();
  loaded->keep->handle = handle;  // Closed by ~Keep from here on, on every path.
  loaded->keep->destroy = descriptor->destroy;
  loaded->info = Info{str(descriptor->name), str(descriptor->version), file};
  for (const auto& other : loaded_) {
    if (other->info.name == loaded->info.name) {
      return make_error(Errc::InvalidArgument,
                        fmt::format("plugin: {}: a plugin named {} is loaded already (from {})",
                                    file.string(), loaded->info.name,
                                    other->info.file.empty() ? std::string("the program")
                                                             : other->info.file.string()));
    }
  }
  loaded->keep->plugin = descriptor->create();
  if (loaded->keep->plugin == nullptr) {
    return make_error(Errc::Internal, fmt::format("plugin: {} ({}): constructor threw",
                                                  loaded->info.name, file.string()));
  }
  loaded->keep->context = std::make_unique<Context>(bot_, std::move(config), loaded->info.name);
  return start(std::move(loaded));
}

Result<Info> Host::add(std::unique_ptr<Plugin> plugin, std::string name, std::string version,
                       config::Value config) {
  for (const auto& other : loaded_) {
    if (other->info.name == name) {
      return make_error(Errc::InvalidArgument,
                        fmt::format("plugin: a plugin named {} is attached already", name));
    }
  }
  auto loaded = std::make_unique<Loaded>();
  loaded->info = Info{std::move(name), std::move(version), {}};
  loaded->keep = std::make_shared<Keep>();
  loaded->keep->plugin = plugin.release();
  loaded->keep->destroy = &delete_linked;
  loaded->keep->context = std::make_unique<Context>(bot_, std::move(config), loaded->info.name);
  return start(std::move(loaded));
}

Result<Info> Host::start(std::unique_ptr<Loaded> loaded) {
  auto& impl = bot_.impl();
  loaded->owner = impl.new_owner_id();
  std::string where = loaded->info.file.empty()
                          ? loaded->info.name
                          : fmt::format("{} ({})", loaded->info.name, loaded->info.file.string());
  loaded->keep->context->set_pin(loaded->keep);
  Result<> started;
  {
    Bot::Impl::OwnerScope scope(impl, runtime::HandlerOwner{loaded->owner, loaded->keep});
    try {
      started = loaded->keep->plugin->start(*loaded->keep->context);
    } catch (const std::exception& e) {
      started = make_error(Errc::Internal, std::string("threw: ") + e.what());
    } catch (...) {
      started = make_error(Errc::Internal, "threw a non-exception");
    }
  }
  if (!started) {
    impl.remove_handlers(loaded->owner);
    // A config error keeps its "file:line:col: what" form; the plugin is named in front.
    return started.error().with_context(fmt::format("plugin: {}: start", where));
  }
  log::info("plugin: {} {} started", where, loaded->info.version);
  Info info = loaded->info;
  loaded_.push_back(std::move(loaded));
  return info;
}

Result<> Host::unload(std::string_view name) {
  auto it = std::find_if(loaded_.begin(), loaded_.end(),
                         [name](const auto& l) { return l->info.name == name; });
  if (it == loaded_.end()) {
    return make_error(Errc::NotFound, fmt::format("plugin: {} is not loaded", name));
  }
  std::unique_ptr<Loaded> loaded = std::move(*it);
  loaded_.erase(it);
  auto& impl = bot_.impl();
  {
    Bot::Impl::OwnerScope scope(impl, runtime::HandlerOwner{loaded->owner, loaded->keep});
    try {
      loaded->keep->plugin->stop();
    } catch (const std::exception& e) {
      log::error("plugin: {}: stop threw: {}", loaded->info.name, e.what());
    } catch (...) {
      log::error("plugin: {}: stop threw a non-exception", loaded->info.name);
    }
  }
  std::size_t detached = impl.remove_handlers(loaded->owner);
  log::info("plugin: {} unloaded ({} handlers detached)", loaded->info.name, detached);
  // The host's share of the pin goes with `loaded`; if no handler of the plugin is running and no
  // keep_alive() holder is left, the plugin is destroyed and its library closed right here.
  return {};
}

std::vector<Info> Host::plugins() const {
  std::vector<Info> out;
  out.reserve(loaded_.size());
  for (const auto& l : loaded_) {
    out.push_back(l->info);
  }
  return out;
}

}  // namespace plugin

Result<> add_plugin(Bot& bot, std::unique_ptr<Plugin> plugin, std::string name, std::string version,
                    config::Value config) {
  DCBOT_TRY(plugin::Host::of(bot).add(std::move(plugin), std::move(name), std::move(version),
                                      std::move(config)));
  return {};
}

}  // namespace dcbot
