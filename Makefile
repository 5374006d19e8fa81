# bpfscope build.
#
#   make            build build/bpfscope (needs the packages of scripts/deps.sh)
#   make test       install deps, build, run unit + integration tests (root for integration)
#   make sanitize   the same tests against an ASan+UBSan build in build-asan/
#   make demo       install deps, build, run the demonstration
#   make kernel-test  boot Debian's 5.10, 6.1 and 6.12 kernels under qemu and run the
#                   guest tests there (root); writes docs/kernels.md
#   make lint       clang-format check + cppcheck
#   make bench      build bench/ programs and run bench/run.sh -> bench/RESULTS.md (root)
#   make fuzz       build the libFuzzer targets of tests/fuzz and run each FUZZ_SECONDS (20)
#
# BPF programs in src/bpf/*.bpf.c are compiled with clang against a vmlinux.h
# generated from the running kernel's BTF, and embedded as skeletons. Every
# user-space .c under src/ is linked into the one binary; new files need no
# Makefile edit.

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
SANITIZE ?=

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS_BASE := -std=gnu11 -g -O2 -Wall -Wextra -Werror -Wno-missing-field-initializers -MMD -MP \
	-Isrc -I$(BUILD) -I$(BUILD)/skel -D_GNU_SOURCE
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS ?=
CFLAGS += $(CFLAGS_BASE)

# Static where practical so the binary runs on hosts without the -dev packages.
# libmicrohttpd is static too; its TLS library gnutls is not (Debian ships no
# libp11-kit.a or libunistring.a), so the binary needs libgnutls30 at run time.
STATIC_LIBS := -lbpf -ldw -lelf -lz -lzstd -llzma -lbz2 -ljson-c -liberty -lsqlite3 -lmicrohttpd
LDLIBS := -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic -lgnutls -lpthread -ldl -lm

BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS  := $(patsubst src/bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst src/bpf/%.bpf.c,$(BUILD)/skel/%.skel.h,$(BPF_SRCS))

