# WV_TSAN: ThreadSanitizer (clang). Included by CMakeLists.txt after find_package(absl).
#
# Debian's abseil is not built with TSan, so absl::Mutex's synchronisation is
# invisible to it and every access it guards would be reported as a race.
# cmake/tsan_absl_shim.cc annotates it; here every executable is linked with the
# shim and with -Wl,--wrap=<symbol> for each abseil function the shim wraps (the
# list is read from the shim's WV_WRAP lines, so the two cannot drift apart).

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "WV_TSAN needs clang (CC=clang CXX=clang++)")
endif()

# The mangled inline namespace of abseil (absl::debian3 -> "7debian3").
find_file(WV_ABSL_OPTIONS_H absl/base/options.h REQUIRED)
file(STRINGS ${WV_ABSL_OPTIONS_H} wv_ns_line REGEX "^#define ABSL_OPTION_INLINE_NAMESPACE_NAME ")
string(REGEX REPLACE "^#define ABSL_OPTION_INLINE_NAMESPACE_NAME +([A-Za-z0-9_]+).*" "\\1" wv_ns
       "${wv_ns_line}")
file(STRINGS ${WV_ABSL_OPTIONS_H} wv_use_ns REGEX "^#define ABSL_OPTION_USE_INLINE_NAMESPACE 1")
if(NOT wv_ns OR NOT wv_use_ns)
  message(FATAL_ERROR "WV_TSAN: no abseil inline namespace found in ${WV_ABSL_OPTIONS_H}")
endif()
string(LENGTH "${wv_ns}" wv_ns_len)
set(WV_ABSL_NS "${wv_ns_len}${wv_ns}")

set(wv_shim ${CMAKE_SOURCE_DIR}/cmake/tsan_absl_shim.cc)
file(READ ${wv_shim} wv_shim_text)
string(REGEX MATCHALL "WV_WRAPK?\\([A-Za-z]+,[ \n]*\"[^\"]+\"" wv_wraps "${wv_shim_text}")
set(wv_wrap_flags)
foreach(w ${wv_wraps})
  string(REGEX REPLACE "^WV_WRAP(K?)\\([A-Za-z]+,[ \n]*\"([^\"]+)\"$" "\\1;\\2" parts "${w}")
  list(GET parts 0 k)
  list(GET parts 1 tail)
  list(APPEND wv_wrap_flags "-Wl,--wrap=_ZN${k}4absl${WV_ABSL_NS}${tail}")
endforeach()
list(LENGTH wv_wrap_flags wv_n)
if(wv_n LESS 20)
  message(FATAL_ERROR "WV_TSAN: read only ${wv_n} wrapped functions from ${wv_shim}")
endif()
message(STATUS "WV_TSAN: absl::Mutex annotated for TSan (${wv_n} functions in absl::${wv_ns})")

add_library(wv_tsan_absl_shim OBJECT ${wv_shim})
target_compile_definitions(wv_tsan_absl_shim PRIVATE WV_ABSL_NS="${WV_ABSL_NS}")
target_link_libraries(wv_tsan_absl_shim PRIVATE absl::synchronization)
# Every executable defined after this point links the shim and wraps the calls.
link_libraries($<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:wv_tsan_absl_shim>
               $<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:absl::synchronization>)
add_link_options(${wv_wrap_flags})
