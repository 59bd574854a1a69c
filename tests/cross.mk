# tests/cross.mk — `make cross-aarch64`: the runtime cross-built for aarch64
# and run under qemu-user, to check the hand-written aarch64 context switch
# (runtime/switch.c) and what leans on it.  Included by the top Makefile;
# not part of `make test` (docs/runtime.md, "Other architectures").
#
#   make cross-aarch64   build $(BUILD)/aarch64/{lib,tests,patterns}/..., the
#                        native switch_check and patterns for comparison,
#                        then run tests/cross/run.sh under qemu-aarch64
#
# Tools: Debian's gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross) and
# qemu-user.  Not in scripts/deps.txt (make test does not need them): the
# first `make cross-aarch64` installs them through scripts/install-deps, as
# `make bench` does golang-go.  The runtime library needs no SQLite (the
# tracer writes a binary log), so nothing else is cross-built.

CROSS_CC      ?= aarch64-linux-gnu-gcc
CROSS_AR      ?= aarch64-linux-gnu-ar
CROSS_SYSROOT ?= /usr/aarch64-linux-gnu
QEMU_AARCH64  ?= qemu-aarch64
CROSS_PKGS    := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user

A64          := $(BUILD)/aarch64
A64_LIB      := $(A64)/lib/libchanscope.a
A64_TOOLS_OK := $(A64)/.tools-ok
A64_CFLAGS    = $(CSTD) $(WARN) $(OPT) -g -pthread -Iruntime -Itracer -Iformat -I$(BUILD)/format
# switch_check's rounding-mode check needs the compiler to honour fesetround.
CROSS_CHECK_CFLAGS = -frounding-math
# Catalog variants run on both architectures and compared (tests/cross/run.sh).
CROSS_PATTERNS := channels/main channels/double-close channels/self-deadlock pipeline/main \
                  worker-pool/main fan-out-fan-in/main mutex/main timeout/main \
                  errgroup/main semaphore/main generator/main once/main

$(A64_TOOLS_OK):
	@command -v $(CROSS_CC) >/dev/null && command -v $(QEMU_AARCH64) >/dev/null && \
	    [ -e $(CROSS_SYSROOT)/include/stdio.h ] || { \
	    echo "cross-aarch64: installing $(CROSS_PKGS)" >&2; \
	    scripts/install-deps $(CROSS_PKGS) >&2 || { \
	    echo "cross-aarch64: cannot install $(CROSS_PKGS) (apt-get install them)" >&2; exit 2; }; }
	@mkdir -p $(@D) && touch $@

$(A64)/obj/%.o: %.c | $(A64_TOOLS_OK) $(FORMAT_SQL_H)
	@mkdir -p $(@D)
	$(CROSS_CC) $(A64_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(A64_LIB): $(LIB_SRC:%.c=$(A64)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(CROSS_AR) rcs $@ $^

$(A64)/tests/switch_check: tests/cross/switch_check.c $(A64_LIB)
	$(call link,$(CROSS_CC) $(A64_CFLAGS) $(CROSS_CHECK_CFLAGS),-lm -pthread)

$(BUILD)/tests/switch_check: tests/cross/switch_check.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS) $(CROSS_CHECK_CFLAGS),-lm -pthread)

$(A64)/patterns/%: patterns/%.c $(A64_LIB)
	$(call link,$(CROSS_CC) $(A64_CFLAGS) -Ipatterns/common,-pthread)

.PHONY: cross-aarch64
cross-aarch64: $(A64)/tests/switch_check $(BUILD)/tests/switch_check \
               $(CROSS_PATTERNS:%=$(A64)/patterns/%) $(CROSS_PATTERNS:%=$(BUILD)/patterns/%)
	RUN="$(QEMU_AARCH64) -L $(CROSS_SYSROOT)" BUILD=$(BUILD) \
	    bash tests/cross/run.sh $(CROSS_PATTERNS)
