# SPDX-License-Identifier: MIT
# STYLE.md Appendix C. Parser layers add -Wconversion through dcbot_strict_conversions().
add_library(dcbot_warnings INTERFACE)
target_compile_options(dcbot_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Wformat=2 -Wmissing-declarations
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>)
if(DCBOT_WERROR)
  target_compile_options(dcbot_warnings INTERFACE -Werror)
endif()

function(dcbot_strict_conversions target)
  target_compile_options(${target} PRIVATE -Wconversion -Wsign-conversion)
endfunction()
