# The two commands: `make demo` and `make test`. Each installs the Debian packages it needs,
# configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Everything the build, the tests and the demo need, from Debian 12.
DEB_PACKAGES := g++ cmake make pkg-config libmodbus-dev libcpp-httplib-dev \
	libsqlite3-dev nlohmann-json3-dev libtomlplusplus-dev catch2 python3 \
	python3-pymodbus systemd sqlite3 \
	libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev mosquitto socat chromium nodejs \
	tzdata python3-prometheus-client

.PHONY: all deps configure build test demo bench clean

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

demo: build
	./$(BUILD)/hashsink demo

bench: build
	@for b in $(BUILD)/bench/*; do [ -x "$$b" ] && "$$b"; done

clean:
	rm -rf $(BUILD)
