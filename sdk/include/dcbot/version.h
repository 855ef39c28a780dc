// SPDX-License-Identifier: MIT
#pragma once

// The SDK's version (the top-level CMakeLists.txt checks that it matches project(VERSION)) and the
// plugin ABI version (docs/plugins-cpp.md "The ABI rule").
#define DCBOT_VERSION_MAJOR 0
#define DCBOT_VERSION_MINOR 1
#define DCBOT_VERSION_PATCH 0
#define DCBOT_VERSION_STRING "0.1.0"

// Bumped whenever the C++ plugin boundary changes incompatibly: the descriptor (dcbot/plugin.h),
// or the layout or meaning of a class in the public headers. A host loads only plugins with its
// own ABI number, SDK version and toolchain tag.
#define DCBOT_PLUGIN_ABI 1
