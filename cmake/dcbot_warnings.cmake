# SPDX-License-Identifier: MIT
# STYLE.md Appendix C. Parser layers add -Wconversion through dcbot_strict_conversions().
add_library(dcbot_warnings INTERFACE)
target_compile_options(dcbot_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2 -Wmissing-declarations
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>
  # GCC 12's -Wnull-dereference only works when optimising, and then reports hundreds of false
  # positives inside inlined libstdc++ (stl_vector.h, <optional>), Boost.System's result and Asio's
  # scheduler; clang's check is reliable, so it runs there (tidy and fuzz presets).
  $<$<CXX_COMPILER_ID:Clang>:-Wnull-dereference>
  # GCC 12 -O2 false positive on Asio's coroutine frame allocator (awaitable_frame_base's sized
  # operator delete pairs with its own operator new).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
  # GCC 12 -O2 reports maybe-uninitialized through Boost.Variant2's storage inside result<void>
  # (dcbot::Error "may be used uninitialized"): still shown, but not fatal. Real cases found by it
  # were fixed (group.cpp, webxdc.cpp: unchecked optionals).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-error=maybe-uninitialized>)
if(DCBOT_WERROR)
  target_compile_options(dcbot_warnings INTERFACE -Werror)
endif()

function(dcbot_strict_conversions target)
  target_compile_options(${target} PRIVATE -Wconversion -Wsign-conversion)
endfunction()
