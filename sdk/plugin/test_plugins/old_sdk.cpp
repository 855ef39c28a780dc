// SPDX-License-Identifier: MIT
// A plugin with this ABI number but built against another SDK version and toolchain.
#include "dcbot/plugin.h"

namespace {

class Old final : public dcbot::Plugin {
 public:
  dcbot::Result<> start(dcbot::PluginContext&) override { return {}; }
};

constexpr dcbot_plugin_descriptor kDescriptor{DCBOT_PLUGIN_ABI,
                                              "0.0.1",
                                              "libstdc++ cxx11-abi 0, boost 0, fmt 0",
                                              "test.old",
                                              "0.1",
                                              []() -> dcbot::Plugin* { return new Old(); },
                                              [](dcbot::Plugin* p) {
                                                delete p;
                                              }};

}  // namespace

extern "C" const dcbot_plugin_descriptor* dcbot_plugin_entry() {
  return &kDescriptor;
}
