// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "base/debian.h"

// The libraries linked into the program from Debian's static archives (DCBOT_STATIC_DEPS, the
// default): what `dcbot version` lists, and the check that tells the operator when Debian installed
// a newer version of one of them (a security update) that only a rebuild brings into the bot.
namespace dcbot::cli {

// The built-in libraries with the version of their Debian package at build time (empty in a
// shared-library build).
std::span<const debian::BuiltIn> built_in();

// The dpkg status file the check reads: $DCBOT_DPKG_STATUS, or /var/lib/dpkg/status.
std::filesystem::path dpkg_status_file();

// The built-in libraries whose package `status_file` lists at another installed version. Reads the
// file in blocks and keeps only the packages it looks for; empty when the file cannot be read.
std::vector<debian::Outdated> outdated_built_in(std::span<const debian::BuiltIn> libraries,
                                                const std::filesystem::path& status_file);

// One line per outdated library, for logs and `dcbot check`: what is built in, what is installed
// and that a rebuild picks it up.
std::string describe(const debian::Outdated& outdated);

// `dcbot version`: the SDK version, then the built-in libraries or that the build uses shared ones.
std::string version_text();

}  // namespace dcbot::cli
