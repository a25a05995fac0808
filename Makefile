# divert: two commands on a fresh Debian 12 machine: `make demo` and `make test`.
# Every target first installs what is missing (scripts/install-deps.sh, apt-get; sudo when not root).
#
#   make              build into build/ (the tool is build/divert)
#   make demo         the demo (scripts/demo.sh)
#   make test         build, then every test (ctest)
#   make bench        W1 driver + Google Benchmark binaries, Release (scripts/bench.sh)
#   make bench-peers  W1 against json-logic-js / json-logic-engine on Node (scripts/bench-peers.sh)
#   make sanitize     ASan + UBSan build (clang++) of the tests in build-asan, and its ctest
#   make clang        clang++ build in build-clang, and its ctest
#   make tsan         ThreadSanitizer build (clang++) of the thread tests and the tool in build-tsan, run
#   make fuzz         libFuzzer targets (ASan + UBSan) in build-fuzz, each for FUZZ_SECONDS (fuzz/run.sh)
#   make format       clang-format the tracked C++ files; make format-check only checks
#   .ci/run           what CI runs (test, sanitize, tsan)

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
CTEST = ctest --output-on-failure -j $(JOBS)

.PHONY: all deps configure build demo test bench bench-peers sanitize clang tsan fuzz format format-check clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

test: build
	cd $(BUILD) && $(CTEST)

bench: deps
	@scripts/bench.sh $(BUILD)

bench-peers: deps
	@scripts/bench-peers.sh $(BUILD)

# ASan + UBSan build of the tests, as CI runs it: any report fails (-fno-sanitize-recover=all,
# set with the sanitizers on divert's own targets by DIVERT_SANITIZE). Built with clang++, so
# that CI also compiles every target with the second compiler (warnings as errors) without a
# build of its own: clang++ compiles a test file with ASan at -O0 in under half the time g++
# takes (CI's 30 minutes). The header check and the packaging tests gain nothing from
# sanitizers and are left to the g++ build. -O0: a third of the compile time of -O1.
sanitize:
	@scripts/install-deps.sh clang libclang-rt-14-dev
	cmake -S . -B $(BUILD)-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O0 \
	  -DDIVERT_SANITIZE=address,undefined -DDIVERT_BUILD_BENCHMARKS=OFF \
	  -DDIVERT_VERIFY_HEADERS=OFF -DDIVERT_TEST_PACKAGING=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=strict_string_checks=1:detect_stack_use_after_return=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 $(CTEST)

# The same project and tests built with clang++ at -O3 (the default build uses g++). Not a CI
# step: CI's sanitize build compiles everything with clang++ already. The benchmarks, the header
# check and the packaging tests are left to the g++ build.
clang:
	@scripts/install-deps.sh clang
	cmake -S . -B $(BUILD)-clang -DCMAKE_CXX_COMPILER=clang++ $(CMAKE_FLAGS) -DDIVERT_BUILD_BENCHMARKS=OFF \
	  -DDIVERT_VERIFY_HEADERS=OFF -DDIVERT_TEST_PACKAGING=OFF
	cmake --build $(BUILD)-clang -j $(JOBS)
	cd $(BUILD)-clang && $(CTEST)

# ThreadSanitizer (clang++, -fsanitize=thread) in build-tsan: the tests that run many threads
# (divert_thread_tests: tests/test_threads*.cpp, test_policy_threads.cpp) and `divert batch` on
# 1, 2 and 4 threads over the shipped caseload, whose outputs must match. Any report fails.
TSAN_RUN = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
tsan:
	@scripts/install-deps.sh clang
	cmake -S . -B $(BUILD)-tsan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
	  -DDIVERT_SANITIZE=thread -DDIVERT_BUILD_BENCHMARKS=OFF -DDIVERT_BUILD_EXAMPLES=OFF \
	  -DDIVERT_VERIFY_HEADERS=OFF -DDIVERT_TEST_PACKAGING=OFF
	cmake --build $(BUILD)-tsan -j $(JOBS) --target divert_thread_tests divert_cli
	$(TSAN_RUN) $(BUILD)-tsan/tests/divert_thread_tests
	for i in $$(seq 40); do sed -e 's/^{"name": "[^"]*", "case": //' -e 's/}$$//' examples/cases/caseload.jsonl; done \
	  >$(BUILD)-tsan/caseload.jsonl
	for n in 1 2 4; do $(TSAN_RUN) $(BUILD)-tsan/divert batch policies/lewisham.json $(BUILD)-tsan/caseload.jsonl \
	  --threads $$n --chunk-bytes 4096 --progress never >$(BUILD)-tsan/batch-$$n.jsonl || exit 1; done
	cmp $(BUILD)-tsan/batch-1.jsonl $(BUILD)-tsan/batch-2.jsonl && cmp $(BUILD)-tsan/batch-1.jsonl $(BUILD)-tsan/batch-4.jsonl

# libFuzzer targets (fuzz/targets.hpp; ASan + UBSan, clang++) in build-fuzz, run one after the
# other for FUZZ_SECONDS each on a copy of their corpus (fuzz/run.sh). FUZZ_TARGETS picks some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= policy case jsonlogic csv jsonl
fuzz:
	@scripts/install-deps.sh clang libclang-rt-14-dev
	cmake -S fuzz -B $(BUILD)-fuzz -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(BUILD)-fuzz -j $(JOBS)
	fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

FORMAT_FILES = $(shell git ls-files '*.hpp' '*.cpp')

format:
	@scripts/install-deps.sh clang-format
	clang-format -i $(FORMAT_FILES)

format-check:
	@scripts/install-deps.sh clang-format
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-clang $(BUILD)-tsan $(BUILD)-fuzz
