// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

// Debian's package database as far as the bot needs it: which libraries linked into the program
// (DCBOT_STATIC_DEPS) have a newer installed package than the one the program was built from, so a
// security update that only a rebuild picks up is reported instead of silently missed.
namespace dcbot::debian {

// One installed package of a dpkg status file.
struct Package {
  std::string name;
  std::string architecture;
  std::string version;
};

// The packages of a dpkg status file (/var/lib/dpkg/status) whose Status is "install ok installed".
// Paragraphs without Package or Version are skipped; anything is accepted (never fails).
std::vector<Package> installed_packages(std::string_view status);

// A library inside the program, as the build recorded it: its Debian runtime package at build time.
struct BuiltIn {
  std::string_view library;  // "OpenSSL"
  std::string_view package;  // "libssl3"
  std::string_view architecture;
  std::string_view version;  // "3.0.19-1~deb12u2"
};

// A built-in library whose package is now installed at another version.
struct Outdated {
  std::string library;
  std::string package;
  std::string built;
  std::string installed;
};

// The built-in libraries whose package is installed (same name and architecture) at a version other
// than the one built in. Packages that are not installed are not reported: nothing to compare with.
std::vector<Outdated> outdated(std::span<const BuiltIn> built_in,
                               std::span<const Package> installed);

}  // namespace dcbot::debian
