# SPDX-License-Identifier: MIT
# Thin wrapper around CMake (the real build). `make help` lists the targets.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build check check-shared asan asan-check fuzz bench clean help install

all: build ## build the library (static + shared), the CLI and reprint.pc

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

check: build ## run every test that needs nothing outside the repository (unit + CLI)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE shared

check-shared: build ## run the tests on ../shared (seeds and eval corpora); fails if missing
	@test -d ../shared/seeds || { echo "check-shared: ../shared is missing" >&2; exit 1; }
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L shared

asan: ## build with ASan+UBSan in build-asan/
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRP_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)

asan-check: asan ## run the unit and CLI tests under ASan+UBSan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -LE shared

install: build ## install under CMAKE_INSTALL_PREFIX (default /usr/local)
	cmake --install $(BUILD)

clean: ## remove build trees
	rm -rf $(BUILD) build-asan build-fuzz build-clang build-off

help: ## this list
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16
