# SPDX-License-Identifier: MIT
# ctest plugin.out_of_tree: proves that a plugin builds out of tree against the installed SDK and
# loads into a Bot. Installs this build tree into a scratch prefix, configures and builds
# examples/cpp_plugin with find_package(dcbot) from there (the shared object and the program with
# the same class linked in), checks a config naming the plugin with the installed `dcbot check`,
# and runs the plugin host test case that loads shout.so into a Bot and talks to it.
# Needs the whole tree built (cmake --install copies every layer library).
# -D: BUILD_DIR SOURCE_DIR WORK_DIR CXX GENERATOR HOST_TEST
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CXX GENERATOR HOST_TEST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "out_of_tree_test.cmake: -D${var}=... missing")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
message(STATUS "installing the SDK into ${prefix}")
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

message(STATUS "building examples/cpp_plugin against it")
set(launcher)
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp_plugin -B ${WORK_DIR}/build -G "${GENERATOR}"
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ${launcher})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
set(plugin ${WORK_DIR}/build/shout.so)

message(STATUS "dcbot check of a config with `cpp: shout` (found in the installed plugin dir)")
file(COPY ${plugin} DESTINATION ${prefix}/lib/dcbot/plugins)
file(WRITE ${WORK_DIR}/bot.yaml "account:\n  addr: shout@relay.test\n  password: x\n"
  "data_dir: ./data\nplugins:\n  - { cpp: shout, config: { suffix: '!!' } }\n")
run(${prefix}/bin/dcbot check ${WORK_DIR}/bot.yaml)
if(NOT run_output MATCHES "plugins: +cpp shout\n.*ok\n")
  message(FATAL_ERROR "unexpected dcbot check output:\n${run_output}")
endif()
# The program with the class linked in runs the same command line (and finds plugins by name on
# DCBOT_PLUGIN_PATH, not being installed).
run(${CMAKE_COMMAND} -E env DCBOT_PLUGIN_PATH=${WORK_DIR}/build
  ${WORK_DIR}/build/shout-bot check ${WORK_DIR}/bot.yaml)

message(STATUS "loading ${plugin} into a Bot")
run(${CMAKE_COMMAND} -E env DCBOT_OUT_OF_TREE_PLUGIN=${plugin}
  ${HOST_TEST} --gtest_filter=HostTest.OutOfTreePluginBuiltAgainstTheInstalledSdk)
if(NOT run_output MATCHES "\\[  PASSED  \\] 1 test")
  message(FATAL_ERROR "the host test did not run:\n${run_output}")
endif()
message(STATUS "ok")
