/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one in-memory summary of a traced run: the model.  Built once from
 * the kernel maps (tracer.c) or from a saved JSON file (summary_json.c);
 * every output renders it, and the figures derived from it come from
 * figures.c, never from a renderer.  It knows no output.
 */
#ifndef IPCTRACE_SUMMARY_H
#define IPCTRACE_SUMMARY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ipctrace.h"

#define SUMMARY_SCHEMA "ipctrace.summary/1"
#define NAME_LEN 32
#define CALLERS_MAX 4
#define CALLER_LEN 160

struct syscall_row {
	int mechanism;
	char syscall[NAME_LEN];
	char op[NAME_LEN]; /* futex operation, "" for the syscall's total */
	struct syscall_stats stats;
};

struct edge_row {
	__u32 waker_pid; /* 0: an interrupt or a timer */
	bool waker_untraced; /* a task outside the trace (waker_pid is its process) */
	char waker_comm[COMM_LEN];
	__u32 wakee_pid;
	char wakee_comm[COMM_LEN];
	int mechanism;
	__u64 count;
};

struct lock_row {
	int mechanism;
	int kind; /* enum lock_kind */
	char key[64];
	__u32 waiters; /* distinct waiting tasks */
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	size_t ncallers;
	char callers[CALLERS_MAX][CALLER_LEN];
};

struct process_row {
	__u32 pid;
	__u32 ppid;
	char comm[COMM_LEN];
};

struct unavailable_row {
	char feature[NAME_LEN];
	char reason[160];
};

/* A BPF program's cost as the kernel counts it (kernel.bpf_stats_enabled) */
struct program_stats {
	const char *name;
	__u64 run_ns;
	__u64 runs;
};

struct summary;

/* --by: one group of the breakdown.  Its detail is a summary of its own
 * holding the group's syscall rows (and, per mechanism, the blocked and
 * contended times they add up to), so that every output renders a group as
 * it renders the whole. */
struct group_row {
	char by[NAME_LEN];  /* "process", "comm" or "cgroup" */
	char key[256];      /* the pid, the comm, or the path relative to the v2 root */
	__u64 cgroup_id;    /* by cgroup: its id */
	char comm[COMM_LEN]; /* by process: its name at its first counted call */
	__u32 id;           /* the kernel's key for it (syscall_key.group) */
	struct summary *detail;
};

struct interval_row {
	__u64 start_ns; /* from the start of tracing */
	__u64 end_ns;
};

struct summary {
	char tool_version[NAME_LEN];
	char kernel[128];
	char arch[NAME_LEN];
	int ncpus;

	char mode[NAME_LEN];     /* "run" or "attach" */
	char *workload;          /* bundled workload name, or NULL */
	char **command;
	size_t ncommand;
	int exit_status;         /* -1 when not known (attach) */
	__u64 start_ns;          /* CLOCK_REALTIME of the start, for humans */
	__u64 duration_ns;
	__u64 lost_events;

	struct syscall_row *syscalls; /* sorted by mechanism, syscall, op */
	size_t nsyscalls;
	struct mechanism_stats mechanisms[MECH__COUNT];
	struct signal_stats signals[SIGNALS_MAX];
	struct edge_row *edges; /* by count, descending */
	size_t nedges;
	struct lock_row *locks; /* by total wait, descending */
	size_t nlocks;
	struct process_row *processes;
	size_t nprocesses;
	struct unavailable_row *unavailable;
	size_t nunavailable;
	struct drop_counters drops;
	struct interval_row *intervals; /* attach -i: the interim reports' spans */
	size_t nintervals;
	size_t skipped; /* read from a later ipctrace's file: entries of mechanisms unknown here */
	struct group_row *groups; /* --by: by calls, descending */
	size_t ngroups;
};

/* The drop counters by name, for every output and the reader. */
struct drop_field {
	const char *name;    /* JSON key */
	const char *label;   /* text report */
	size_t offset;       /* in struct drop_counters */
	const char *heading; /* notes only: what the count is instead of a loss */
};
extern const struct drop_field drop_fields[]; /* losses: "lost:" */
extern const size_t drop_field_count;
/* Counted beside the losses but not data lost, said apart under their
 * heading; optional when reading (files from before they were counted). */
extern const struct drop_field drop_notes[];
extern const size_t drop_note_count;
__u64 drop_value(const struct drop_counters *d, const struct drop_field *f);
__u64 *drop_slot(struct drop_counters *d, const struct drop_field *f);

void summary_init(struct summary *s);
void summary_free(struct summary *s);
int summary_add_syscall(struct summary *s, const struct syscall_row *row);
int summary_add_edge(struct summary *s, const struct edge_row *row);
int summary_add_lock(struct summary *s, const struct lock_row *row);
int summary_add_process(struct summary *s, const struct process_row *row);
int summary_add_unavailable(struct summary *s, const char *feature, const char *reason);
int summary_set_command(struct summary *s, const char *workload, char *const argv[], size_t argc);
int summary_add_interval(struct summary *s, __u64 start_ns, __u64 end_ns);
/* The group with this id (made, from by and key, if new): NULL if no memory */
struct group_row *summary_group(struct summary *s, const char *by, __u32 id, const char *key);
/* A row of a group: into its detail, and into the whole as any row */
int summary_add_group_syscall(struct summary *s, struct group_row *g, const struct syscall_row *row);
/* calls of a group, all mechanisms */
__u64 group_calls(const struct group_row *g);
/* How people read a group's key: "PID comm" for a process, else the key */
void group_label(const struct summary *s, const struct group_row *g, char *buf, size_t len);
/* What happened between two collections of the same run: counts, bytes and
 * times of later minus earlier (maxima stay those of the whole run). */
void summary_subtract(struct summary *later, const struct summary *earlier);
/* sort rows into their documented order */
void summary_finish(struct summary *s);

/* append one element to a growable array of count elements of size bytes,
 * which doubles as it fills: 0, or -1 out of memory (the array unchanged) */
int array_append(void **array, size_t *count, size_t size, const void *element);

#endif
