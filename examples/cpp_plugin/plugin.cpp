// SPDX-License-Identifier: MIT
// The shared object's entry point: the host dlopens shout.so and calls it.
#include "shout.h"

DCBOT_PLUGIN_ENTRY(Shout)
