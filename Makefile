# sluis: the two set-up commands are `make demo` and `make test`; both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := libsodium-dev libssl-dev libreadstat-dev libglpk-dev zlib1g-dev pkg-config
# The ReadStat command-line tool: the SPSS/Stata tests check sluis's output with it. Python 3:
# the independent readers of the file and package formats (written from docs/format.md) run in the tests.
TEST_PACKAGES := readstat python3 python3-venv
# sluis serve's end-to-end tests: curl drives the server, openssl makes their TLS certificate.
TEST_PACKAGES += curl openssl
# ACRO (PyPI `acro`, with pandas and statsmodels), test-only: sluis's output-control decisions are
# compared with it cell by cell (Tests/SluisOutputTests/acro/compare.py). In a venv, so a Debian
# system Python (PEP 668) is never touched.
ACRO_VENV := .build/acro-venv
# sluis upload's interop test: pip installs tuspy (test-deps).
TEST_PACKAGES += python3-pip
BENCH_PACKAGES := age time bc readstat
# bench/serve.sh: nginx's WebDAV module is the baseline for upload throughput.
BENCH_PACKAGES += nginx curl openssl
# bench/seal-profile.sh (CPU-seconds per thread of seal, issue 16)
BENCH_PACKAGES += linux-perf
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/sluis
DEBUG_BIN := .build/debug/sluis

.PHONY: all deps test-deps build release test lint coverage demo bench bench-deps fuzz adversarial vectors clean man completions install uninstall

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
	@[ -x $(ACRO_VENV)/bin/python3 ] && $(ACRO_VENV)/bin/python3 -c "import acro" 2>/dev/null || { \
	  echo "sluis: installing acro (test-only) into $(ACRO_VENV)"; \
	  python3 -m venv $(ACRO_VENV) && $(ACRO_VENV)/bin/pip install --quiet acro; }
	@# sluis upload's interop test: the third-party tus client tuspy (PyPI), for the tests only.
	@python3 -c "import tusclient" 2>/dev/null || python3 -m pip install --quiet tuspy 2>/dev/null \
	  || python3 -m pip install --quiet --break-system-packages tuspy

## test: build and run the whole suite (unit, vectors, CLI end to end).
test: test-deps
	$(SWIFT) build
	SLUIS_ACRO_PYTHON=$(CURDIR)/$(ACRO_VENV)/bin/python3 $(SWIFT) test

## lint: swift-format's checks from .swift-format (no force unwraps or try!, doc comments on public
## declarations; Tests/.swift-format relaxes the doc rule for tests); fails on any finding. The
## pretty-printer's whitespace findings are off: the code is not laid out by swift-format, and
## reformatting it wholesale would make every open branch unmergeable.
lint:
	$(SWIFT) format lint --strict --recursive --parallel --debug-disable-pretty-print Sources Tests Tools

## coverage: the whole suite with code coverage (its own build in .build/coverage), then line and
## region coverage per Sources module from llvm-cov (Tools/coverage.py).
coverage: test-deps
	SLUIS_ACRO_PYTHON=$(CURDIR)/$(ACRO_VENV)/bin/python3 ./Tools/coverage.py

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
## packages (verify, and open with a known identity: decryption and the inner manifest), encrypted
## files, SPSS/Stata files, key files, trust lists, intake/link/pipeline.json, CSV, JSON, identifier
## values. FUZZ_SECONDS per target (default 60). `make test` runs the checked-in corpora
## (Tools/sluis-fuzz/Corpus) and mutations of them through the same targets (SluisFuzzTests).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build/fuzz --product sluis-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSLUIS_FUZZ -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	./scripts/fuzz.sh .build/fuzz/release/sluis-fuzz $(FUZZ_SECONDS)

## adversarial: every hostile variant of good packages (flips in every checked region, chunk and
## entry edits, re-signed faulty packages, oversized/nested manifests, hostile names) must be
## refused; prints cases tried, refused, accepted (0), plaintext bytes released (0), peak memory.
## `make test` runs a sample of the same cases.
adversarial: test-deps
	$(SWIFT) build --build-tests
	SLUIS_ADVERSARIAL=full $(SWIFT) test --skip-build --filter 'AdversarialTests|OpenHostileInnerContentTests' 2>&1 | \
	  tee adversarial.log | grep -E "^adversarial|error:|known issue|Executed .* tests" ; \
	  ! grep -qE "error:|with [1-9][0-9]* failures? \(" adversarial.log

## vectors: regenerate the encrypted-file test vectors under Tests/SluisCryptoTests/Vectors.
vectors: deps
	$(SWIFT) run sluis-vectors Tests/SluisCryptoTests/Vectors

## man: the manual page sluis.1, generated from the command definitions (swift-argument-parser's plugin).
MAN_DIR := .build/man
man: release
	mkdir -p $(MAN_DIR)
	$(SWIFT) package --allow-writing-to-directory $(MAN_DIR) generate-manual --output-directory $(MAN_DIR)

## completions: bash, zsh and fish completion scripts, generated by the tool itself.
COMPLETION_DIR := .build/completions
completions: release
	mkdir -p $(COMPLETION_DIR)
	$(RELEASE_BIN) --generate-completion-script bash > $(COMPLETION_DIR)/sluis.bash
	$(RELEASE_BIN) --generate-completion-script zsh > $(COMPLETION_DIR)/_sluis
	$(RELEASE_BIN) --generate-completion-script fish > $(COMPLETION_DIR)/sluis.fish

## install: the release binary, its manual page and completions under $(DESTDIR)$(PREFIX) (default /usr/local).
PREFIX ?= /usr/local
install: man completions
	install -D -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/sluis
	install -D -m 0644 $(MAN_DIR)/sluis.1 $(DESTDIR)$(PREFIX)/share/man/man1/sluis.1
	install -D -m 0644 $(COMPLETION_DIR)/sluis.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluis
	install -D -m 0644 $(COMPLETION_DIR)/_sluis $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sluis
	install -D -m 0644 $(COMPLETION_DIR)/sluis.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sluis.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sluis $(DESTDIR)$(PREFIX)/share/man/man1/sluis.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluis $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sluis \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sluis.fish

clean:
	rm -rf .build demo-out bench-out
