// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The stats structs' field tables, from the lists in bpf/ipctrace.h. */
#include "mechanisms.h"
#include "stats.h"

/* a row of the table of STATS_TYPE, from its field list */
#define FIELD_ROW(name, merge, group, key) \
	{ group, key, offsetof(STATS_TYPE, name), STATS_##merge, 0, NULL },
#define HIST_ROW(name, group, key) \
	{ group, key, offsetof(STATS_TYPE, name), STATS_HIST, 0, NULL },
#define COUNTS_ROW(name, n_, key, name_of_) \
	{ "", key, offsetof(STATS_TYPE, name), STATS_COUNTS, n_, name_of_ },
#define LAYOUT(layout, FIELDS) \
	static const struct stats_field layout##_fields[] = { FIELDS(FIELD_ROW, HIST_ROW, COUNTS_ROW) }; \
	const struct stats_layout layout = { \
		.fields = layout##_fields, \
		.nfields = sizeof(layout##_fields) / sizeof(layout##_fields[0]), \
	}

#define STATS_TYPE struct syscall_stats
LAYOUT(syscall_stats_layout, SYSCALL_STATS_FIELDS);
#undef STATS_TYPE
#define STATS_TYPE struct mechanism_stats
LAYOUT(mechanism_stats_layout, MECHANISM_STATS_FIELDS);
#undef STATS_TYPE
#define STATS_TYPE struct signal_stats
LAYOUT(signal_stats_layout, SIGNAL_STATS_FIELDS);
#undef STATS_TYPE

void stats_merge(const struct stats_layout *l, void *into, const void *from)
{
	for (size_t i = 0; i < l->nfields; i++) {
		const struct stats_field *f = &l->fields[i];
		const __u64 *v = stats_value(f, from);
		__u64 *slot = stats_slot(f, into);

		switch (f->merge) {
		case STATS_SUM:
			*slot += *v;
			break;
		case STATS_MAX:
			if (*v > *slot)
				*slot = *v;
			break;
		case STATS_HIST:
			for (int b = 0; b < HIST_SLOTS; b++)
				slot[b] += v[b];
			break;
		case STATS_COUNTS:
			for (size_t b = 0; b < f->n; b++)
				slot[b] += v[b];
			break;
		}
	}
}

void stats_subtract(const struct stats_layout *l, void *later, const void *earlier)
{
	for (size_t i = 0; i < l->nfields; i++) {
		const struct stats_field *f = &l->fields[i];
		const __u64 *v = stats_value(f, earlier);
		__u64 *slot = stats_slot(f, later);

		if (f->merge == STATS_SUM)
			*slot -= *v;
		else if (f->merge == STATS_HIST)
			for (int b = 0; b < HIST_SLOTS; b++)
				slot[b] -= v[b];
		else if (f->merge == STATS_COUNTS)
			for (size_t b = 0; b < f->n; b++)
				slot[b] -= v[b];
	}
}
