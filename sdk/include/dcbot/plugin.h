// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/version.hpp>

#include "dcbot/bot.h"
#include "dcbot/result.h"
#include "dcbot/value.h"
#include "dcbot/version.h"

#include <fmt/core.h>

// C++ plugins (docs/plugins-cpp.md). A plugin is a class derived from dcbot::Plugin plus one
// DCBOT_PLUGIN line at global scope:
//
//   class Echo final : public dcbot::Plugin {
//    public:
//     dcbot::Result<> start(dcbot::PluginContext& ctx) override {
//       ctx.bot().on_message([](dcbot::MessageEvent ev) { ev.reply(ev.text()); });
//       return {};
//     }
//   };
//   DCBOT_PLUGIN(Echo, "org.example.echo", "1.0.0")
//
// Built as a shared object (dcbot_add_plugin() of find_package(dcbot)), it is loaded by a
// `{ cpp: PATH_OR_NAME, config: ... }` entry of a bot's YAML. The same class can be linked into a
// C++ bot program and attached with dcbot::add_plugin<Echo>(bot, config).
namespace dcbot {

// What a plugin gets from its host while it runs.
class PluginContext {
 public:
  PluginContext() = default;
  PluginContext(const PluginContext&) = delete;
  PluginContext& operator=(const PluginContext&) = delete;
  virtual ~PluginContext() = default;

  // The bot the plugin is attached to. Handlers registered on it belong to this plugin: they are
  // detached when it is unloaded.
  virtual Bot& bot() = 0;
  // The entry's `config:` block (a null Value when absent). Its marks name the YAML file, line and
  // column: `return value.error("expected a chat name")` reports like the host's own checks.
  [[nodiscard]] virtual const config::Value& config() const = 0;
  // The name from DCBOT_PLUGIN ("org.example.echo").
  [[nodiscard]] virtual const std::string& name() const = 0;
  // Keeps the plugin's shared object loaded while held: capture it in work that outlives a handler
  // call (a timer, a coroutine), so that unloading waits for that work to finish.
  [[nodiscard]] virtual std::shared_ptr<const void> keep_alive() const = 0;
};

// The base class of every C++ plugin. Created by the host on the bot's io thread; every method is
// called there.
class Plugin {
 public:
  Plugin() = default;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  virtual ~Plugin() = default;

  // Reads the config and registers handlers on ctx.bot(). `ctx` stays valid until stop() has
  // returned. An error (Errc::Config for a bad `config:` block) refuses the plugin: the handlers
  // registered so far are detached again and the bot does not start.
  virtual Result<> start(PluginContext& ctx) = 0;

  // Called before unloading, while the handlers are still attached; the host detaches them next.
  virtual void stop() {}
};

// Name and version of a plugin class; DCBOT_PLUGIN specialises it.
template <class P>
struct PluginInfo;

// Attaches a plugin linked into the program (no shared object) to `bot`: start() runs now with
// `config` as its config block. The bot owns the plugin from then on. Errors are start()'s, or
// Errc::InvalidArgument when a plugin of that name is attached already.
Result<> add_plugin(Bot& bot, std::unique_ptr<Plugin> plugin, std::string name, std::string version,
                    config::Value config = {});

template <class P>
Result<> add_plugin(Bot& bot, config::Value config = {}) {
  return add_plugin(bot, std::make_unique<P>(), PluginInfo<P>::name, PluginInfo<P>::version,
                    std::move(config));
}

}  // namespace dcbot

#define DCBOT_DETAIL_STR2(x) #x
#define DCBOT_DETAIL_STR(x) DCBOT_DETAIL_STR2(x)
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define DCBOT_DETAIL_STDLIB "libstdc++ cxx11-abi " DCBOT_DETAIL_STR(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define DCBOT_DETAIL_STDLIB "libc++ abi " DCBOT_DETAIL_STR(_LIBCPP_ABI_VERSION)
#else
#define DCBOT_DETAIL_STDLIB "unknown standard library"
#endif
// What else must match between host and plugin: the standard library's ABI and the versions of the
// libraries whose types and inline code the public headers use (Boost.System, fmt).
#define DCBOT_PLUGIN_TOOLCHAIN \
  DCBOT_DETAIL_STDLIB          \
  ", boost " DCBOT_DETAIL_STR(BOOST_VERSION) ", fmt " DCBOT_DETAIL_STR(FMT_VERSION)

extern "C" {

// What a plugin's entry point returns. `abi` and `sdk_version` come first and keep their place in
// every future ABI, so that any host can read them and refuse a plugin built for another one.
struct dcbot_plugin_descriptor {
  std::uint32_t abi;        // DCBOT_PLUGIN_ABI the plugin was built with.
  const char* sdk_version;  // DCBOT_VERSION_STRING the plugin was built with.
  const char* toolchain;    // DCBOT_PLUGIN_TOOLCHAIN the plugin was built with.
  const char* name;         // "org.example.echo"
  const char* version;      // The plugin's own version.
  // A new plugin object, or nullptr if its constructor threw.
  dcbot::Plugin* (*create)();
  // Deletes an object create() returned (inside the shared object that allocated it).
  void (*destroy)(dcbot::Plugin* plugin);
};

// The entry point the host looks up with dlsym (defined by DCBOT_PLUGIN).
__attribute__((visibility("default"))) const dcbot_plugin_descriptor* dcbot_plugin_entry();
}

// DCBOT_PLUGIN(Class, Name, Version) declares `Class` (derived from dcbot::Plugin, default-
// constructible) as this shared object's plugin, named `Name` with version `Version` (string
// literals). Use it once, at global scope, in the plugin's source file. It is the two halves below:
//
// DCBOT_PLUGIN_INFO(Class, Name, Version) names the class for dcbot::add_plugin<Class>; put it in
// the class's header when a program also links the class directly. DCBOT_PLUGIN_ENTRY(Class)
// defines the shared object's entry point (once per shared object, in a source file that the
// program does not link).
#define DCBOT_PLUGIN(Class, Name, Version) \
  DCBOT_PLUGIN_INFO(Class, Name, Version)  \
  DCBOT_PLUGIN_ENTRY(Class)

#define DCBOT_PLUGIN_INFO(Class, Name, Version)     \
  template <>                                       \
  struct dcbot::PluginInfo<Class> {                 \
    static constexpr const char* name = Name;       \
    static constexpr const char* version = Version; \
  };

#define DCBOT_PLUGIN_ENTRY(Class)                                   \
  namespace {                                                       \
  constexpr dcbot_plugin_descriptor dcbot_detail_plugin_descriptor{ \
      DCBOT_PLUGIN_ABI,                                             \
      DCBOT_VERSION_STRING,                                         \
      DCBOT_PLUGIN_TOOLCHAIN,                                       \
      dcbot::PluginInfo<Class>::name,                               \
      dcbot::PluginInfo<Class>::version,                            \
      []() -> dcbot::Plugin* {                                      \
        try {                                                       \
          return new Class();                                       \
        } catch (...) {                                             \
          return nullptr;                                           \
        }                                                           \
      },                                                            \
      [](dcbot::Plugin* plugin) { delete plugin; },                 \
  };                                                                \
  }                                                                 \
  extern "C" const dcbot_plugin_descriptor* dcbot_plugin_entry() {  \
    return &dcbot_detail_plugin_descriptor;                         \
  }
