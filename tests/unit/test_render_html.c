// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the HTML report and the wake-up graph it draws: user data
 * comes out escaped, the page is self-contained, and the graph keeps every
 * wake-up when it merges the quietest processes.  No BPF needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "figures.h"
#include "render.h"

#define HOSTILE "<script>alert(\"x\")</script>"
#define HOSTILE_ESCAPED "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"

static char *render_to_string(const struct summary *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(render_html(out, s, false), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static size_t occurrences(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A run whose every user-controlled string is an attempt at markup. */
static void hostile_summary(struct summary *s)
{
	char *argv[] = { "./app", HOSTILE, "--name='a&b'" };
	struct syscall_row row = { .mechanism = MECH_PIPE, .syscall = "read" };
	struct edge_row edge = { .waker_pid = 10, .waker_comm = "<b>x</b>", .wakee_pid = 11,
				 .wakee_comm = "<script>", .mechanism = MECH_PIPE, .count = 3 };
	struct lock_row lock = { .mechanism = MECH_FUTEX, .kind = LOCK_FUTEX, .key = "<i>key</i>",
				 .waiters = 2, .count = 4, .total_ns = 4000, .max_ns = 2000,
				 .ncallers = 1, .callers = { HOSTILE } };
	struct process_row process = { .pid = 10, .ppid = 1, .comm = "<script>" };

	summary_init(s);
	snprintf(s->mode, sizeof(s->mode), "run");
	snprintf(s->kernel, sizeof(s->kernel), "6.1.0 <kernel>");
	assert_int_equal(summary_set_command(s, NULL, argv, 3), 0);
	s->exit_status = 0;
	s->duration_ns = 1000000;
	row.stats.count = 5;
	row.stats.bytes = 50;
	row.stats.total_ns = 5000;
	row.stats.hist[10] = 5;
	summary_add_syscall(s, &row);
	s->mechanisms[MECH_PIPE].wakeups = 3;
	s->mechanisms[MECH_PIPE].wakeup_hist[12] = 3;
	summary_add_edge(s, &edge);
	summary_add_lock(s, &lock);
	summary_add_process(s, &process);
	summary_add_unavailable(s, "lock contention", "no <tracepoint> here");
	summary_finish(s);
}

static void test_user_data_is_escaped(void **state)
{
	struct summary s;
	char *page;

	(void)state;
	hostile_summary(&s);
	page = render_to_string(&s);
	/* the only tags are ipctrace's own */
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<b>"));
	assert_null(strstr(page, "<i>"));
	assert_null(strstr(page, "<kernel>"));
	assert_null(strstr(page, "<tracepoint>"));
	/* and the text is all there, escaped: <title>, <h1>, command line, lock caller */
	assert_int_equal(occurrences(page, HOSTILE_ESCAPED), 4);
	assert_non_null(strstr(page, "--name=&#39;a&amp;b&#39;"));
	assert_non_null(strstr(page, "10 &lt;b&gt;x&lt;/b&gt;"));
	assert_non_null(strstr(page, "11 &lt;script&gt;"));
	assert_non_null(strstr(page, "&lt;i&gt;key&lt;/i&gt;"));
	free(page);
	summary_free(&s);
}

static void test_control_characters_do_not_reach_the_page(void **state)
{
	struct summary s;
	char *page;

	(void)state;
	hostile_summary(&s);
	snprintf(s.edges[0].waker_comm, COMM_LEN, "a\x1b[31mb\x7f");
	page = render_to_string(&s);
	assert_null(strchr(page, '\x1b'));
	assert_null(strchr(page, '\x7f'));
	assert_non_null(strstr(page, "a&#xFFFD;[31mb&#xFFFD;"));
	free(page);
	summary_free(&s);
}

static void test_page_is_self_contained(void **state)
{
	struct summary s;
	char *page;

	(void)state;
	hostile_summary(&s);
	page = render_to_string(&s);
	assert_int_equal(strncmp(page, "<!DOCTYPE html>", 15), 0);
	assert_null(strstr(page, "http://"));
	assert_null(strstr(page, "https://"));
	assert_null(strstr(page, "src="));
	assert_true(occurrences(page, "<svg") >= 3); /* bars, histograms, the graph */
	assert_int_equal(occurrences(page, "<svg"), occurrences(page, "</svg>"));
	assert_int_equal(occurrences(page, "<table"), occurrences(page, "</table>"));
	assert_non_null(strstr(page, "</html>\n"));
	free(page);
	summary_free(&s);
}

static void test_graph_merges_the_quietest_processes_and_keeps_every_wakeup(void **state)
{
	struct summary s;
	struct wakeup_graph g;
	__u64 edges_total = 0, links_total = 0;

	(void)state;
	summary_init(&s);
	/* 40 workers wake their parent (pid 1) 100..139 times; the parent wakes each once */
	for (int i = 0; i < 40; i++) {
		struct edge_row up = { .waker_pid = 100 + i, .wakee_pid = 1, .mechanism = MECH_PIPE,
				       .count = 100 + i };
		struct edge_row down = { .waker_pid = 1, .wakee_pid = 100 + i,
					 .mechanism = MECH_FUTEX, .count = 1 };

		summary_add_edge(&s, &up);
		summary_add_edge(&s, &down);
		edges_total += up.count + down.count;
	}
	summary_finish(&s);
	assert_int_equal(summary_wakeup_graph(&s, 30, &g), 0);
	assert_int_equal(g.nnodes, 30);
	assert_int_equal(g.nodes[0].pid, 1);               /* the busiest */
	assert_int_equal(g.nodes[1].pid, 139);
	assert_int_equal(g.nodes[28].pid, 139 - 27);
	assert_int_equal(g.nodes[29].merged, 40 - 28);     /* workers 100..111 */
	assert_int_equal(g.nodes[29].wakeups, (100 + 111) * 12 / 2 + 12);
	for (size_t i = 0; i < g.nlinks; i++) {
		links_total += g.links[i].count;
		if (i)
			assert_true(g.links[i - 1].count >= g.links[i].count);
	}
	assert_int_equal(links_total, edges_total);
	/* 28 workers' two links each, and the others node's two merged links */
	assert_int_equal(g.nlinks, 2 * 28 + 2);
	wakeup_graph_free(&g);
	summary_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_data_is_escaped),
		cmocka_unit_test(test_control_characters_do_not_reach_the_page),
		cmocka_unit_test(test_page_is_self_contained),
		cmocka_unit_test(test_graph_merges_the_quietest_processes_and_keeps_every_wakeup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
