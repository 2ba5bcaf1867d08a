// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Summaries side by side: the table of `ipctrace compare`, as text, CSV, JSON. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"
#include "mechanisms.h"
#include "figures.h"
#include "render.h"
#include "summary_json.h"

static const struct {
	const char *name;  /* JSON and CSV: raw units */
	const char *label; /* text: milliseconds for times */
	bool ns;
} metrics[] = {
	[METRIC_SYSCALLS] = { "syscalls", "syscalls", false },
	[METRIC_BYTES] = { "bytes", "bytes", false },
	[METRIC_WAKEUPS] = { "wakeups", "wake-ups", false },
	[METRIC_BLOCKED_NS] = { "blocked_ns", "blocked (ms)", true },
	[METRIC_CONTENTION_NS] = { "contention_ns", "contended (ms)", true },
	[METRIC_DURATION_NS] = { "duration_ns", "wall time (ms)", true },
	[METRIC_EXIT_STATUS] = { "exit_status", "exit status", false },
};

const char *compare_metric_name(enum compare_metric metric)
{
	return metrics[metric].name;
}

size_t compare_rows(const struct compare_input *inputs, size_t ninputs,
		    struct compare_row rows[COMPARE_ROWS_MAX])
{
	size_t n = 0;

	/* as the text report: the IPC mechanisms, not other/timer wake-ups */
	for_each_ipc_mechanism(mech) {
		bool active = false;

		for (size_t i = 0; i < ninputs && !active; i++)
			active = summary_mechanism_active(&inputs[i].summary, mech);
		if (!active)
			continue;
		for (int metric = METRIC_SYSCALLS; metric <= METRIC_CONTENTION_NS; metric++)
			rows[n++] = (struct compare_row){ .mechanism = mech, .metric = metric };
	}
	rows[n++] = (struct compare_row){ .mechanism = MECH_NONE, .metric = METRIC_DURATION_NS };
	rows[n++] = (struct compare_row){ .mechanism = MECH_NONE, .metric = METRIC_EXIT_STATUS };
	return n;
}

bool compare_value(const struct compare_input *input, const struct compare_row *row,
		   long long *value)
{
	const struct summary *s = &input->summary;
	struct mechanism_figures f;

	switch (row->metric) {
	case METRIC_DURATION_NS:
		*value = s->duration_ns;
		return true;
	case METRIC_EXIT_STATUS:
		*value = s->exit_status;
		return s->exit_status >= 0;
	default:
		break;
	}
	summary_mechanism_figures(s, row->mechanism, &f);
	switch (row->metric) {
	case METRIC_SYSCALLS: *value = f.syscalls; break;
	case METRIC_BYTES: *value = f.bytes; break;
	case METRIC_WAKEUPS: *value = f.wakeups; break;
	case METRIC_BLOCKED_NS: *value = f.blocked_ns; break;
	case METRIC_CONTENTION_NS: *value = f.contention_ns; break;
	default: *value = 0;
	}
	return true;
}

static const char *row_mechanism(const struct compare_row *row)
{
	return row->mechanism == MECH_NONE ? NULL : mechanism_name(row->mechanism);
}

/* ---- text ---- */

static int column_width(const struct compare_input *input)
{
	int len = strlen(input->name);

	return len > 12 ? len : 12;
}

int compare_render_text(FILE *out, const struct compare_input *inputs, size_t ninputs)
{
	struct compare_row rows[COMPARE_ROWS_MAX];
	size_t nrows = compare_rows(inputs, ninputs, rows);
	int shown = -1;

	fprintf(out, "\nipctrace compare: %zu inputs\n\n%-12s %-15s", ninputs, "MECHANISM", "METRIC");
	for (size_t i = 0; i < ninputs; i++)
		fprintf(out, " %*s", column_width(&inputs[i]), inputs[i].name);
	fputc('\n', out);
	for (size_t r = 0; r < nrows; r++) {
		const struct compare_row *row = &rows[r];
		const char *mech = row->mechanism == MECH_NONE ? "(run)" : mechanism_name(row->mechanism);

		fprintf(out, "%-12s %-15s", row->mechanism != shown ? mech : "",
			metrics[row->metric].label);
		shown = row->mechanism;
		for (size_t i = 0; i < ninputs; i++) {
			int width = column_width(&inputs[i]);
			long long v;

			if (!compare_value(&inputs[i], row, &v))
				fprintf(out, " %*s", width, "-");
			else if (metrics[row->metric].ns)
				fprintf(out, " %*.3f", width, v / 1e6);
			else
				fprintf(out, " %*lld", width, v);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- CSV: raw units, one row per table row ---- */

int compare_render_csv(FILE *out, const struct compare_input *inputs, size_t ninputs)
{
	struct compare_row rows[COMPARE_ROWS_MAX];
	size_t nrows = compare_rows(inputs, ninputs, rows);

	fputs("mechanism,metric", out);
	for (size_t i = 0; i < ninputs; i++) {
		fputc(',', out);
		csv_field(out, inputs[i].name);
	}
	fputs("\r\n", out);
	for (size_t r = 0; r < nrows; r++) {
		const char *mech = row_mechanism(&rows[r]);

		fprintf(out, "%s,%s", mech ? mech : "", metrics[rows[r].metric].name);
		for (size_t i = 0; i < ninputs; i++) {
			long long v;

			if (compare_value(&inputs[i], &rows[r], &v))
				fprintf(out, ",%lld", v);
			else
				fputc(',', out);
		}
		fputs("\r\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---- */

static json_t *compare_json(const struct compare_input *inputs, size_t ninputs)
{
	struct compare_row rows[COMPARE_ROWS_MAX];
	size_t nrows = compare_rows(inputs, ninputs, rows);
	json_t *jinputs = json_array(), *table = json_array();

	for (size_t i = 0; i < ninputs; i++) {
		json_t *summary = summary_to_json(&inputs[i].summary);

		if (!summary)
			goto fail;
		json_array_append_new(jinputs, json_pack("{ss ss so}", "name", inputs[i].name,
							 "source", inputs[i].from_file ? "file" : "workload",
							 "summary", summary));
	}
	for (size_t r = 0; r < nrows; r++) {
		const char *mech = row_mechanism(&rows[r]);
		json_t *values = json_array();

		for (size_t i = 0; i < ninputs; i++) {
			long long v;

			json_array_append_new(values, compare_value(&inputs[i], &rows[r], &v) ?
						      json_integer(v) : json_null());
		}
		json_array_append_new(table, json_pack("{so ss so}",
			"mechanism", mech ? json_string(mech) : json_null(),
			"metric", metrics[rows[r].metric].name, "values", values));
	}
	return json_pack("{ss so so}", "schema", COMPARE_SCHEMA, "inputs", jinputs, "table", table);
fail:
	json_decref(jinputs);
	json_decref(table);
	return NULL;
}

int compare_render_json(FILE *out, const struct compare_input *inputs, size_t ninputs)
{
	return dump_json(out, compare_json(inputs, ninputs));
}
