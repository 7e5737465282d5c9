# The two commands: `make demo` and `make test`. Each installs the Debian packages it needs,
# configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Everything the build, the tests and the demo need, from Debian 12. Each is named here, even
# when another package only Recommends it: they are installed with --no-install-recommends.
# (python3-pymodbus's server imports serial and serial_asyncio.) `make fresh-check` proves it.
DEB_PACKAGES := g++ cmake make pkg-config libmodbus-dev libcpp-httplib-dev \
	libsqlite3-dev nlohmann-json3-dev libtomlplusplus-dev catch2 python3 \
	python3-pymodbus python3-serial python3-serial-asyncio systemd sqlite3 \
	libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev mosquitto socat chromium nodejs \
	tzdata python3-prometheus-client faketime python3-paho-mqtt \
	libprotobuf-dev protobuf-compiler python3-protobuf mbpoll

# `make fuzz` only: clang with its compiler-rt runtime (libFuzzer and the sanitizers).
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build test demo bench fuzz fresh-check clean sanitize tsan deb

all: build

deps:
	@tools/install-deps.sh $(DEB_PACKAGES)
	@# Debian's nodejs needs its npm package; NodeSource's nodejs ships npm itself (and conflicts).
	@command -v npm >/dev/null 2>&1 || tools/install-deps.sh npm

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 300 -j$(JOBS)

# The whole suite under ASan+UBSan (preset ci, in build-asan) and under TSan (preset tsan, in
# build-tsan); a sanitizer report fails the test (docs/reliability.md, "Sanitizers").
sanitize: deps
	@cmake --preset ci -B build-asan $(CMAKE_FLAGS)
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ctest --output-on-failure --timeout 600 -j$(JOBS)

tsan: deps
	@cmake --preset tsan -B build-tsan $(CMAKE_FLAGS)
	@cmake --build build-tsan -j$(JOBS)
	@cd build-tsan && ctest --output-on-failure --timeout 600 -j$(JOBS)

demo: build
	./$(BUILD)/hashsink demo

bench: build
	@for b in $(BUILD)/bench/*; do [ -x "$$b" ] && "$$b"; done

# Every fuzzer in fuzz/ for FUZZ_SECONDS each, built with clang in build-fuzz; fails on a crash.
fuzz: deps
	@tools/install-deps.sh $(FUZZ_PACKAGES)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) fuzz/run.sh

# The Debian package in dist/: hashsink_<version>_<arch>.deb and its -dbgsym. Installs its build
# dependencies (from debian/control) first; ARCH=arm64 cross-builds for a Raspberry Pi.
# docs/packaging.md.
ARCH ?=
deb:
	@JOBS=$(JOBS) tools/build-deb.sh $(ARCH)

# The README's two commands on a bare Debian 12 root (mmdebstrap): run it before resolving any
# change to dependencies. Then `make deb` there and tools/deb-install-check.sh on its package.
# Needs root and 35-45 minutes; not part of `make test` or CI.
fresh-check:
	@tools/fresh-check.sh

clean:
	rm -rf $(BUILD)
