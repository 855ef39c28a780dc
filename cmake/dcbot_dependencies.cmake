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

# DCBOT_STATIC_DEPS (default OFF): link the libraries that only the SDK's own code calls from
# Debian's static archives (the same -dev packages ship them) instead of their shared objects:
# OpenSSL, Crypto++, SQLite, Boost.JSON, yaml-cpp, Lua and zlib. Their symbols are not exported
# (--exclude-libs; C++ plugins bind only to the SDK) and executables drop what they do not reference
# (--gc-sections). A program then maps only the parts it uses: dcbot-echo's peak RSS goes from
# ~19 to ~15 MiB (bench/README.md "bench/echo"). The price: a Debian security update of one of
# these libraries reaches a bot only when it is rebuilt (docs/deploy.md). libc, libstdc++, fmt,
# libqrencode and libzip (loaded on demand) stay shared. Configure a fresh build directory to turn it
# on or off: find results are cached.
option(DCBOT_STATIC_DEPS "Link OpenSSL, Crypto++, SQLite, Boost.JSON, yaml-cpp, Lua, zlib statically" OFF)
if(DCBOT_STATIC_DEPS)
  set(dcbot_static_archives "")
  # Points the imported `target` at the static archive `file` (found in the usual library dirs),
  # plus the system libraries the archive needs.
  function(dcbot_link_static target file)
    string(MAKE_C_IDENTIFIER "DCBOT_STATIC_${file}" var)
    find_library(${var} NAMES ${file} REQUIRED)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")  # pkg-config's IMPORTED_TARGET
      set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES "${${var}};${ARGN}")
    else()
      get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
      set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION "${${var}}")
      foreach(config IN LISTS configs)
        set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION_${config} "${${var}}")
        set_property(TARGET ${target} PROPERTY IMPORTED_SONAME_${config})
      endforeach()
      set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${ARGN})
    endif()
    set(dcbot_static_archives ${dcbot_static_archives} ${file} PARENT_SCOPE)
  endfunction()
  dcbot_link_static(OpenSSL::SSL libssl.a)
  dcbot_link_static(OpenSSL::Crypto libcrypto.a ${CMAKE_DL_LIBS} Threads::Threads)
  dcbot_link_static(SQLite::SQLite3 libsqlite3.a m ${CMAKE_DL_LIBS} Threads::Threads)
  dcbot_link_static(PkgConfig::CRYPTOPP libcrypto++.a)
  dcbot_link_static(PkgConfig::LUA liblua5.4.a m ${CMAKE_DL_LIBS})
  dcbot_link_static(yaml-cpp libyaml-cpp.a)
  dcbot_link_static(ZLIB::ZLIB libz.a)
  dcbot_link_static(Boost::json libboost_json.a)
  dcbot_link_static(Boost::container libboost_container.a)
  list(JOIN dcbot_static_archives ":" dcbot_static_archives)
  add_link_options(
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:LINKER:--gc-sections>"
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:LINKER:--exclude-libs,${dcbot_static_archives}>")
  message(STATUS "dcbot: static ${dcbot_static_archives}")
endif()
