# The front door: `make demo` and `make test` are all a newcomer needs.
#
# Three builds, each configured once and then rebuilt incrementally by ninja
# (through ccache, so a fresh build folder or checkout reuses earlier compiles):
#   build/       gcc, Release: the product, the unit tests, the end-to-end tests
#   build-san/   clang, ASan+UBSan+libFuzzer instrumentation and -Wthread-safety
#                -Werror: the unit tests under the sanitizers, and the fuzzers
#   build-tsan/  clang, ThreadSanitizer: the unit tests and a multi-threaded
#                end-to-end run
# Each test step keeps a stamp keyed on the SHA-256 of everything it runs
# (binaries, test files, options; scripts/stamp.sh): it is skipped only when all
# of that is byte-identical to its last passing run. WV_FORCE=1 re-runs it anyway.
JOBS ?= $(shell nproc)
BUILD := build
SAN_BUILD := build-san
TSAN_BUILD := build-tsan
VENV := .venv
PYTHON := $(abspath $(VENV))/bin/python
SETUP_STAMP := $(VENV)/.setup-done
WV := $(BUILD)/bin/wordviews
DEMO_DIR := demo-output
STAMP := bash scripts/stamp.sh
SHARDS := scripts/run_gtest_shards.sh

# pytest workers for the end-to-end suite (pytest-xdist); 0 runs it in one process.
E2E_WORKERS ?= 2
FUZZ_SECONDS ?= 20

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release
# The clang builds: -O1 with line tables only, the usual sanitizer trade of
# compile time against speed; stack traces keep file:line.
CLANG_FLAGS := -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWV_BENCH=OFF \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG"
SAN_FLAGS := $(CLANG_FLAGS) -DWV_FUZZ=ON
TSAN_FLAGS := $(CLANG_FLAGS) -DWV_TSAN=ON

SAN_TARGETS := wordviews_tests csv_validator_fuzz parquet_reader_fuzz manifest_fuzz config_file_fuzz
FUZZERS := $(addprefix $(SAN_BUILD)/bin/,$(filter %_fuzz,$(SAN_TARGETS)))
TSAN_TARGETS := wordviews_tests wordviews

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Any TSan report fails the step (exit code 66), and a report is never suppressed.
TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"

E2E_INPUTS := $(WV) $(BUILD)/bin/parquet_write_tool tests/e2e deploy spark bench/duckdb_etl.py \
  bench/duckdb_etl.sql data scripts/requirements-test.txt scripts/requirements-airflow.txt

.PHONY: setup build build-san build-tsan test unit-test asan-test fuzz-test tsan-test \
  tsan-unit-test tsan-e2e-test e2e-test format-check demo bench format clean
# Each step below uses every core itself; running two at once only slows both.
.NOTPARALLEL:

setup:
	bash scripts/setup.sh
	@touch $(SETUP_STAMP)

$(SETUP_STAMP): scripts/setup.sh scripts/requirements-test.txt
	bash scripts/setup.sh
	@touch $(SETUP_STAMP)

# Configured once; ninja re-runs cmake by itself when a CMakeLists changes.
$(BUILD)/build.ninja: Makefile | $(SETUP_STAMP)
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	@touch $@
$(SAN_BUILD)/build.ninja: Makefile | $(SETUP_STAMP)
	cmake -S . -B $(SAN_BUILD) $(SAN_FLAGS)
	@touch $@
$(TSAN_BUILD)/build.ninja: Makefile | $(SETUP_STAMP)
	cmake -S . -B $(TSAN_BUILD) $(TSAN_FLAGS)
	@touch $@

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-san: $(SAN_BUILD)/build.ninja
	cmake --build $(SAN_BUILD) -j $(JOBS) --target $(SAN_TARGETS)

build-tsan: $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)

# WV_REQUIRE_S3=1 here too: the S3 unit tests (tests/support/s3_test_server.h) fail, rather than
# skip, without the versitygw that `make setup` builds.
unit-test: build
	$(STAMP) $(BUILD)/.stamps/unit $(BUILD)/bin/wordviews_tests tests/unit data -- \
	  env WV_REQUIRE_S3=1 ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The unit tests under ASan+UBSan (clang; the build the fuzzers share).
