// SPDX-License-Identifier: MIT
// A shared object without dcbot_plugin_entry.
extern "C" __attribute__((visibility("default"))) int not_a_plugin();

extern "C" int not_a_plugin() {
  return 42;
}
