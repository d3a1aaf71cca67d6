# SPDX-License-Identifier: MIT
# Thin wrapper around CMake (the real build). `make help` lists the targets.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build check check-python check-browser check-shared check-mpi check-slurm asan asan-check tsan tsan-check valgrind-check fuzz \
	bench clean help install

all: build ## build the library (static + shared), the CLI and reprint.pc

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

check: build ## run every test that needs nothing outside the repository (unit + CLI)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'shared|browser'

PYTHON ?= /usr/bin/python3
check-python: build ## the Python package (python/): build the extension in place, run pytest
	cd python && REPRINT_BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) setup.py -q build_ext --inplace --force
	cd python && REPRINT_BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) -m pytest -q tests

check-browser: build ## the HTML report in headless Chromium (sh scripts/install-browser-deps.sh first)
	cd $(BUILD) && RP_BROWSER_REQUIRED=1 ctest --output-on-failure -L browser

check-shared: build ## run the tests on ../shared (seeds and eval corpora); fails if missing
	@test -d ../shared/seeds || { echo "check-shared: ../shared is missing" >&2; exit 1; }
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L shared

asan: ## build with ASan+UBSan in build-asan/
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRP_SANITIZE=ON -DRP_LEXICONS=OFF >/dev/null
	cmake --build build-asan -j $(JOBS)

asan-check: asan ## run the unit and CLI tests under ASan+UBSan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 INDEX_KILL9_RUNS=40 \
	  ctest --output-on-failure -j $(JOBS) -LE 'shared|browser'

TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS ?= ^(test_engine|test_align|cli_determinism|cli_threads_levels|cli_translation|test_lang)$$
tsan: ## build with ThreadSanitizer (clang) in build-tsan/
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DRP_LEXICONS=OFF \
	  -DCMAKE_C_FLAGS="$(TSAN_FLAGS)" -DCMAKE_CXX_FLAGS="$(TSAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
	  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
	cmake --build build-tsan -j $(JOBS)

tsan-check: tsan ## run the threaded tests under TSan (engine; 1 vs 4 threads, every level)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:abort_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := jsonl warc codec normalize align sketch unit lang pieces
FUZZ_CFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz: ## build libFuzzer targets (clang) in build-fuzz/ and run each FUZZ_SECONDS (default 60)
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRP_FUZZ=ON \
	  -DRP_LEXICONS=OFF \
	  -DCMAKE_C_FLAGS="$(FUZZ_CFLAGS)" -DCMAKE_CXX_FLAGS="$(FUZZ_CFLAGS)" >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus-$$t build-fuzz/crashes-$$t && \
	  cp tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/ && \
	  echo "== fuzz_$$t: $(FUZZ_SECONDS) s over build-fuzz/corpus-$$t" && \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/crashes-$$t/ build-fuzz/corpus-$$t \
	    2>build-fuzz/fuzz-$$t.log; rc=$$?; \
	  grep -E '^#[0-9]+.*(DONE|cov:)' build-fuzz/fuzz-$$t.log | tail -1; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
	    build-fuzz/fuzz-$$t.log; \
	  if [ $$rc -ne 0 ]; then tail -40 build-fuzz/fuzz-$$t.log; \
	    echo "fuzz_$$t: crash, input in build-fuzz/crashes-$$t/" >&2; exit 1; fi; \
	done

VALGRIND_TESTS ?= test_sketch test_eval test_shingle test_utf8 test_normalize test_engine \
	regress_jsonl regress_warc regress_normalize
valgrind-check: build ## run a fast subset of the unit tests under valgrind memcheck
	@set -e; for t in $(VALGRIND_TESTS); do \
	  args=""; case $$t in regress_*) args=tests/fuzz/corpus/$${t#regress_};; esac; \
	  [ -x $(BUILD)/$$t ] || { echo "valgrind-check: $(BUILD)/$$t missing" >&2; exit 1; }; \
	  echo "valgrind: $$t"; \
	  valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    $(BUILD)/$$t $$args > $(BUILD)/valgrind-$$t.log 2>&1 || \
	    { tail -30 $(BUILD)/valgrind-$$t.log; exit 1; }; \
	done; echo "valgrind-check: no errors, no leaks"

check-mpi: ## mpirun -np 1..8 byte-identical to one process, kill -9 + --resume (needs ../shared; Open MPI: sh scripts/install-deps.sh openmpi-bin libopenmpi-dev)
	cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRP_WITH_MPI=ON -DRP_BUILD_TESTS=OFF >/dev/null
	cmake --build build-mpi -j $(JOBS) --target reprint
	REPRINT=$(abspath build-mpi/reprint) SRCDIR=$(CURDIR) bash tests/mpi/check_mpi.sh

check-slurm: ## srun --mpi=pmix -n 2, 4 on a one-node Slurm in a loopback-only network namespace, byte-identical to one process (root; needs ../shared; sh scripts/install-deps.sh slurmd slurmctld slurm-client munge)
	cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRP_WITH_MPI=ON -DRP_BUILD_TESTS=OFF >/dev/null
	cmake --build build-mpi -j $(JOBS) --target reprint
	REPRINT=$(abspath build-mpi/reprint) SRCDIR=$(CURDIR) bash tests/mpi/check_slurm.sh

install: build ## install under CMAKE_INSTALL_PREFIX (default /usr/local)
	cmake --install $(BUILD)

clean: ## remove build trees
	rm -rf $(BUILD) build-asan build-tsan build-fuzz build-clang build-off build-mpi

help: ## this list
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16
