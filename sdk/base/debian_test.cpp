// SPDX-License-Identifier: MIT
#include "base/debian.h"

#include <gtest/gtest.h>

namespace dcbot::debian {
namespace {

// The shape of /var/lib/dpkg/status (abridged from a Debian 12 machine).
constexpr std::string_view kStatus =
    "Package: libssl3\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Source: openssl\n"
    "Version: 3.0.19-1~deb12u2\n"
    "Depends: libc6 (>= 2.34)\n"
    "Description: Secure Sockets Layer toolkit - shared libraries\n"
    " This package is part of the OpenSSL project's implementation of the SSL and TLS\n"
    " .\n"
    " Version: 9.9 (a description line, not a field)\n"
    "\n"
    "Package: libssl3\n"
    "Status: install ok installed\n"
    "Architecture: i386\n"
    "Version: 3.0.11-1~deb12u2\n"
    "\n"
    "Package: libsqlite3-0\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 3.40.1-2\n"
    "\n"
    "\n"
    "Package: zlib1g\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:1.2.13.dfsg-1\n"
    "Conffiles:\n"
    " /etc/x 0123\n";  // last paragraph without a blank line after it

TEST(Debian, InstalledPackagesReadsInstalledParagraphsOnly) {
  auto packages = installed_packages(kStatus);
  ASSERT_EQ(packages.size(), 3u);
  EXPECT_EQ(packages[0].name, "libssl3");
  EXPECT_EQ(packages[0].architecture, "amd64");
  EXPECT_EQ(packages[0].version, "3.0.19-1~deb12u2");
  EXPECT_EQ(packages[1].architecture, "i386");
  EXPECT_EQ(packages[2].name, "zlib1g");  // libsqlite3-0 is removed (config files only)
  EXPECT_EQ(packages[2].version, "1:1.2.13.dfsg-1");
}

TEST(Debian, InstalledPackagesAcceptsAnything) {
  EXPECT_TRUE(installed_packages("").empty());
  EXPECT_TRUE(installed_packages("\n\n:\n Package: x\nVersion\n").empty());
  EXPECT_TRUE(installed_packages("Package: a\r\nStatus: install ok installed\r\n").empty());
  auto crlf = installed_packages(
      "Package: a\r\nStatus: install ok installed\r\nArchitecture: all\r\nVersion: 1\r\n");
  ASSERT_EQ(crlf.size(), 1u);
  EXPECT_EQ(crlf[0].version, "1");
}

TEST(Debian, OutdatedNamesBuiltInLibrariesWithAnotherInstalledVersion) {
  auto installed = installed_packages(kStatus);
  const BuiltIn built_in[] = {
      {"OpenSSL", "libssl3", "amd64", "3.0.17-1~deb12u1"},  // updated since the build
      {"zlib", "zlib1g", "amd64", "1:1.2.13.dfsg-1"},       // the same
      {"SQLite", "libsqlite3-0", "amd64", "3.40.1-1"},      // not installed any more
  };
  auto stale = outdated(built_in, installed);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].library, "OpenSSL");
  EXPECT_EQ(stale[0].package, "libssl3");
  EXPECT_EQ(stale[0].built, "3.0.17-1~deb12u1");
  EXPECT_EQ(stale[0].installed, "3.0.19-1~deb12u2");  // the amd64 one, not the i386 one
  EXPECT_TRUE(outdated({}, installed).empty());
}

}  // namespace
}  // namespace dcbot::debian
