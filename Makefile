# ipctrace: clang -> .bpf.o -> bpftool gen skeleton -> .skel.h -> user objects.
# All outputs go to build/.  Quiet by default; V=1 shows the commands.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR := $(PREFIX)/sbin
LIBEXECDIR := $(PREFIX)/libexec/ipctrace
MANDIR := $(PREFIX)/share/man

OUTPUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PKG_CONFIG ?= pkg-config
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)

LIBS := libbpf libelf zlib jansson libdw
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)
LIB_LDLIBS := $(shell $(PKG_CONFIG) --libs $(LIBS) 2>/dev/null || echo -lbpf -lelf -lz -ljansson -ldw)

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

.PHONY: all clean install uninstall test test-unit test-e2e vmlinux check-kernels bench deps
.DELETE_ON_ERROR:

all: $(OUTPUT)/ipctrace $(OUTPUT)/ipctrace-workload

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/user/workloads $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/ipctrace.bpf.o: bpf/ipctrace.bpf.c bpf/ipctrace.h bpf/classify.bpf.h $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

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
$(OUTPUT)/ipctrace-workload: $(WORKLOAD_SRCS) $(WORKLOAD_HDRS) | $(OUTPUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g -fno-omit-frame-pointer $(WARNINGS) $(WORKLOAD_CFLAGS) -static -pthread \
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

test: test-unit test-e2e

check-kernels: all
	$(Q)tests/vm/check-kernels.sh

deps:
	$(Q)tests/install-deps.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(OUTPUT)/ipctrace $(DESTDIR)$(SBINDIR)/ipctrace
	install -m 0755 $(OUTPUT)/ipctrace-workload $(DESTDIR)$(LIBEXECDIR)/ipctrace-workload
	install -m 0644 man/ipctrace.8 $(DESTDIR)$(MANDIR)/man8/ipctrace.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ipctrace $(DESTDIR)$(LIBEXECDIR)/ipctrace-workload \
		$(DESTDIR)$(MANDIR)/man8/ipctrace.8
	-rmdir $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf $(OUTPUT)
