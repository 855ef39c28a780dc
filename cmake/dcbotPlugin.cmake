# SPDX-License-Identifier: MIT
# dcbot_add_plugin(target [OUTPUT_NAME name] SOURCES ...) builds a C++ plugin shared object
# (docs/plugins-cpp.md). Used in the tree and, installed, by find_package(dcbot).
#
# The plugin links only dcbot::plugin_api (the public headers): the SDK's code is in the program
# that loads it, which exports its symbols. Hidden visibility keeps the plugin's own symbols from
# being bound to a same-named class the program may contain; only dcbot_plugin_entry is exported.
# -fno-gnu-unique lets GCC-built plugins really unload on dlclose.
function(dcbot_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_NAME" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES} ${P_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE dcbot::plugin_api)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(P_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${P_OUTPUT_NAME})
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
endfunction()
