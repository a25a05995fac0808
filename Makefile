# divert: two commands on a fresh Debian 12 machine: `make demo` and `make test`.
# Every target first installs what is missing (scripts/install-deps.sh, apt-get; sudo when not root).
#
#   make              build into build/ (the tool is build/divert)
#   make demo         the demo (scripts/demo.sh)
#   make test         build, then every test (ctest)
#   make bench        W1 driver + Google Benchmark binaries, Release (scripts/bench.sh)
#   make bench-peers  W1 against json-logic-js / json-logic-engine on Node (scripts/bench-peers.sh)
#   make sanitize     ASan + UBSan build of the tests in build-asan, and its ctest
#   make clang        clang++ build in build-clang, and its ctest
#   make format       clang-format the tracked C++ files; make format-check only checks
#   .ci/run           what CI runs (test, sanitize, clang)

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
CTEST = ctest --output-on-failure -j $(JOBS)

.PHONY: all deps configure build demo test bench bench-peers sanitize clang format format-check clean

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
# set with the sanitizers on divert's own targets by DIVERT_SANITIZE). The header check and the
# packaging tests gain nothing from sanitizers and are left to the other builds.
sanitize:
	@scripts/install-deps.sh
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
	  -DDIVERT_SANITIZE=address,undefined -DDIVERT_BUILD_BENCHMARKS=OFF \
	  -DDIVERT_VERIFY_HEADERS=OFF -DDIVERT_TEST_PACKAGING=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=strict_string_checks=1:detect_stack_use_after_return=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 $(CTEST)

# The same project and tests built with clang++ (the default build uses g++).
clang:
	@scripts/install-deps.sh clang
	cmake -S . -B $(BUILD)-clang -DCMAKE_CXX_COMPILER=clang++ $(CMAKE_FLAGS)
	cmake --build $(BUILD)-clang -j $(JOBS)
	cd $(BUILD)-clang && $(CTEST)

FORMAT_FILES = $(shell git ls-files '*.hpp' '*.cpp')

format:
	@scripts/install-deps.sh clang-format
	clang-format -i $(FORMAT_FILES)

format-check:
	@scripts/install-deps.sh clang-format
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-clang $(BUILD)-tsan $(BUILD)-fuzz
