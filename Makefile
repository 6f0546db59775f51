# sluis: the two set-up commands are `make demo` and `make test`; both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libsodium-dev libssl-dev libreadstat-dev pkg-config
# The ReadStat command-line tool: the SPSS/Stata tests check sluis's output with it. Python 3:
# the independent readers of the file and package formats (written from docs/format.md) run in the tests.
TEST_PACKAGES := readstat python3
# sluis serve's end-to-end tests: curl drives the server, openssl makes their TLS certificate.
TEST_PACKAGES += curl openssl
# sluis upload's interop test: pip installs tuspy (test-deps).
TEST_PACKAGES += python3-pip
BENCH_PACKAGES := age time bc readstat
# bench/serve.sh: nginx's WebDAV module is the baseline for upload throughput.
BENCH_PACKAGES += nginx curl openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/sluis
DEBUG_BIN := .build/debug/sluis

.PHONY: all deps test-deps build release test demo bench bench-deps fuzz vectors clean

all: build

## deps: install the Debian packages sluis builds against (apt-get, through sudo when not root).
deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "sluis: installing missing packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	  fi; \
	else \
	  for lib in libsodium libcrypto; do pkg-config --exists $$lib 2>/dev/null || missing="$$missing $$lib"; done; \
	  [ -f /usr/include/readstat.h ] || [ -f /usr/local/include/readstat.h ] || [ -f /opt/homebrew/include/readstat.h ] || missing="$$missing readstat"; \
	  if [ -n "$$missing" ]; then \
	    echo "sluis: missing:$$missing"; \
	    echo "sluis: not a Debian system; install by hand: libsodium (>= 1.0.18), OpenSSL 3 libcrypto, ReadStat (>= 1.1.8) and pkg-config"; \
	    echo "sluis:   e.g. macOS: brew install libsodium openssl@3 readstat pkg-config; Fedora: dnf install libsodium-devel openssl-devel readstat-devel pkgconf"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test-deps: deps
	@missing=""; if command -v dpkg-query >/dev/null 2>&1; then for p in $(TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; fi; \
	if [ -n "$$missing" ]; then echo "sluis: installing test tools:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@# sluis upload's interop test: the third-party tus client tuspy (PyPI), for the tests only.
	@python3 -c "import tusclient" 2>/dev/null || python3 -m pip install --quiet tuspy 2>/dev/null \
	  || python3 -m pip install --quiet --break-system-packages tuspy

## test: build and run the whole suite (unit, vectors, CLI end to end).
test: test-deps
	$(SWIFT) build
	$(SWIFT) test

## demo: the whole researcher -> intake round trip on fresh synthetic data with keys-example/.
demo: deps
	$(SWIFT) build -c release
	./scripts/demo.sh $(RELEASE_BIN)

bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

## bench: release-build benchmarks against the baselines the issues name (age, Python); writes bench-out/.
bench: bench-deps
	$(SWIFT) build -c release
	./bench/run.sh $(RELEASE_BIN)

## fuzz: coverage-guided fuzzing (libFuzzer + AddressSanitizer) of what sluis reads from outside:
## packages, encrypted files, key files, CSV, JSON, identifier values. FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build/fuzz --product sluis-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSLUIS_FUZZ -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	./scripts/fuzz.sh .build/fuzz/release/sluis-fuzz $(FUZZ_SECONDS)

## vectors: regenerate the encrypted-file test vectors under Tests/SluisCryptoTests/Vectors.
vectors: deps
	$(SWIFT) run sluis-vectors Tests/SluisCryptoTests/Vectors

clean:
	rm -rf .build demo-out bench-out
