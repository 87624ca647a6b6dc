# The front door: `make demo` and `make test` are all a newcomer needs.
JOBS ?= $(shell nproc)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release
SETUP_STAMP := $(BUILD)/.setup-done
WV := $(BUILD)/bin/wordviews
DEMO_DIR := demo-output

.PHONY: setup build build-asan build-fuzz test unit-test asan-test fuzz-test e2e-test demo bench format clean

setup:
	bash scripts/setup.sh
	@mkdir -p $(BUILD) && touch $(SETUP_STAMP)

$(SETUP_STAMP):
	bash scripts/setup.sh
	@mkdir -p $(BUILD) && touch $(SETUP_STAMP)

build: $(SETUP_STAMP)
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

build-asan: $(SETUP_STAMP)
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWV_SANITIZE=ON -DWV_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target wordviews_tests wordviews

build-fuzz: $(SETUP_STAMP)
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWV_FUZZ=ON -DWV_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

unit-test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

asan-test: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

fuzz-test: build-fuzz
	bash tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD)/bin

e2e-test: build
	WV_BIN=$(abspath $(WV)) python3 -m pytest -q tests/e2e

# Every test: unit, the same units under ASan+UBSan, fuzzers briefly, end-to-end.
test: unit-test asan-test fuzz-test e2e-test

demo: build
	bash scripts/demo.sh $(WV) $(DEMO_DIR)

bench: build
	bash bench/run_benchmarks.sh $(BUILD)/bin

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'bench/*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEMO_DIR)
