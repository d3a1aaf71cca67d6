# SPDX-License-Identifier: MIT
# Fuzz targets (tests/fuzz/fuzz_<target>.c, one LLVMFuzzerTestOneInput each).
# Always: regress_<target> = target + regression_driver.c, replaying tests/fuzz/corpus/<target>
# as the unit test fuzz_regress_<target>. With RP_FUZZ=ON (clang): fuzz_<target> linked with
# libFuzzer. The library itself gets coverage instrumentation from CMAKE_C_FLAGS
# ("-fsanitize=address,undefined,fuzzer-no-link"), which `make fuzz` passes.
set(RP_FUZZ_TARGETS jsonl warc codec normalize align sketch unit lang pieces)
set(RP_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)

if(RP_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RP_FUZZ=ON needs clang (libFuzzer); configure with CC=clang")
  endif()
  if(NOT CMAKE_C_FLAGS MATCHES "fuzzer-no-link")
    message(WARNING "RP_FUZZ: CMAKE_C_FLAGS lacks -fsanitize=fuzzer-no-link; the library is "
                    "not coverage-instrumented (use `make fuzz`)")
  endif()
endif()

foreach(t ${RP_FUZZ_TARGETS})
  add_executable(regress_${t} ${RP_FUZZ_DIR}/fuzz_${t}.c ${RP_FUZZ_DIR}/regression_driver.c)
  target_compile_definitions(regress_${t} PRIVATE _GNU_SOURCE)
  target_compile_options(regress_${t} PRIVATE ${RP_WARN})
  target_link_libraries(regress_${t} PRIVATE reprint_static)
  # fuzz_unit reaches an internal parser (lib/dist/dist_pack.c)
  target_include_directories(regress_${t} PRIVATE ${CMAKE_SOURCE_DIR}/lib)
  add_test(NAME fuzz_regress_${t} COMMAND regress_${t} ${RP_FUZZ_DIR}/corpus/${t})
  set_tests_properties(fuzz_regress_${t} PROPERTIES LABELS unit)

  if(RP_FUZZ)
    add_executable(fuzz_${t} ${RP_FUZZ_DIR}/fuzz_${t}.c)
    target_compile_definitions(fuzz_${t} PRIVATE _GNU_SOURCE)
    target_compile_options(fuzz_${t} PRIVATE ${RP_WARN} -fsanitize=fuzzer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${t} PRIVATE reprint_static)
    target_include_directories(fuzz_${t} PRIVATE ${CMAKE_SOURCE_DIR}/lib)
  endif()
endforeach()
