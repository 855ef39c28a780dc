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

# DCBOT_STATIC_DEPS (default ON; preset `shared` turns it off): link the libraries that only the
# SDK's own code calls from
# Debian's static archives (the same -dev packages ship them) instead of their shared objects:
# OpenSSL, Crypto++, SQLite, Boost.JSON, yaml-cpp, Lua and zlib. Their symbols are not exported
# (--exclude-libs; C++ plugins bind only to the SDK) and executables drop what they do not reference
# (--gc-sections). A program then maps only the parts it uses: dcbot-echo's peak RSS goes from
# ~19 to ~15 MiB (bench/README.md "bench/echo"). The price: a Debian security update of one of
# these libraries reaches a bot only when it is rebuilt (docs/deploy.md); every build records their
# package versions (dcbot_built_in below) so that the next build after an `apt upgrade` relinks and
# a bot built before it warns at start (`dcbot version`, `dcbot check`). libc, libstdc++, fmt,
# libqrencode and libzip (loaded on demand) stay shared. Configure a fresh build directory to turn it
# on or off: find results are cached.
# The Debian runtime package ("libssl3:amd64") that the -dev package owning `file` depends on at its
# own version, or "" when dpkg does not know the file (not a Debian system, a library built by hand).
function(dcbot_debian_runtime_package file out)
  set(${out} "" PARENT_SCOPE)
  find_program(DCBOT_DPKG_QUERY dpkg-query)
  if(NOT DCBOT_DPKG_QUERY)
    return()
  endif()
  file(REAL_PATH "${file}" real)
  execute_process(COMMAND ${DCBOT_DPKG_QUERY} -S "${real}" OUTPUT_VARIABLE owner
                  RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0 OR NOT owner MATCHES "^([^:, ]+)(:[^:, ]+)?: ")
    return()
  endif()
  set(dev "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
  execute_process(COMMAND ${DCBOT_DPKG_QUERY} -W "-f=\${Version}|\${Architecture}|\${Depends}" "${dev}"
                  OUTPUT_VARIABLE fields RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0)
    return()
  endif()
  string(REPLACE "|" ";" fields "${fields}")
  list(GET fields 0 version)
  list(GET fields 1 arch)
  list(GET fields 2 depends)
  string(REPLACE "," ";" depends "${depends}")
  foreach(dep IN LISTS depends)
    string(STRIP "${dep}" dep)
    if(dep MATCHES "^([^ ]+) \\(= (.+)\\)$" AND CMAKE_MATCH_2 STREQUAL version)
      set(name "${CMAKE_MATCH_1}")  # (the next MATCHES resets CMAKE_MATCH_*)
      if(NOT name MATCHES "-dev(:.*)?$")
        set(${out} "${name}:${arch}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
endfunction()

option(DCBOT_STATIC_DEPS "Link OpenSSL, Crypto++, SQLite, Boost.JSON, yaml-cpp, Lua, zlib statically" ON)
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
  # Which Debian package each built-in library came from (label=archive; the runtime package is
  # the one the -dev package depends on at its own version): dcbot_built_in records their versions
  # at every build (below).
  set(dcbot_built_in_packages "")
  foreach(entry OpenSSL=libssl.a Crypto++=libcrypto++.a SQLite=libsqlite3.a Lua=liblua5.4.a
          yaml-cpp=libyaml-cpp.a zlib=libz.a Boost.JSON=libboost_json.a)
    string(REPLACE "=" ";" entry "${entry}")
    list(GET entry 0 label)
    list(GET entry 1 file)
    string(MAKE_C_IDENTIFIER "DCBOT_STATIC_${file}" var)
    dcbot_debian_runtime_package("${${var}}" package)
    if(package)
      list(APPEND dcbot_built_in_packages "${label}=${package}")
    endif()
  endforeach()
  list(JOIN dcbot_static_archives ":" dcbot_static_archives)
  add_link_options(
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:LINKER:--gc-sections>"
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:LINKER:--exclude-libs,${dcbot_static_archives}>")
  message(STATUS "dcbot: static ${dcbot_static_archives}")
endif()

# dcbot_built_in (custom target, runs at every build): writes <build>/generated/dcbot_built_in.h with
# the installed version of each package in dcbot_built_in_packages, only when it changed. An `apt
# upgrade` of libssl-dev & co. thus recompiles what includes it and relinks every program with the
# new archives (Ninja alone would not: dpkg gives the new archive the package's old mtime), and the
# program can tell when the installed libraries are newer than its own (`dcbot version`, `run`).
set(DCBOT_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
list(JOIN dcbot_built_in_packages "," dcbot_built_in_list)
add_custom_target(dcbot_built_in
  COMMAND ${CMAKE_COMMAND} "-DOUT=${DCBOT_GENERATED_DIR}/dcbot_built_in.h"
          "-DPACKAGES=${dcbot_built_in_list}" -P ${PROJECT_SOURCE_DIR}/cmake/dcbot_built_in.cmake
  BYPRODUCTS ${DCBOT_GENERATED_DIR}/dcbot_built_in.h
  COMMENT "" VERBATIM)
