/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The stats structs of the contract (syscall_stats, mechanism_stats,
 * signal_stats) as tables of fields, made from their field lists in
 * bpf/ipctrace.h: merging per-CPU values, subtracting intervals and the
 * JSON summary iterate these, never the fields by hand.
 */
#ifndef IPCTRACE_STATS_H
#define IPCTRACE_STATS_H

#include <linux/types.h>
#include <stddef.h>
#include "ipctrace.h"

enum stats_merge {
	STATS_SUM,  /* added; subtracted for an interval */
	STATS_MAX,  /* the larger kept; an interval keeps the run's */
	STATS_HIST, /* HIST_SLOTS counts, each added and subtracted */
	STATS_COUNTS, /* n named counts, each added and subtracted; optional in JSON */
};

struct stats_field {
	const char *group; /* JSON: the object the key is in, "" for the stats' own */
	const char *key;
	size_t offset;
	enum stats_merge merge;
	size_t n;                       /* STATS_COUNTS: how many */
	const char *(*name_of)(int i); /* STATS_COUNTS: the JSON key of count i */
};

struct stats_layout {
	const struct stats_field *fields;
	size_t nfields;
};

extern const struct stats_layout syscall_stats_layout;
extern const struct stats_layout mechanism_stats_layout;
extern const struct stats_layout signal_stats_layout;

/* into += from: sums and histograms added, maxima the larger */
void stats_merge(const struct stats_layout *l, void *into, const void *from);
/* later -= earlier: what happened in between (maxima stay later's) */
void stats_subtract(const struct stats_layout *l, void *later, const void *earlier);

static inline __u64 *stats_slot(const struct stats_field *f, void *stats)
{
	return (__u64 *)((char *)stats + f->offset);
}

static inline const __u64 *stats_value(const struct stats_field *f, const void *stats)
{
	return (const __u64 *)((const char *)stats + f->offset);
}

static inline void syscall_stats_add(struct syscall_stats *into, const struct syscall_stats *from)
{
	stats_merge(&syscall_stats_layout, into, from);
}

#endif
