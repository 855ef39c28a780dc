// SPDX-License-Identifier: MIT
// A plugin of this ABI and SDK version, but built with another standard library ABI and Boost.
#include "dcbot/plugin.h"

namespace {

class Other final : public dcbot::Plugin {
 public:
  dcbot::Result<> start(dcbot::PluginContext&) override { return {}; }
};

constexpr dcbot_plugin_descriptor kDescriptor{DCBOT_PLUGIN_ABI,
                                              DCBOT_VERSION_STRING,
                                              "libstdc++ cxx11-abi 0, boost 106600, fmt 60000",
                                              "test.other",
                                              "0.1",
                                              []() -> dcbot::Plugin* { return new Other(); },
                                              [](dcbot::Plugin* p) {
                                                delete p;
                                              }};

}  // namespace

extern "C" const dcbot_plugin_descriptor* dcbot_plugin_entry() {
  return &kDescriptor;
}
