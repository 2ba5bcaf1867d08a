// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of `ipctrace serve`'s exposition: the kernel's log2 slots as
 * exact buckets, the two formats, label escaping, and the series table's
 * first-come admission under --max-series, never re-ranked, with counters
 * that never go down.  No BPF needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exposition.h"

static struct syscall_row row(int mech, const char *syscall, __u64 count)
{
	struct syscall_row r = { .mechanism = mech };

	snprintf(r.syscall, sizeof(r.syscall), "%s", syscall);
	r.stats.count = count;
	r.stats.hist[3] = count; /* [4, 8) ns */
	r.stats.total_ns = 5 * count;
	return r;
}

/* The exposition of t and an empty summary, as a string to free. */
static char *expose(const struct series_table *t, enum exposition_format f)
{
	struct exposition_self self = { .version = "1.2.3", .kernel = "6.18.0" };
	struct summary s;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	summary_init(&s);
	assert_non_null(out);
	assert_int_equal(exposition_write(out, f, t, &s, &self), 0);
	fclose(out);
	summary_free(&s);
	return text;
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0;

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		n += !strncmp(line, prefix, strlen(prefix));
	return n;
}

static void test_seconds_are_exact_decimals(void **state)
{
	char buf[48];

	(void)state;
	format_seconds(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0");
	format_seconds(buf, sizeof(buf), 3);
	assert_string_equal(buf, "0.000000003");
	format_seconds(buf, sizeof(buf), 1500000000ULL);
	assert_string_equal(buf, "1.5");
	format_seconds(buf, sizeof(buf), (1ULL << 34) - 1);
	assert_string_equal(buf, "17.179869183");
}

/* slot i holds [2^(i-1), 2^i) ns: its cumulative bucket is le = 2^i - 1 ns */
static void test_buckets_are_the_kernel_slots(void **state)
{
	struct series_table *t = series_table_new(NULL, 10000);
	struct syscall_row r = row(MECH_PIPE, "write", 10);
	char *text;

	(void)state;
	series_table_begin(t);
	assert_int_equal(series_table_add(t, &r, NULL), 0);
	series_table_finish(t);
	text = expose(t, EXPOSITION_TEXT);
	assert_int_equal(count_lines(text, "ipctrace_syscall_duration_seconds_bucket{"), HIST_SLOTS);
	assert_non_null(strstr(text, "ipctrace_syscall_duration_seconds_bucket{mechanism=\"pipe\","
				     "syscall=\"write\",le=\"0\"} 0\n"));
	assert_non_null(strstr(text, "le=\"0.000000003\"} 0\n"));  /* slot 2: [2, 4) */
	assert_non_null(strstr(text, "le=\"0.000000007\"} 10\n")); /* slot 3: [4, 8) */
	assert_non_null(strstr(text, "le=\"17.179869183\"} 10\n")); /* slot 34 */
	assert_non_null(strstr(text, "le=\"+Inf\"} 10\n"));
	assert_non_null(strstr(text, "ipctrace_syscall_duration_seconds_count{mechanism=\"pipe\","
				     "syscall=\"write\"} 10\n"));
	assert_non_null(strstr(text, "ipctrace_syscall_duration_seconds_sum{mechanism=\"pipe\","
				     "syscall=\"write\"} 0.00000005\n"));
	assert_non_null(strstr(text, "ipctrace_syscalls_total{mechanism=\"pipe\",syscall=\"write\"} 10\n"));
	assert_non_null(strstr(text, "# TYPE ipctrace_syscalls_total counter\n"));
	assert_non_null(strstr(text, "ipctrace_build_info{version=\"1.2.3\",kernel=\"6.18.0\"} 1\n"));
	assert_null(strstr(text, "# EOF"));
	free(text);
	series_table_free(t);
}

static void test_openmetrics_names_families_without_total(void **state)
{
	struct series_table *t = series_table_new(NULL, 10000);
	char *text;

	(void)state;
	text = expose(t, EXPOSITION_OPENMETRICS);
	assert_non_null(strstr(text, "# TYPE ipctrace_syscalls counter\n"));
	assert_non_null(strstr(text, "# TYPE ipctrace_build info\n"));
	assert_non_null(strstr(text, "ipctrace_build_info{"));
	assert_int_equal(strcmp(text + strlen(text) - 6, "# EOF\n"), 0);
	assert_int_equal(exposition_negotiate("application/openmetrics-text;version=1.0.0,"
					      "text/plain;version=0.0.4;q=0.5"),
			 EXPOSITION_OPENMETRICS);
	assert_int_equal(exposition_negotiate("*/*"), EXPOSITION_TEXT);
	assert_int_equal(exposition_negotiate(NULL), EXPOSITION_TEXT);
	free(text);
	series_table_free(t);
}

static void test_label_values_are_escaped_utf8(void **state)
{
	struct series_table *t = series_table_new("comm", 10000);
	struct syscall_row r = row(MECH_PIPE, "write", 1);
	char *text;

	(void)state;
	series_table_begin(t);
	assert_int_equal(series_table_add(t, &r, "a\"b\\c\nd\xff"), 0);
	series_table_finish(t);
	text = expose(t, EXPOSITION_TEXT);
	assert_non_null(strstr(text, "comm=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\"}"));
	free(text);
	series_table_free(t);
}

/* room for 3 rows: a and b are admitted (each keeping room for the pair's
 * "other"), c goes to "other", and stays there when it comes first later */
static void test_series_are_admitted_first_come_for_good(void **state)
{
	struct series_table *t = series_table_new("comm", 3 * SERIES_PER_ROW);
	struct syscall_row a = row(MECH_PIPE, "write", 5), b = row(MECH_PIPE, "write", 7),
			   c = row(MECH_PIPE, "write", 11);
	char *text;

	(void)state;
	series_table_begin(t);
	assert_int_equal(series_table_add(t, &a, "a"), 0);
	assert_int_equal(series_table_add(t, &b, "b"), 0);
	assert_int_equal(series_table_add(t, &c, "c"), 0);
	series_table_finish(t);
	assert_int_equal(series_table_series(t), 3 * SERIES_PER_ROW);
	assert_int_equal(series_table_dropped(t), SERIES_PER_ROW);

	/* the next collection: c first, a lower (a kernel row gone), d new */
	struct syscall_row a2 = row(MECH_PIPE, "write", 1), c2 = row(MECH_PIPE, "write", 12),
			   d = row(MECH_PIPE, "write", 100);

	series_table_begin(t);
	assert_int_equal(series_table_add(t, &c2, "c"), 0);
	assert_int_equal(series_table_add(t, &d, "d"), 0);
	assert_int_equal(series_table_add(t, &a2, "a"), 0);
	assert_int_equal(series_table_add(t, &b, "b"), 0);
	series_table_finish(t);
	assert_int_equal(series_table_series(t), 3 * SERIES_PER_ROW);
	assert_int_equal(series_table_dropped(t), 2 * SERIES_PER_ROW);
	text = expose(t, EXPOSITION_TEXT);
	assert_non_null(strstr(text, "ipctrace_syscalls_total{mechanism=\"pipe\",syscall=\"write\","
				     "comm=\"a\"} 5\n")); /* never down */
	assert_non_null(strstr(text, "comm=\"b\"} 7\n"));
	assert_non_null(strstr(text, "ipctrace_syscalls_total{mechanism=\"pipe\",syscall=\"write\","
				     "comm=\"other\"} 112\n"));
	assert_null(strstr(text, "comm=\"c\""));
	assert_null(strstr(text, "comm=\"d\""));
	assert_non_null(strstr(text, "ipctrace_series_dropped_total 82\n"));
	free(text);
	series_table_free(t);
}

/* a budget too small for a pair's first row: it goes to "other" at once */
static void test_a_pair_without_room_goes_to_other(void **state)
{
	struct series_table *t = series_table_new("cgroup", 2 * SERIES_PER_ROW);
	struct syscall_row a = row(MECH_PIPE, "write", 1), b = row(MECH_FIFO, "read", 2);

	(void)state;
	series_table_begin(t);
	assert_int_equal(series_table_add(t, &a, "/a"), 0); /* a and its reserved other */
	assert_int_equal(series_table_add(t, &b, "/b"), 0); /* no room: fifo read's other */
	series_table_finish(t);
	assert_int_equal(series_table_dropped(t), SERIES_PER_ROW);
	assert_int_equal(series_table_series(t), 2 * SERIES_PER_ROW);
	series_table_free(t);
}

/* a group keeps the name it had when first seen */
static void test_group_labels_are_kept_from_first_sight(void **state)
{
	struct series_table *t = series_table_new("cgroup", 10000);

	(void)state;
	assert_string_equal(series_table_group_label(t, 7, "/a"), "/a");
	assert_string_equal(series_table_group_label(t, 8, "/b"), "/b");
	assert_string_equal(series_table_group_label(t, 7, "(removed cgroup, inode 7)"), "/a");
	series_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds_are_exact_decimals),
		cmocka_unit_test(test_buckets_are_the_kernel_slots),
		cmocka_unit_test(test_openmetrics_names_families_without_total),
		cmocka_unit_test(test_label_values_are_escaped_utf8),
		cmocka_unit_test(test_series_are_admitted_first_come_for_good),
		cmocka_unit_test(test_a_pair_without_room_goes_to_other),
		cmocka_unit_test(test_group_labels_are_kept_from_first_sight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
