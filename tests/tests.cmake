# SPDX-License-Identifier: MIT
# Test registration. Labels: unit, cli, shared (needs ../shared; run by `make check-shared`).
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

file(GLOB RP_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${RP_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/lib ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
      RP_TEST_DATA="${CMAKE_SOURCE_DIR}/tests/data")
  target_link_libraries(${name} PRIVATE reprint_static PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endforeach()

# End-to-end CLI tests: one shell script per case.
file(GLOB RP_CLI_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cli/*.sh)
foreach(src ${RP_CLI_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME cli_${name} COMMAND bash ${src})
  set_tests_properties(cli_${name} PROPERTIES LABELS cli
      ENVIRONMENT "REPRINT=$<TARGET_FILE:reprint>;SRCDIR=${CMAKE_SOURCE_DIR};FAILWRITE=$<TARGET_FILE:rp_failwrite>;FAILALLOC=$<TARGET_FILE:rp_failalloc>")
endforeach()

# Tests on ../shared (seeds and eval corpora): label "shared"; they fail when ../shared is
# missing.
file(GLOB RP_SHARED_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/shared/*.sh)
foreach(src ${RP_SHARED_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME shared_${name} COMMAND bash ${src})
  set_tests_properties(shared_${name} PROPERTIES LABELS shared
      ENVIRONMENT "REPRINT=$<TARGET_FILE:reprint>;SRCDIR=${CMAKE_SOURCE_DIR}")
endforeach()

include(${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz.cmake)

# LD_PRELOAD fault injector for tests/cli/faults.sh (passed to the CLI tests as FAILWRITE).
add_library(rp_failwrite SHARED ${CMAKE_SOURCE_DIR}/tests/fault/failwrite.c)
target_compile_definitions(rp_failwrite PRIVATE _GNU_SOURCE)
target_link_libraries(rp_failwrite PRIVATE dl pthread)

# LD_PRELOAD allocation-failure injector for tests/cli/allocfail.sh (passed as FAILALLOC).
add_library(rp_failalloc SHARED ${CMAKE_SOURCE_DIR}/tests/fault/failalloc.c)
target_compile_definitions(rp_failalloc PRIVATE _GNU_SOURCE)
