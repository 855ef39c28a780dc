# SPDX-License-Identifier: MIT
# `cmake --install`: the SDK for plugins and C++ bot programs built out of tree with
# find_package(dcbot) (docs/plugins-cpp.md):
#   include/dcbot/*.h                 the public API
#   lib/libdcbot_<layer>.a            the layers (position-independent code)
#   lib/cmake/dcbot/                  dcbotConfig.cmake, version file, targets, dcbotPlugin.cmake
#   bin/dcbot                         the generic host (exports its symbols to plugins)
#   lib/dcbot/plugins/                where `cpp: NAME` entries are looked up
# Targets: dcbot::plugin_api (headers; all a plugin links), dcbot::sdk (everything a program
# links: dcbot::run, the plugin host, the layers), dcbot::<layer>.
# dcbot/version.h (what plugins compile against) must say what project(VERSION) says.
file(STRINGS ${PROJECT_SOURCE_DIR}/sdk/include/dcbot/version.h dcbot_version_line
  REGEX "^#define DCBOT_VERSION_STRING ")
if(NOT dcbot_version_line MATCHES "\"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "sdk/include/dcbot/version.h (${dcbot_version_line}) does not match "
    "project(dcbot VERSION ${PROJECT_VERSION})")
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(dcbot_sdk INTERFACE)
add_library(dcbot::sdk ALIAS dcbot_sdk)
target_link_libraries(dcbot_sdk INTERFACE dcbot::cli dcbot::plugin dcbot::plugin_api)
set_target_properties(dcbot_sdk PROPERTIES EXPORT_NAME sdk)

get_property(dcbot_layer_targets GLOBAL PROPERTY DCBOT_LAYER_TARGETS)
# The test helpers are not part of the installed SDK.
list(REMOVE_ITEM dcbot_layer_targets dcbot_testing)
set_target_properties(dcbot_warnings PROPERTIES EXPORT_NAME warnings)

file(GLOB dcbot_public_headers ${PROJECT_SOURCE_DIR}/sdk/include/dcbot/*.h)
install(FILES ${dcbot_public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dcbot)
install(TARGETS ${dcbot_layer_targets} dcbot_plugin_api dcbot_sdk dcbot_warnings
  EXPORT dcbotTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS dcbot RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_LIBDIR}/dcbot/plugins)

set(dcbot_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/dcbot)
install(EXPORT dcbotTargets NAMESPACE dcbot:: DESTINATION ${dcbot_cmake_dir})
set(DCBOT_BOOST_VERSION ${Boost_VERSION})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dcbotConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dcbotConfig.cmake INSTALL_DESTINATION ${dcbot_cmake_dir})
# The plugin ABI rule: a plugin must be built against exactly the host's SDK version.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dcbotConfigVersion.cmake
  COMPATIBILITY ExactVersion)
install(FILES ${PROJECT_BINARY_DIR}/dcbotConfig.cmake ${PROJECT_BINARY_DIR}/dcbotConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/dcbotPlugin.cmake
  DESTINATION ${dcbot_cmake_dir})
