# ipctrace: clang -> .bpf.o -> bpftool gen skeleton -> .skel.h -> user objects.
# All outputs go to build/.  Quiet by default; V=1 shows the commands.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR := $(PREFIX)/sbin
LIBEXECDIR := $(PREFIX)/libexec/ipctrace
MANDIR := $(PREFIX)/share/man
UNITDIR := $(PREFIX)/lib/systemd/system
DATADIR := $(PREFIX)/share/ipctrace

OUTPUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= $(shell command -v llvm-strip || command -v llvm-strip-14 || echo llvm-strip)
CC ?= cc
PKG_CONFIG ?= pkg-config
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)

LIBS := libbpf libelf zlib jansson libdw libmicrohttpd libcrypt
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)
LIB_LDLIBS := $(shell $(PKG_CONFIG) --libs $(LIBS) 2>/dev/null || echo -lbpf -lelf -lz -ljansson -ldw -lmicrohttpd -lcrypt) -lm

WARNINGS := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARNINGS) -I$(OUTPUT) -Ibpf -Iuser $(LIB_CFLAGS) \
	-DIPCTRACE_VERSION='"$(VERSION)"' -DIPCTRACE_LIBEXECDIR='"$(LIBEXECDIR)"'
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(VMLINUX_DIR) -Ibpf

