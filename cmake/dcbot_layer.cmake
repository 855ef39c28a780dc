# SPDX-License-Identifier: MIT
# dcbot_add_layer(name SOURCES ... TESTS ... DEPS ... PRIVATE_DEPS ... TEST_DEPS ... [STRICT])
# creates the static library dcbot_<name>, its alias dcbot::<name> and, with tests enabled, the gtest
# binary dcbot_<name>_test registered with ctest (STYLE.md §6). STRICT adds -Wconversion.
function(dcbot_add_layer name)
  cmake_parse_arguments(L "STRICT" "" "SOURCES;TESTS;DEPS;PRIVATE_DEPS;TEST_DEPS" ${ARGN})
  add_library(dcbot_${name} STATIC ${L_SOURCES})
  add_library(dcbot::${name} ALIAS dcbot_${name})
  # Installed as dcbot::<name> (cmake/dcbot_install.cmake).
  set_target_properties(dcbot_${name} PROPERTIES EXPORT_NAME ${name})
  set_property(GLOBAL APPEND PROPERTY DCBOT_LAYER_TARGETS dcbot_${name})
  target_include_directories(dcbot_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/sdk>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/sdk/include>)
  target_link_libraries(dcbot_${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS} dcbot_warnings)
  if(L_STRICT)
    dcbot_strict_conversions(dcbot_${name})
  endif()
  if(DCBOT_BUILD_TESTS AND L_TESTS)
    add_executable(dcbot_${name}_test ${L_TESTS})
    target_link_libraries(dcbot_${name}_test PRIVATE dcbot_${name} ${L_TEST_DEPS}
      GTest::gmock GTest::gtest_main dcbot_warnings)
    target_compile_definitions(dcbot_${name}_test PRIVATE
      DCBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" DCBOT_BINARY_DIR="${PROJECT_BINARY_DIR}")
    gtest_discover_tests(dcbot_${name}_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
endfunction()
