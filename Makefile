# whittle: build, test, run and install.
#
#   make            build build/whittle and the core and catalog libraries
#   make run        install missing packages, seed the demo catalog if empty, open it
#   make test       install missing packages, build, run unit and end-to-end tests
#   make test SANITIZE=1   the same with AddressSanitizer and UBSan (in build-sanitize/)
#   make bench      benchmarks, as ratios against baselines run alongside
#   make fuzz FUZZ_SECONDS=60   build the libFuzzer targets with clang, run each
#   make valgrind   unit tests under valgrind's memcheck, failing on leaks
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages the build and tests need

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?= 0

PKG_CONFIG ?= pkg-config
LIBRARIES := libarchive sqlite3 libcurl jansson ncursesw libcrypto zlib libdeflate

# Debian packages for building, testing and seeding.
BUILD_PACKAGES := build-essential pkg-config libarchive-dev libsqlite3-dev \
	libcurl4-openssl-dev libjansson-dev libncurses-dev libssl-dev libcmocka-dev \
	libdeflate-dev
TEST_PACKAGES := sqlite3 tmux jq file ca-certificates skopeo umoci docker-registry \
	apache2-utils debootstrap python3 curl time zstd
# Only `make fuzz` and `make valgrind` need these.
CHECK_PACKAGES := clang libclang-rt-14-dev valgrind
DEB_PACKAGES := $(BUILD_PACKAGES) $(TEST_PACKAGES)

ifeq ($(SANITIZE),1)
BUILD := build-sanitize
SANITIZER_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPTIMIZE := -O1
else
BUILD := build
SANITIZER_FLAGS :=
OPTIMIZE := -O2
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBRARIES) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBRARIES) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

CFLAGS ?= $(OPTIMIZE) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP \
	-DWHITTLE_VERSION='"$(VERSION)"' $(SANITIZER_FLAGS) $(CFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS := $(SANITIZER_FLAGS) $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lpthread -lm

CORE_SRC := $(sort $(wildcard core/*.c))
CATALOG_SRC := $(sort $(wildcard catalog/*.c))
TUI_SRC := $(sort $(wildcard tui/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT_SRC := $(sort $(wildcard tests/unit/support_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CATALOG_OBJ := $(CATALOG_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ := $(TUI_SRC:%.c=$(BUILD)/%.o)
UNIT_SUPPORT_OBJ := $(UNIT_SUPPORT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

CORE_LIB := $(BUILD)/libwhittle-core.a
CATALOG_LIB := $(BUILD)/libwhittle-catalog.a
WHITTLE := $(BUILD)/whittle

.PHONY: all deps check-deps test unit e2e run bench install clean fuzz valgrind
.DEFAULT_GOAL := all

# Keep intermediate objects (unit-test support files) between runs.
.SECONDARY:

all: $(WHITTLE) $(CORE_LIB) $(CATALOG_LIB)

# Quiet by default; `make V=1` prints every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CATALOG_LIB): $(CATALOG_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(WHITTLE): $(TUI_OBJ) $(CATALOG_LIB) $(CORE_LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(TUI_OBJ) $(CATALOG_LIB) $(CORE_LIB) $(LIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_SUPPORT_OBJ) $(CATALOG_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(UNIT_SUPPORT_OBJ) $(CATALOG_LIB) $(CORE_LIB) \
		$(ALL_LDFLAGS) $(LIBS_ALL) $(CMOCKA_LIBS)

# deps: install what is missing (as root) or print the apt-get line and fail.
deps:
	@sh tests/tools/install-deps.sh $(DEB_PACKAGES)

# Unit tests run from the repository root so they find tests/data and
# ../shared/fixtures by relative path.
unit: $(UNIT_BIN)
	@sh tests/tools/run-unit.sh $(UNIT_BIN)

e2e: $(WHITTLE) $(UNIT_BIN)
	@WHITTLE=$(abspath $(WHITTLE)) sh tests/tools/run-e2e.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@$(MAKE) --no-print-directory unit e2e

run: deps
	@$(MAKE) --no-print-directory $(WHITTLE)
	@sh tests/tools/run-demo.sh $(WHITTLE)

bench: deps
	@$(MAKE) --no-print-directory $(WHITTLE) bench-programs
	@WHITTLE=$(abspath $(WHITTLE)) sh tests/tools/run-bench.sh

install: $(WHITTLE) $(CORE_LIB) $(CATALOG_LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/share/whittle/themes $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(WHITTLE) $(DESTDIR)$(PREFIX)/bin/whittle
	install -m 0644 $(CORE_LIB) $(CATALOG_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 catalog/seed-packages.list $(DESTDIR)$(PREFIX)/share/whittle/
	if ls themes/*.theme >/dev/null 2>&1; then \
		install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/whittle/themes/; fi
	if [ -f docs/whittle.1 ]; then \
		install -m 0644 docs/whittle.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi

# ---- Fuzzing: `make fuzz FUZZ_SECONDS=N` builds every libFuzzer target with
# clang into build-fuzz/ and runs each for N seconds (default 60) on its seed
# corpus. New inputs go to build-fuzz/corpus/NAME/, crashes to
# build-fuzz/crashes/NAME/; copy a crash to tests/fuzz/regressions/NAME/ so
# that build/tests/test_fuzz_regressions replays it in `make test`.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build-fuzz
FUZZ_TARGETS := elf control deb apk tar pkgdb_dpkg pkgdb_apk spec policy
FUZZ_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -O1 -g
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-DWHITTLE_VERSION='"$(VERSION)"' $(FUZZ_FLAGS) $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o) $(CATALOG_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SUPPORT_OBJ := $(addprefix $(FUZZ_BUILD)/tests/fuzz/,fuzz_common.o fuzz_catalog.o fuzz_pkgdb.o)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libwhittle-fuzz.a: $(FUZZ_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJ) \
		$(FUZZ_BUILD)/libwhittle-fuzz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_ALL)

check-deps:
	@sh tests/tools/install-deps.sh $(CHECK_PACKAGES)

fuzz: check-deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@sh tests/fuzz/make-seeds.sh $(FUZZ_BUILD)/seeds
	@sh tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- valgrind: every unit-test binary under memcheck; fails on memory errors
# and definite or indirect leaks (tests/tools/run-valgrind.sh lists the skips).
valgrind: check-deps $(UNIT_BIN)
ifeq ($(SANITIZE),1)
	@echo "make valgrind needs the normal build: run it without SANITIZE=1" >&2; exit 1
else
	@sh tests/tools/run-valgrind.sh $(UNIT_BIN)
endif

clean:
	rm -rf build build-sanitize

include tests/bench/Makefile.inc

-include $(CORE_OBJ:.o=.d) $(CATALOG_OBJ:.o=.d) $(TUI_OBJ:.o=.d)
-include $(wildcard $(FUZZ_BUILD)/*/*.d $(FUZZ_BUILD)/tests/fuzz/*.d)
