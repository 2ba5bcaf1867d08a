/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel types the BPF programs read, cut from the kernel's BTF once per
 * kernel and BPF object (`bpftool gen min_core_btf`) and kept in a cache:
 * libbpf then resolves CO-RE against a few KB instead of parsing the whole
 * 5 MB kernel BTF on every start (100-170 ms here).
 */
#ifndef IPCTRACE_COREBTF_H
#define IPCTRACE_COREBTF_H

#include <stdbool.h>
#include <stddef.h>

/* $IPCTRACE_CACHE_DIR, or this; an empty IPCTRACE_CACHE_DIR turns the cache off */
#define COREBTF_CACHE_DIR "/var/cache/ipctrace"

/* Into path: the minimal BTF for this kernel (whose full BTF is kernel_btf)
 * and the BPF object obj, made now if not cached yet.  false if there is
 * none to be had (no bpftool, a read-only cache): use the full BTF.  Either
 * way *prev_state says whether sched_switch passes prev_state (below): the
 * cached file's name records it, so no BTF is parsed for it once cached. */
bool corebtf_path(char *path, size_t len, const char *kernel_btf, const void *obj,
		  size_t obj_len, bool verbose, bool *prev_state);
/* Whether this kernel's sched_switch tracepoint passes prev_state (its last
 * argument since 5.18, and on older kernels with the change backported):
 * read from the tracepoint's prototype in kernel_btf, as perf does, not
 * guessed from the release.  It parses the whole kernel BTF (~45 ms). */
bool corebtf_switch_passes_prev_state(const char *kernel_btf);
/* A cached BTF libbpf could not use: remove it, the next start makes it anew. */
void corebtf_forget(const char *path);

#endif