USER_SRCS := $(wildcard user/*.c) user/workloads/registry.c
USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS))
# everything but main.c, for the unit tests
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
WORKLOAD_SRCS := $(wildcard user/workloads/*.c)
WORKLOAD_HDRS := $(wildcard user/workloads/*.h)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean install uninstall test test-unit test-e2e test-e2e-kernel vmlinux check-kernels bench deps
.DELETE_ON_ERROR:

all: $(OUTPUT)/ipctrace $(OUTPUT)/ipctrace-workload

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/user/workloads $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/ipctrace.bpf.o: bpf/ipctrace.bpf.c bpf/ipctrace.h bpf/classify.bpf.h $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@ # DWARF: 3/4 of the object, unused by libbpf, parsed at each start

$(OUTPUT)/ipctrace.skel.h: $(OUTPUT)/ipctrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ipctrace_bpf > $@

# every user object may include the skeleton or the contract
$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) bpf/ipctrace.h $(OUTPUT)/ipctrace.skel.h | $(OUTPUT)/user $(OUTPUT)/user/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/user/workloads/registry.o: user/workloads/registry.c $(WORKLOAD_HDRS) | $(OUTPUT)/user/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/ipctrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIB_LDLIBS) -o $@

# static: exec'ing a workload makes no dynamic-loader syscalls of its own
# (`make asan` empties WORKLOAD_STATIC: the sanitizers' runtimes are dynamic)
WORKLOAD_STATIC ?= -static
$(OUTPUT)/ipctrace-workload: $(WORKLOAD_SRCS) $(WORKLOAD_HDRS) | $(OUTPUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g -fno-omit-frame-pointer $(WARNINGS) $(WORKLOAD_CFLAGS) $(WORKLOAD_STATIC) -pthread \
		$(WORKLOAD_SRCS) -lm -lrt -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LIB_LDLIBS) -lcmocka -o $@

# regenerate the vendored CO-RE header from the running kernel's BTF
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_DIR)/vmlinux.h

test-unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do $$t || exit 1; done

test-e2e: all
	$(Q)PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/e2e

test: test-unit test-e2e test-faults

# The end-to-end suite inside Debian's 6.1 and 6.12 kernels (qemu, TCG): every
# workload's exact counts, on each kernel.  The HTML page's browser test is
# left to the native run: it tests user-space rendering, and Chromium under
# emulation takes minutes; so is the minute of process churn under --all.
KERNELS ?= 6.1 6.12
check-kernels: all
	$(Q)IPCTRACE_VM_TIMEOUT=$${IPCTRACE_VM_TIMEOUT:-2400} tests/vm/check-kernels.sh -k "$(KERNELS)" \
		-- $(MAKE) -s test-e2e-kernel

test-e2e-kernel: all
	$(Q)PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/e2e \
		--ignore=tests/e2e/test_html.py --ignore=tests/e2e/test_churn.py

# as root, ~15 min, rewrites BENCHMARKS.md; BENCH_ARGS=--quick: a smoke run (< 2 min)
bench:
	$(Q)/usr/bin/python3 bench/run.py $(BENCH_ARGS)

deps:
	$(Q)tests/install-deps.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(OUTPUT)/ipctrace $(DESTDIR)$(SBINDIR)/ipctrace
	install -m 0755 $(OUTPUT)/ipctrace-workload $(DESTDIR)$(LIBEXECDIR)/ipctrace-workload
	install -m 0644 man/ipctrace.8 $(DESTDIR)$(MANDIR)/man8/ipctrace.8
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/grafana
	sed 's|/usr/local/sbin/ipctrace|$(SBINDIR)/ipctrace|' contrib/systemd/ipctrace.service \
		> $(DESTDIR)$(UNITDIR)/ipctrace.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ipctrace.service
	install -m 0644 contrib/grafana/ipctrace.json $(DESTDIR)$(DATADIR)/grafana/ipctrace.json

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ipctrace $(DESTDIR)$(LIBEXECDIR)/ipctrace-workload \
		$(DESTDIR)$(MANDIR)/man8/ipctrace.8 $(DESTDIR)$(UNITDIR)/ipctrace.service \
		$(DESTDIR)$(DATADIR)/grafana/ipctrace.json
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(OUTPUT)

# ---- code checks: sanitizers, valgrind, static analysis, fuzzing -----------
# tests/check-code.sh runs them all, with the fault tests and the verifier.

.PHONY: asan valgrind lint fuzz test-faults clean-checks

# The fault and input matrix (tests/faults/test_faults.py), as root.
test-faults: all
	$(Q)PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -p no:cacheprovider -q \
		tests/faults/test_faults.py

# A finding of ASan/LSan/UBSan ends the program with a report on stderr.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OUTPUT := build-asan

# ipctrace, the workloads and the unit tests built with ASan and UBSan in
# build-asan/, the unit tests run, then ipctrace on workloads, commands,
# reports (tests/faults/test_sanitized.py) and the fault matrix but its
# 5-million-syscall load (test_faults.py), with IPCTRACE_BUILD_DIR.
# (gcc's value ranges are coarser under the sanitizers: -Wformat-truncation
# then flags the workloads' snprintf of option-bounded numbers)
asan:
	$(Q)$(SANITIZER_ENV) $(MAKE) --no-print-directory OUTPUT=$(ASAN_OUTPUT) \
		CFLAGS='-O1 -g $(SANITIZE)' LDFLAGS='$(SANITIZE)' \
		WORKLOAD_CFLAGS='$(SANITIZE) -Wno-format-truncation' WORKLOAD_STATIC= all test-unit
	$(Q)$(SANITIZER_ENV) IPCTRACE_BUILD_DIR=$(ASAN_OUTPUT) PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/faults/test_sanitized.py \
		tests/faults/test_faults.py -k 'not 5_million'

# valgrind on run (pipe-pi, plain and with every output) and on report and
# compare of what it wrote.  The traced workload is not valgrind's: it is
# exec'd (--trace-children=no).  Suppressed: libbpf's bpf(2) attr noise only.
VALGRIND := valgrind --leak-check=full --errors-for-leak-kinds=definite,possible \
	--error-exitcode=1 --trace-children=no --num-callers=30 \
	--suppressions=tests/faults/valgrind.supp
valgrind: all
	$(Q)tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for args in "run -q -o $$tmp/run.json pipe-pi --n 1000" \
		"run -q -o $$tmp/all.json --hist --timeline $$tmp/timeline.json --html $$tmp/run.html pipe-pi --n 1000" \
		"report $$tmp/run.json" "report --hist --format json $$tmp/all.json" \
		"report --format csv $$tmp/all.json" "report --format html $$tmp/all.json" \
		"compare $$tmp/run.json $$tmp/all.json"; do \
		printf '  %-8s ipctrace %s\n' VALGRIND "$$args"; \
		$(VALGRIND) --log-file=$$tmp/valgrind.log $(OUTPUT)/ipctrace $$args > /dev/null || { \
			grep -v 'unhandled eBPF command' $$tmp/valgrind.log; \
			echo "valgrind: ipctrace $$args failed" >&2; exit 1; }; \
	done

# cppcheck and clang-tidy, configured by cppcheck.cfg, .cppcheck-suppressions
# and .clang-tidy: any finding fails.  clang-tidy gets the compile flags of
# the build, the generated skeleton as a system header; findings inside
# generated code (build/) are not ours and are left out.
CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINT_JOBS ?= 2
CPPCHECK_FLAGS := --enable=warning,style,performance,portability --inline-suppr \
	--error-exitcode=1 -q --std=c11 --max-configs=1 -j$(LINT_JOBS) \
	--library=cppcheck.cfg --suppressions-list=.cppcheck-suppressions \
	-Ibpf -Iuser -Iuser/workloads -D__x86_64__
LINT_CFLAGS := -std=gnu11 -Wall -Wextra -isystem $(OUTPUT) -Ibpf -Iuser $(LIB_CFLAGS) \
	-DIPCTRACE_VERSION='"$(VERSION)"' -DIPCTRACE_LIBEXECDIR='"$(LIBEXECDIR)"'
LINT_BPF_CFLAGS := $(filter-out -Werror -I$(VMLINUX_DIR),$(BPF_CFLAGS)) -isystem $(VMLINUX_DIR)
# The analyzer forgets that the workloads' option globals (children, via)
# keep their value across calls: it "sees" the loop that fills pids[] run
# zero times and the loop that reads it run once, in every workload.
LINT_WORKLOAD_CHECKS := -clang-analyzer-core.CallAndMessage,-clang-analyzer-core.NonNullParamChecker
# BPF programs take the tracepoint's arguments whether they use them or not,
# and read kernel pointers with bpf_probe_read_kernel(&ptr, sizeof(ptr), ...).
LINT_BPF_CHECKS := -misc-unused-parameters,-bugprone-sizeof-expression
lint: $(OUTPUT)/ipctrace.skel.h
	$(call msg,CPPCHECK,user/)
	$(Q)$(CPPCHECK) $(CPPCHECK_FLAGS) user/
	$(call msg,TIDY,user/ user/workloads/ bpf/)
	$(Q)command -v $(CLANG_TIDY) > /dev/null || { echo "lint: $(CLANG_TIDY) not found" >&2; exit 1; }
	$(Q)log=$(OUTPUT)/clang-tidy.log; { \
		printf '%s\n' $(wildcard user/*.c) | \
			xargs -P$(LINT_JOBS) -I{} $(CLANG_TIDY) -quiet {} -- $(LINT_CFLAGS); \
		printf '%s\n' $(WORKLOAD_SRCS) | xargs -P$(LINT_JOBS) -I{} \
			$(CLANG_TIDY) -quiet --checks='$(LINT_WORKLOAD_CHECKS)' {} -- $(LINT_CFLAGS); \
		$(CLANG_TIDY) -quiet --checks='$(LINT_BPF_CHECKS)' bpf/ipctrace.bpf.c -- $(LINT_BPF_CFLAGS); \
	} > $$log 2>&1; \
	if grep -E ': (warning|error):' $$log | grep -vE '^(/[^:]*/)?$(OUTPUT)/'; then \
		grep -vE '^[0-9]+ warnings? generated' $$log; \
		echo "lint: clang-tidy found the above (full log: $$log)" >&2; exit 1; \
	fi

