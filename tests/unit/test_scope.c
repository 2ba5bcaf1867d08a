// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the scopes' user side (attach --cgroup PATH resolution) and
 * of the --by breakdown in the summary: no BPF needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exitcodes.h"
#include "render.h"
#include "scope.h"
#include "summary.h"
#include "summary_json.h"
#include "tracer.h"

static struct syscall_row row_of(int mech, const char *syscall, const char *op, __u64 count,
				 __u64 bytes, __u64 blocked_ns)
{
	struct syscall_row row = { .mechanism = mech };

	snprintf(row.syscall, sizeof(row.syscall), "%s", syscall);
	snprintf(row.op, sizeof(row.op), "%s", op);
	row.stats.count = count;
	row.stats.bytes = bytes;
	row.stats.blocked_count = blocked_ns ? 1 : 0;
	row.stats.blocked_ns = blocked_ns;
	return row;
}

/* Two processes' rows: the whole is their sum, each group its own, the
 * blocked time of a group per mechanism from its rows, groups by calls. */
static void test_groups_add_up_to_the_whole(void **state)
{
	struct summary s;
	struct group_row *a, *b;
	struct syscall_row rows[] = {
		row_of(MECH_PIPE, "read", "", 3, 30, 1000),
		row_of(MECH_PIPE, "write", "", 3, 30, 0),
		row_of(MECH_FUTEX, "futex", "WAIT", 2, 0, 500),
	};

	(void)state;
	summary_init(&s);
	a = summary_group(&s, "process", 100, "100");
	assert_non_null(a);
	assert_int_equal(summary_add_group_syscall(&s, a, &rows[0]), 0);
	b = summary_group(&s, "process", 200, "200");
	assert_non_null(b);
	a = summary_group(&s, "process", 100, "100"); /* found again, not made twice */
	assert_int_equal(s.ngroups, 2);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(summary_add_group_syscall(&s, &s.groups[1], &rows[i]), 0);
	summary_finish(&s);

	assert_string_equal(s.groups[0].key, "200"); /* 8 calls before 3 */
	assert_int_equal(group_calls(&s.groups[0]), 8);
	assert_int_equal(group_calls(&s.groups[1]), 3);
	/* the whole: read 3 + 3, write 3, futex 2 (its WAIT row and its total) */
	for (size_t i = 0; i < s.nsyscalls; i++)
		if (!strcmp(s.syscalls[i].syscall, "read"))
			assert_int_equal(s.syscalls[i].stats.count, 6);
	assert_int_equal(s.groups[0].detail->mechanisms[MECH_PIPE].blocked_ns, 1000);
	assert_int_equal(s.groups[0].detail->mechanisms[MECH_FUTEX].blocked_ns, 500);
	assert_int_equal(s.groups[1].detail->mechanisms[MECH_FUTEX].blocked_ns, 0);
	summary_free(&s);
}

/* The JSON summary keeps the groups (optional field) and reads them back. */
static void test_groups_round_trip_through_json(void **state)
{
	struct summary s, back;
	struct syscall_row row = row_of(MECH_PIPE, "read", "", 5, 50, 0);
	struct group_row *g;
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *f;

	(void)state;
	summary_init(&s);
	snprintf(s.mode, sizeof(s.mode), "attach");
	summary_set_command(&s, NULL, NULL, 0);
	g = summary_group(&s, "cgroup", 7, "/a/b");
	g->cgroup_id = 4294967303ULL;
	summary_add_group_syscall(&s, g, &row);
	summary_finish(&s);
	f = open_memstream(&text, &len);
	assert_int_equal(render_json(f, &s, false), 0);
	fclose(f);
	assert_int_equal(summary_read_json_buffer(text, len, "memory", &back, err, sizeof(err)), 0);
	assert_int_equal(back.ngroups, 1);
	assert_string_equal(back.groups[0].by, "cgroup");
	assert_string_equal(back.groups[0].key, "/a/b");
	assert_int_equal(back.groups[0].cgroup_id, 4294967303ULL);
	assert_int_equal(group_calls(&back.groups[0]), 5);
	free(text);
	summary_free(&s);
	summary_free(&back);
}

/* --cgroup PATH: the v2 root by its mount path or as "/", a missing group,
 * a file that is not a cgroup: exit 66 for the bad ones, nothing added. */
static void test_cgroup_paths(void **state)
{
	static struct scope scope;
	char mount[PATH_MAX], file[PATH_MAX + 16];

	(void)state;
	if (scope_find_v2_mount(mount, sizeof(mount))) {
		skip(); /* no cgroup v2 hierarchy on this machine */
		return;
	}
	memset(&scope, 0, sizeof(scope));
	assert_int_equal(scope_add_cgroup(&scope, mount), 0);
	assert_int_equal(scope_add_cgroup(&scope, "/"), 0);
	assert_int_equal(scope.ncgroups, 2);
	assert_int_equal(scope.kind, SCOPE_CGROUPS);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(scope.cgroups[i].key, "/");
		assert_int_equal(scope.cgroups[i].level, 0);
		assert_int_equal(scope.cgroups[i].id, 1); /* the root's kernfs id */
	}
	assert_int_equal(scope_add_cgroup(&scope, "ipctrace-unit-no-such-group"), EXIT_NOINPUT);
	snprintf(file, sizeof(file), "%s/cgroup.procs", mount);
	assert_int_equal(scope_add_cgroup(&scope, file), EXIT_NOINPUT);
	assert_int_equal(scope_add_cgroup(&scope, "/etc"), EXIT_NOINPUT);
	assert_int_equal(scope.ncgroups, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_add_up_to_the_whole),
		cmocka_unit_test(test_groups_round_trip_through_json),
		cmocka_unit_test(test_cgroup_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
