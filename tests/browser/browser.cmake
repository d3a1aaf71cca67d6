# SPDX-License-Identifier: MIT
# Browser tests (label "browser"): the HTML report opened in headless Chromium via Selenium.
# They exit 77 (skipped) when chromium, chromium-driver or python3-selenium is missing, unless
# RP_BROWSER_REQUIRED=1 is set in the environment (make check-browser, CI), where they fail.
# Reports and screenshots are left in <build>/browser/.
file(GLOB RP_BROWSER_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/browser/report_*.py)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/browser)
foreach(src ${RP_BROWSER_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(file ${src} NAME)
  add_test(NAME browser_${name} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/browser/run.sh ${file})
  set_tests_properties(browser_${name} PROPERTIES LABELS browser SKIP_RETURN_CODE 77
      TIMEOUT 600 RUN_SERIAL TRUE
      ENVIRONMENT "REPRINT=$<TARGET_FILE:reprint>;SRCDIR=${CMAKE_SOURCE_DIR};OUTDIR=${CMAKE_BINARY_DIR}/browser")
endforeach()

# The report's data checked without a browser (JSON blocks, UTF-16 offsets against
# `reprint pairs`, determinism, notes): label "cli", so `make check` runs it.
add_test(NAME cli_report_static COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/browser/static_report.py)
set_tests_properties(cli_report_static PROPERTIES LABELS cli
    ENVIRONMENT "REPRINT=$<TARGET_FILE:reprint>;SRCDIR=${CMAKE_SOURCE_DIR}")
