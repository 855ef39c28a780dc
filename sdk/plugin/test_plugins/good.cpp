// SPDX-License-Identifier: MIT
// The shared object of the Good test plugin (good.h).
#include "good.h"

DCBOT_PLUGIN_ENTRY(test_plugins::Good)
