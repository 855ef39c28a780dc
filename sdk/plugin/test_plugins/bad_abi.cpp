// SPDX-License-Identifier: MIT
// A plugin "built for" a future plugin ABI: only the frozen fields (abi, sdk_version) are set.
#include "dcbot/plugin.h"

namespace {

constexpr dcbot_plugin_descriptor kDescriptor{
    DCBOT_PLUGIN_ABI + 98, "9.9.9", nullptr, nullptr, nullptr, nullptr, nullptr};

}  // namespace

extern "C" const dcbot_plugin_descriptor* dcbot_plugin_entry() {
  return &kDescriptor;
}