asan-test: build-san
	$(STAMP) $(SAN_BUILD)/.stamps/unit $(SAN_BUILD)/bin/wordviews_tests tests/unit data $(SHARDS) -- \
	  env $(ASAN_ENV) WV_REQUIRE_S3=1 bash $(SHARDS) $(JOBS) $(SAN_BUILD)/bin/wordviews_tests

# run_fuzzers.sh runs every *_fuzz in the folder: the stamp keys on all of them.
fuzz-test: build-san
	$(STAMP) $(SAN_BUILD)/.stamps/fuzz $(FUZZERS) tests/fuzz WV_FUZZ_SECONDS=$(FUZZ_SECONDS) -- \
	  env WV_FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run_fuzzers.sh $(SAN_BUILD)/bin

tsan-unit-test: build-tsan
	$(STAMP) $(TSAN_BUILD)/.stamps/unit $(TSAN_BUILD)/bin/wordviews_tests tests/unit data $(SHARDS) -- \
	  env $(TSAN_ENV) WV_REQUIRE_S3=1 bash $(SHARDS) $(JOBS) $(TSAN_BUILD)/bin/wordviews_tests

# generate, run, check, every query and report, 4 threads each, under TSan; and load
# (4 sessions) into the PostgreSQL server the load tests start.
tsan-e2e-test: build-tsan build $(SETUP_STAMP)
	$(STAMP) $(TSAN_BUILD)/.stamps/e2e $(TSAN_BUILD)/bin/wordviews $(WV) tests/e2e/test_tsan.py \
	  tests/e2e/test_tsan_load.py tests/e2e/postgres_server.py \
	  tests/e2e/conftest.py scripts/requirements-test.txt -- \
	  env $(TSAN_ENV) WV_TSAN_BIN=$(abspath $(TSAN_BUILD)/bin/wordviews) WV_BIN=$(abspath $(WV)) \
	  WV_REQUIRE_PG=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e/test_tsan.py \
	  tests/e2e/test_tsan_load.py

tsan-test: tsan-unit-test tsan-e2e-test

# WV_REQUIRE_S3=1: the S3 tests fail, rather than skip, when the versitygw that `make setup` builds is missing;
# WV_REQUIRE_SPARK=1 likewise for the Spark cluster tests (pyspark, Java 17). --dist loadgroup: the tests
# marked xdist_group("spark") all run on one worker, so the session starts one Spark cluster, not two.
e2e-test: build $(SETUP_STAMP)
	$(STAMP) $(BUILD)/.stamps/e2e $(E2E_INPUTS) E2E_WORKERS=$(E2E_WORKERS) -- \
	  env WV_BIN=$(abspath $(WV)) WV_REQUIRE_PG=1 WV_REQUIRE_S3=1 WV_REQUIRE_SPARK=1 $(PYTHON) -m pytest -q \
	  -p no:cacheprovider $(if $(filter-out 0,$(E2E_WORKERS)),-n $(E2E_WORKERS) --dist loadgroup) \
	  --ignore=tests/e2e/test_tsan.py tests/e2e

# clang-format --dry-run --Werror over every tracked C++ file (.clang-format is the style).
format-check: $(SETUP_STAMP)
	bash scripts/check_format.sh

# Every test: unit, end-to-end, the units under ASan+UBSan, the
# fuzzers briefly, the units and a threaded end-to-end run under TSan, and last
# the formatting (last, so that a formatting slip does not hide a test result).
test: unit-test e2e-test asan-test fuzz-test tsan-test format-check

demo: build
	bash scripts/demo.sh $(WV) $(DEMO_DIR)

bench: build $(SETUP_STAMP)
	PATH=$(abspath $(VENV))/bin:$$PATH bash bench/run_benchmarks.sh $(BUILD)/bin

format:
	clang-format -i $$(git ls-files -- '*.cc' '*.h' '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD) build-wshadow build-asan build-fuzz $(DEMO_DIR)
