/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one BPF lifecycle: open, configure, load, attach, collect, destroy. */
#ifndef IPCTRACE_TRACER_H
#define IPCTRACE_TRACER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "summary.h"

struct tracer_options {
	const char *btf_path;          /* kernel BTF, default /sys/kernel/btf/vmlinux */
	bool stacks;                   /* user stacks of futex waiters */
	const char **pretend_missing;  /* tracepoints to treat as absent (testing) */
	size_t npretend_missing;
	bool verbose;                  /* libbpf's own messages */
	bool events;                   /* stream events for --timeline */
	__u32 ringbuf_bytes;           /* its ring buffer, a power of 2 pages */
	const struct scope *scope;     /* attach --all/--cgroup; NULL: the tree */
	enum group_by group_by;        /* --by */
};

struct ipctrace_bpf;
struct scope;
struct stack_symbols;
struct ksyms;

struct tracer {
	struct ipctrace_bpf *skel;
	__u64 start_ns;
	__u64 stop_ns;
	struct stack_symbols *stack_symbols; /* --stacks */
	struct ksyms *ksyms;                 /* loaded at the first kernel lock, kept */
	bool ksyms_failed;                   /* not tried again */
	pthread_t detacher;                  /* detaching the programs, once stopped */
	bool detaching;
	enum group_by group_by;
	char v2_mount[256];                  /* --by cgroup: to name the groups */
	struct summary *folded;              /* --by process: rows of exited processes */
};

/* 0, or an exit status after printing one line on stderr.  Features the
 * kernel lacks are recorded in s->unavailable. */
int tracer_start(struct tracer *t, const struct tracer_options *o, struct summary *s);
/* Trace one thread, and what it forks from now on; flags are TASK_*
 * (TASK_AWAIT_EXEC: count from its next exec).  0 or -errno. */
int tracer_add_task(struct tracer *t, pid_t tid, __u8 flags);
/* Trace a process: every thread it has, and its name for the report. */
int tracer_add_process(struct tracer *t, pid_t pid, __u8 flags);
long tracer_live_tasks(const struct tracer *t);
int tracer_events_fd(const struct tracer *t);
/* attach --all/--cgroup --by process: once the kernel's rows fill half their
 * map (IPCTRACE_FOLD_AT rows, for tests), the rows of processes gone move
 * into one "(exited processes)" group kept here, so that processes coming
 * and going forever do not fill it.  0 or -errno. */
int tracer_fold_exited_processes(struct tracer *t);
/* Counting ends now: the programs are detached in the background. */
void tracer_mark_stopped(struct tracer *t);
__u64 tracer_elapsed_ns(const struct tracer *t);
/* kernel maps -> summary, covering the start until until_ns (0: now);
 * the maps are only read, so it can be called again later */
int tracer_collect(struct tracer *t, struct summary *s, __u64 until_ns);
/* Only the counters (syscall rows, mechanisms, signals, drops), cheap
 * enough for every scrape of `ipctrace serve`; the maps are only read. */
int tracer_collect_counters(struct tracer *t, struct summary *s);
/* Each program's run time and runs as the kernel counts them (only while
 * kernel.bpf_stats_enabled is 1; else zeros): how many, at most max. */
size_t tracer_program_stats(const struct tracer *t, struct program_stats *out, size_t max);
void tracer_destroy(struct tracer *t);
/* `ipctrace features`: what this kernel offers, as a table; 0 if enough */
int tracer_print_features(FILE *out, const char *btf_path);

#endif
