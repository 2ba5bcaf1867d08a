// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of `ipctrace compare`'s table: which rows, which numbers, and
 * its CSV and JSON forms.  No BPF needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"

static void add(struct summary *s, int mech, const char *syscall, const char *op, __u64 count,
		__u64 bytes)
{
	struct syscall_row row = { .mechanism = mech };

	snprintf(row.syscall, sizeof(row.syscall), "%s", syscall);
	snprintf(row.op, sizeof(row.op), "%s", op);
	row.stats.count = count;
	row.stats.bytes = bytes;
	summary_add_syscall(s, &row);
}

/* a: pipe and futex; b: fifo only, an attach (exit status unknown) */
static void two_inputs(struct compare_input in[2])
{
	memset(in, 0, 2 * sizeof(*in));
	in[0].name = "pipe-pi";
	summary_init(&in[0].summary);
	add(&in[0].summary, MECH_PIPE, "read", "", 10, 215);
	add(&in[0].summary, MECH_PIPE, "write", "", 10, 215);
	add(&in[0].summary, MECH_FUTEX, "futex", "WAIT", 3, 0);
	add(&in[0].summary, MECH_FUTEX, "futex", "WAKE", 4, 0);
	in[0].summary.mechanisms[MECH_PIPE].wakeups = 2;
	in[0].summary.mechanisms[MECH_PIPE].blocked_ns = 36000000;
	in[0].summary.mechanisms[MECH_FUTEX].contention_ns = 1500000;
	in[0].summary.mechanisms[MECH_OTHER].wakeups = 5; /* not a row of its own */
	in[0].summary.duration_ns = 60000000;
	in[0].summary.exit_status = 0;
	summary_finish(&in[0].summary);

	in[1].name = "b.json";
	in[1].from_file = true;
	summary_init(&in[1].summary);
	add(&in[1].summary, MECH_FIFO, "write", "", 7, 70);
	in[1].summary.duration_ns = 1000000;
	summary_finish(&in[1].summary);
}

static void free_inputs(struct compare_input in[2])
{
	summary_free(&in[0].summary);
	summary_free(&in[1].summary);
}

static void test_rows_are_every_active_mechanism_then_the_run(void **state)
{
	struct compare_input in[2];
	struct compare_row rows[COMPARE_ROWS_MAX];
	size_t n;

	(void)state;
	two_inputs(in);
	n = compare_rows(in, 2, rows);
	assert_int_equal(n, 3 * 5 + 2);
	assert_int_equal(rows[0].mechanism, MECH_PIPE);
	assert_int_equal(rows[0].metric, METRIC_SYSCALLS);
	assert_int_equal(rows[4].metric, METRIC_CONTENTION_NS);
	assert_int_equal(rows[5].mechanism, MECH_FIFO);
	assert_int_equal(rows[10].mechanism, MECH_FUTEX);
	assert_int_equal(rows[15].mechanism, MECH_NONE);
	assert_int_equal(rows[15].metric, METRIC_DURATION_NS);
	assert_int_equal(rows[16].metric, METRIC_EXIT_STATUS);
	free_inputs(in);
}

static void test_values_are_the_summary_figures(void **state)
{
	struct compare_input in[2];
	struct compare_row rows[COMPARE_ROWS_MAX];
	long long v;

	(void)state;
	two_inputs(in);
	compare_rows(in, 2, rows);
	assert_true(compare_value(&in[0], &rows[0], &v));
	assert_int_equal(v, 20);                  /* pipe syscalls */
	assert_true(compare_value(&in[0], &rows[1], &v));
	assert_int_equal(v, 430);                 /* pipe bytes */
	assert_true(compare_value(&in[0], &rows[2], &v));
	assert_int_equal(v, 2);                   /* pipe wake-ups */
	assert_true(compare_value(&in[0], &rows[3], &v));
	assert_int_equal(v, 36000000);            /* pipe blocked */
	assert_true(compare_value(&in[0], &rows[10], &v));
	assert_int_equal(v, 7);                   /* futex: WAIT + WAKE, counted once */
	assert_true(compare_value(&in[0], &rows[14], &v));
	assert_int_equal(v, 1500000);             /* futex contention */
	assert_true(compare_value(&in[1], &rows[0], &v));
	assert_int_equal(v, 0);                   /* no pipe in b */
	assert_true(compare_value(&in[1], &rows[5], &v));
	assert_int_equal(v, 7);
	assert_true(compare_value(&in[1], &rows[15], &v));
	assert_int_equal(v, 1000000);
	assert_false(compare_value(&in[1], &rows[16], &v)); /* exit status unknown */
	free_inputs(in);
}

static void test_csv_and_json_forms(void **state)
{
	struct compare_input in[2];
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	json_t *root, *table, *row;
	json_error_t err;

	(void)state;
	two_inputs(in);
	assert_int_equal(compare_render_csv(out, in, 2), 0);
	fclose(out);
	assert_non_null(strstr(text, "mechanism,metric,pipe-pi,b.json\r\npipe,syscalls,20,0\r\n"));
	assert_non_null(strstr(text, "\r\nfutex,contention_ns,1500000,0\r\n"));
	assert_non_null(strstr(text, "\r\n,duration_ns,60000000,1000000\r\n,exit_status,0,\r\n"));
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(compare_render_json(out, in, 2), 0);
	fclose(out);
	root = json_loads(text, 0, &err);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "schema")), COMPARE_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(root, "inputs"), 1), "source")), "file");
	table = json_object_get(root, "table");
	assert_int_equal(json_array_size(table), 17);
	row = json_array_get(table, 16);
	assert_true(json_is_null(json_object_get(row, "mechanism")));
	assert_string_equal(json_string_value(json_object_get(row, "metric")), "exit_status");
	assert_true(json_is_null(json_array_get(json_object_get(row, "values"), 1)));
	json_decref(root);
	free(text);
	free_inputs(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_every_active_mechanism_then_the_run),
		cmocka_unit_test(test_values_are_the_summary_figures),
		cmocka_unit_test(test_csv_and_json_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
