# SPDX-License-Identifier: MIT
# Every third-party dependency, found once. All come from Debian packages (scripts/setup installs them).
# Each library is linked by exactly one layer (DESIGN.md); this file only finds them.
set(Boost_NO_WARN_NEW_VERSIONS ON)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json)
find_package(fmt REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(ZLIB REQUIRED)
find_package(CLI11 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRYPTOPP REQUIRED IMPORTED_TARGET libcrypto++)
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
# Debian's libzip CMake config references tools from another package; pkg-config is reliable.
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
if(DCBOT_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
endif()
