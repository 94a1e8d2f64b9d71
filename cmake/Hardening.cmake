# Sanitizer and fuzzing builds (docs/fuzzing.md). Both instrument every object, so the
# engine, the CLI, the app and the tests all run checked.
if(VITLENS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VITLENS_FUZZ=ON needs clang (-DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  # Coverage hooks everywhere, libFuzzer's main() only in the fuzz targets (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g -O1)
  add_link_options(-fsanitize=address,undefined)
elseif(VITLENS_SANITIZE)
  add_compile_options(-fsanitize=${VITLENS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all -g -O1)
  add_link_options(-fsanitize=${VITLENS_SANITIZE})
endif()

# The runtime options and suppressions every sanitized program starts with (an INTERFACE
# source, so it is compiled into each executable that links the engine).
add_library(vitlens_sanitizer_options INTERFACE)
if(VITLENS_FUZZ OR VITLENS_SANITIZE)
  target_sources(vitlens_sanitizer_options INTERFACE ${CMAKE_CURRENT_LIST_DIR}/sanitizer_options.cpp)
endif()