LIB_SRCS  := $(wildcard src/core/*.c src/probe/*.c src/crash/*.c src/tools/*.c)
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
MAIN_OBJ  := $(BUILD)/obj/main.o

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

TARGET_SRCS := $(wildcard tests/targets/*.c)
TARGET_BINS := $(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(TARGET_SRCS))
TARGET_CXX_SRCS := $(wildcard tests/targets/*.cc)
TARGET_CXX_BINS := $(patsubst tests/targets/%.cc,$(BUILD)/targets/%,$(TARGET_CXX_SRCS))
# The typed target also without -g, and stripped with its DWARF in a separate
# file named by .gnu_debuglink: the type database's other sources.
DEBUG_VARIANTS := $(foreach v,stripped debug nodebug,$(BUILD)/targets/typed.$(v)) \
	$(BUILD)/targets/trace_target.stripped

# Keep generated BPF objects and skeletons: without this make deletes them as
# intermediates and rebuilds every tool on each run.
.SECONDARY:

.PHONY: all bench bench-bins deps test test-unit test-integ sanitize demo kernel-test lint format clean check-tools fuzz

all: $(BUILD)/bpfscope

deps:
	@scripts/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Wno-unused-function \
		-I/usr/include/$(shell $(CC) -dumpmachine) \
		-MMD -MP -Isrc -I$(BUILD) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# Syscall names of the build architecture, from the C library's headers
# (src/core/syscalls.c includes it): every numeric __NR_* define.
$(BUILD)/gen/syscall_names.h:
	@mkdir -p $(@D)
	echo '#include <asm/unistd.h>' | $(CC) -dM -E - | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/{ \2, "\1" },/p' | sort -n -k2 > $@.tmp
	@test -s $@.tmp && mv $@.tmp $@

# Every user object may include any skeleton: generate them all first.
$(BUILD)/obj/%.o: src/%.c | $(SKELS) $(BUILD)/gen/syscall_names.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The web UI is embedded with .incbin (src/core/webassets.c).
$(BUILD)/obj/core/webassets.o: $(wildcard web/*)

$(BUILD)/libbpfscope.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bpfscope: $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB_OBJS) $(LDLIBS)

# Unit tests link the same library as the binary; they need no privileges.
$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libbpfscope.a | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbpfscope.a $(LDLIBS) -lcmocka

# Small programs the integration tests trace.
$(BUILD)/targets/%: tests/targets/%.c
	@mkdir -p $(@D)
	$(CC) -g -O1 -fno-omit-frame-pointer $(TARGET_CFLAGS_$*) -Wall -Wextra -Werror -o $@ $< -lpthread $(TARGET_LIBS_$*)

# Targets that need more than libc (tests/integ/net.sh: NFQUEUE delayer).
TARGET_LIBS_websvc := -lmemcached -lmariadb
TARGET_LIBS_nfqdelay := -lnetfilter_queue
TARGET_LIBS_mc_client := -lmemcached
TARGET_LIBS_db_client := $(shell mariadb_config --include --libs 2>/dev/null)
# Optimised code without frame pointers: the crash recorder unwinds it from CFI.
TARGET_CFLAGS_crashy := -O2 -fomit-frame-pointer

$(BUILD)/targets/%: tests/targets/%.cc
	@mkdir -p $(@D)
	$(CXX) -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -o $@ $< -lpthread

$(BUILD)/targets/typed: tests/targets/typed.h

$(BUILD)/targets/%.nodebug: tests/targets/%.c
	@mkdir -p $(@D)
	$(CC) -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -o $@ $< -lpthread

$(BUILD)/targets/%.debug: $(BUILD)/targets/%
	objcopy --only-keep-debug $< $@

$(BUILD)/targets/%.stripped: $(BUILD)/targets/% $(BUILD)/targets/%.debug
	objcopy --strip-all --add-gnu-debuglink=$(BUILD)/targets/$*.debug $< $@

test-bins: $(BUILD)/bpfscope $(UNIT_BINS) $(TARGET_BINS) $(TARGET_CXX_BINS) $(DEBUG_VARIANTS)

# Fuzzers: clang + libFuzzer + ASan/UBSan, with the parsers they exercise
# compiled in (instrumented) rather than taken from the gcc-built library.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CORE    := src/core/tpformat.c src/core/elfnotes.c src/core/uprobe_site.c src/core/tracefs.c \
		src/core/log.c src/probe/parse.c src/probe/compile.c src/core/typedb.c src/core/typepack.c \
		src/core/syms.c src/core/proto_mysql.c src/core/proto_memcache.c src/core/proto_mcbin.c src/core/wireop.c src/core/sqlnorm.c \
		src/probe/prologue.c src/core/netmatch.c src/core/numparse.c src/core/dist.c \
		src/tools/net_record.c src/tools/spanfile.c src/tools/predict_model.c \
		src/core/elfreloc.c src/tools/mysqlnd_layout.c src/tools/php_layout.c src/tools/php_icall.c
FUZZ_OBJS    := $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_CORE))
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-sanitize-recover=undefined -Isrc -D_GNU_SOURCE
FUZZ_SECONDS ?= 20

# the parsers are compiled once (instrumented), not once per fuzzer
$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(FUZZ_OBJS) -lsqlite3 -lbpf -ldw -lelf -lz -lzstd -llzma -lbz2 -liberty

fuzz: $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BINS)

test: deps
	@$(MAKE) --no-print-directory test-bins
	@BUILD=$(BUILD) tests/run.sh

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 test-bins
	@BUILD=build-asan tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/bpfscope $(TARGET_BINS)
	@BUILD=$(BUILD) scripts/demo.sh

kernel-test: deps
	@$(MAKE) --no-print-directory $(BUILD)/bpfscope $(BUILD)/targets/trace_target \
		$(BUILD)/targets/crashy $(BUILD)/targets/usdt_target $(BUILD)/targets/spans_target \
		$(BUILD)/targets/tcppeer $(BUILD)/targets/netlab
	@BUILD=$(BUILD) scripts/kernel-test.sh

lint: deps
	@scripts/lint.sh

format:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*/*.h tests/*/*.c)

# Benchmarks (bench/run.sh): never part of `make test`.
BENCH_BINS := $(BUILD)/bench/callee $(BUILD)/bench/bare_uprobe $(BUILD)/bench/bare_syscalls \
	      $(BUILD)/bench/sendloop

$(BUILD)/bench/callee: bench/callee.c
	@mkdir -p $(@D)
	$(CC) -O1 -fno-omit-frame-pointer -fcf-protection=none -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench/sendloop: bench/sendloop.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD) -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/bench/bare_%: bench/bare_%.c $(BUILD)/bench/bare_%.skel.h
	$(CC) $(CFLAGS) -I$(BUILD)/bench -o $@ $< $(LDLIBS)

bench-bins: $(BENCH_BINS)

bench: $(BUILD)/bpfscope $(BENCH_BINS)
	@BUILD=$(BUILD) bench/run.sh
	@BUILD=$(BUILD) bench/stream.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