# libFuzzer on the summary reader and on the option parser, FUZZ_SECONDS
# each, from the seed corpora in tests/fuzz/corpus/ (left untouched: new
# inputs go to build-fuzz/).  A crash, leak, timeout or UB finding fails;
# the input that did it is kept as build-fuzz/<fuzzer>-crash-*.
FUZZ_OUTPUT := build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS := fuzz_summary_reader fuzz_options
fuzz:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(FUZZ_OUTPUT) CC=$(CLANG) \
		CFLAGS='-O1 -g $(SANITIZE) -fsanitize=fuzzer-no-link' \
		$(addprefix $(FUZZ_OUTPUT)/,$(FUZZERS))
	$(Q)for fuzzer in $(FUZZERS); do \
		name=$${fuzzer#fuzz_}; work=$(FUZZ_OUTPUT)/corpus/$$name; \
		mkdir -p $$work; \
		printf '  %-8s %s, %s s\n' FUZZ $$fuzzer $(FUZZ_SECONDS); \
		$(SANITIZER_ENV) $(FUZZ_OUTPUT)/$$fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_OUTPUT)/$$fuzzer- \
			$$work tests/fuzz/corpus/$$name > $(FUZZ_OUTPUT)/$$fuzzer.log 2>&1 || { \
			tail -60 $(FUZZ_OUTPUT)/$$fuzzer.log; \
			echo "fuzz: $$fuzzer failed; replay: $(FUZZ_OUTPUT)/$$fuzzer $(FUZZ_OUTPUT)/$$fuzzer-<crash file>" >&2; \
			exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(FUZZ_OUTPUT)/$$fuzzer.log; \
	done

# (built with OUTPUT=build-fuzz, CC=clang by `make fuzz`)
$(OUTPUT)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard user/*.h) $(LIB_OBJS)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $< $(LIB_OBJS) $(LIB_LDLIBS) -o $@

clean-checks:
	rm -rf $(ASAN_OUTPUT) $(FUZZ_OUTPUT)
