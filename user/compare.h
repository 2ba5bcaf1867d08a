/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `ipctrace compare`: several summaries side by side, a column per input.
 * The figures come from summary_mechanism_figures() (figures.h); this only
 * lays them out, as text, CSV, or JSON (schema ipctrace.compare/1, described in
 * schema/ipctrace.compare-1.json).
 */
#ifndef IPCTRACE_COMPARE_H
#define IPCTRACE_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include "summary.h"

#define COMPARE_SCHEMA "ipctrace.compare/1"

struct compare_input {
	const char *name;    /* the column's header: workload name or file basename */
	bool from_file;      /* a saved JSON summary, else a workload run now */
	struct summary summary;
};

/* One row of the table: a figure of one mechanism, or of the whole run. */
enum compare_metric {
	METRIC_SYSCALLS,
	METRIC_BYTES,
	METRIC_WAKEUPS,
	METRIC_BLOCKED_NS,
	METRIC_CONTENTION_NS,
	METRIC_DURATION_NS, /* run-wide: wall time traced */
	METRIC_EXIT_STATUS, /* run-wide: -1 when not known */
};

struct compare_row {
	int mechanism; /* MECH_NONE for the run-wide rows */
	enum compare_metric metric;
};

#define COMPARE_ROWS_MAX (5 * MECH__COUNT + 2)

/* The rows, in order: every mechanism active in any input, five figures
 * each, then wall time and exit status.  Returns how many. */
size_t compare_rows(const struct compare_input *inputs, size_t ninputs,
		    struct compare_row rows[COMPARE_ROWS_MAX]);
/* One cell; false when it is not known (an attach's exit status). */
bool compare_value(const struct compare_input *input, const struct compare_row *row,
		   long long *value);
const char *compare_metric_name(enum compare_metric metric); /* as in JSON and CSV */

/* The table as text, CSV or JSON (the output registry's render_compare,
 * formats.h); 0, or -1 on a write error */
int compare_render_text(FILE *out, const struct compare_input *inputs, size_t ninputs);
int compare_render_csv(FILE *out, const struct compare_input *inputs, size_t ninputs);
int compare_render_json(FILE *out, const struct compare_input *inputs, size_t ninputs);

#endif
