/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `ipctrace serve`'s output: the summary as Prometheus metrics, in the text
 * format 0.0.4 or OpenMetrics 1.0.  An output like the renderers, with one
 * thing they lack: a series table that outlives each exposition, because a
 * series once exposed must stay, with counters that never go down, and
 * label sets past --max-series must go to "other" for good (admitted first
 * come at collection, never re-ranked).
 */
#ifndef IPCTRACE_EXPOSITION_H
#define IPCTRACE_EXPOSITION_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "summary.h"

enum exposition_format {
	EXPOSITION_TEXT,        /* text/plain; version=0.0.4 */
	EXPOSITION_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* The Content-Type of each format. */
const char *exposition_content_type(enum exposition_format f);
/* What an Accept header asks for: OpenMetrics if it names it, else text. */
enum exposition_format exposition_negotiate(const char *accept);

/* Series per (mechanism, syscall, group) row: 3 counters and a histogram
 * of HIST_SLOTS buckets, _sum and _count. */
#define SERIES_PER_ROW (3 + HIST_SLOTS + 2)
#define SERIES_OTHER "other"

struct series_table;
/* by: the group label's name ("comm", "cgroup"), or NULL without --by;
 * max_series: the budget of the group rows' series.  NULL if no memory. */
struct series_table *series_table_new(const char *by, size_t max_series);
void series_table_free(struct series_table *t);
/* Take a collection in: new rows admitted or sent to "other" (for good),
 * every row's values raised to the new ones (never lowered: a counter a
 * vanished kernel row fed stays where it was).  0, or -1 out of memory. */
int series_table_update(struct series_table *t, const struct summary *s);
/* The same in steps: begin, a row at a time (group NULL without --by),
 * finish; a collection's rows between one begin and its finish. */
void series_table_begin(struct series_table *t);
int series_table_add(struct series_table *t, const struct syscall_row *r, const char *group);
void series_table_finish(struct series_table *t);
/* The label of the kernel's group id: its name at first sight, for good
 * (a cgroup removed since would otherwise be renamed, a new label set
 * counting its whole history twice). */
const char *series_table_group_label(struct series_table *t, __u32 id, const char *name);
size_t series_table_series(const struct series_table *t);   /* series exposed for rows */
__u64 series_table_dropped(const struct series_table *t);   /* label sets sent to other */

/* What the command measures about itself. */
struct exposition_self {
	const char *version;
	const char *kernel;
	__u64 collections;      /* times the kernel maps were read */
	long traced_tasks;
	__u64 started_ns;       /* CLOCK_MONOTONIC when this exposition began */
	bool bpf_stats;         /* kernel.bpf_stats_enabled: the programs' costs below */
	const struct program_stats *programs;
	size_t nprograms;
};

/* The exposition of t (updated from s) and of s's per-mechanism, signal
 * and drop counters.  0, or -1 if out failed. */
int exposition_write(FILE *out, enum exposition_format f, const struct series_table *t,
		     const struct summary *s, const struct exposition_self *self);

/* ns as exact decimal seconds ("0.000000003", "12.5"): no float rounding */
void format_seconds(char *buf, size_t len, __u64 ns);

#endif
