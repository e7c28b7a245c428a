# Medulla's two entry points for people: `make demo` and `make test`. Both install what is
# missing first, so they work on a fresh Debian 12 machine from a clean clone.
BUILD_DIR ?= build/release
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2

.PHONY: all deps build test demo clean

all: build

deps:
	@bash scripts/install-deps.sh
	@bash scripts/install-sandbox.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null
	@ninja -C $(BUILD_DIR) -j $(JOBS)

test: build
	@bash scripts/test.sh $(BUILD_DIR)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

clean:
	rm -rf build var
