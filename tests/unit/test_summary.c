// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the user-side logic: the summary, its JSON both ways, CSV,
 * the syscall table, output files.  No BPF needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "classify.h"
#include "mechanisms.h"
#include "formats.h"
#include "output.h"
#include "render.h"
#include "summary.h"
#include "summary_json.h"
#include "exitcodes.h"

static struct syscall_row row(int mech, const char *syscall, const char *op, __u64 count,
			      __u64 total_ns, __u64 max_ns)
{
	struct syscall_row r = { .mechanism = mech };

	snprintf(r.syscall, sizeof(r.syscall), "%s", syscall);
	snprintf(r.op, sizeof(r.op), "%s", op);
	r.stats.count = count;
	r.stats.total_ns = total_ns;
	r.stats.max_ns = max_ns;
	r.stats.bytes = count * 10;
	r.stats.hist[3] = count;
	return r;
}

static const struct syscall_row *find(const struct summary *s, int mech, const char *syscall,
				      const char *op)
{
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].mechanism == mech && !strcmp(s->syscalls[i].syscall, syscall) &&
		    !strcmp(s->syscalls[i].op, op))
			return &s->syscalls[i];
	return NULL;
}

/* A small but complete summary: every section has something in it. */
static void sample_summary(struct summary *s)
{
	char *argv[] = { "ipctrace-workload", "pipe-pi", "--n", "1,000 \"x\"" };
	struct syscall_row r;
	struct edge_row e = { .waker_pid = 11, .wakee_pid = 10, .mechanism = MECH_PIPE, .count = 7 };
	struct lock_row l = { .mechanism = MECH_FUTEX, .kind = LOCK_FUTEX, .waiters = 3,
			      .count = 9, .total_ns = 900, .max_ns = 400, .ncallers = 1 };
	struct process_row p = { .pid = 10, .ppid = 1 };

	summary_init(s);
	snprintf(s->tool_version, sizeof(s->tool_version), "0.1.0");
	snprintf(s->kernel, sizeof(s->kernel), "6.18.0");
	snprintf(s->arch, sizeof(s->arch), "x86_64");
	snprintf(s->mode, sizeof(s->mode), "run");
	s->ncpus = 2;
	s->exit_status = 0;
	s->duration_ns = 123456789;
	assert_int_equal(summary_set_command(s, "pipe-pi", argv, 4), 0);
	r = row(MECH_PIPE, "write", "", 10, 1000, 300);
	summary_add_syscall(s, &r);
	r = row(MECH_PIPE, "read", "", 10, 5000, 900);
	summary_add_syscall(s, &r);
	r = row(MECH_FUTEX, "futex", "WAIT", 4, 400, 200);
	summary_add_syscall(s, &r);
	r = row(MECH_FUTEX, "futex", "WAKE", 5, 50, 20);
	summary_add_syscall(s, &r);
	r = row(MECH_UNIX_SOCKET, "epoll_wait", "", 5, 500, 200);
	r.stats.woken_by[WOKEN_BY_IPC] = 4; /* and one that never slept */
	summary_add_syscall(s, &r);
	r = row(MECH_OTHER, "epoll_wait", "", 3, 300, 100);
	r.stats.woken_by[WOKEN_BY_TIMEOUT] = 2;
	r.stats.woken_by[WOKEN_BY_INTERRUPT] = 1;
	summary_add_syscall(s, &r);
	s->mechanisms[MECH_PIPE].wakeups = 7;
	s->mechanisms[MECH_PIPE].blocked_count = 3;
	s->mechanisms[MECH_PIPE].blocked_ns = 3000;
	s->mechanisms[MECH_PIPE].blocked_hist[12] = 3;
	s->mechanisms[MECH_OTHER].wakeups = 2;
	s->signals[10].generated = 5;
	s->signals[10].delivered = 5;
	s->drops.edges_full = 1;
	snprintf(e.waker_comm, sizeof(e.waker_comm), "child");
	snprintf(e.wakee_comm, sizeof(e.wakee_comm), "parent");
	summary_add_edge(s, &e);
	e = (struct edge_row){ .waker_pid = 12, .waker_untraced = true, .wakee_pid = 10,
			       .mechanism = MECH_UNIX_SOCKET, .count = 4 };
	snprintf(e.waker_comm, sizeof(e.waker_comm), "client");
	snprintf(e.wakee_comm, sizeof(e.wakee_comm), "parent");
	summary_add_edge(s, &e);
	snprintf(l.key, sizeof(l.key), "shared inode 0x1+0x40");
	snprintf(l.callers[0], CALLER_LEN, "pthread_mutex_lock+0x10 (libc.so.6)");
	summary_add_lock(s, &l);
	snprintf(p.comm, sizeof(p.comm), "pipe-pi");
	summary_add_process(s, &p);
	summary_add_unavailable(s, "wakeups", "tracepoint sched_waking treated as missing");
	summary_finish(s);
}

static void test_operation_rows_add_into_their_syscall_total(void **state)
{
	struct summary s;
	const struct syscall_row *total;

	(void)state;
	sample_summary(&s);
	total = find(&s, MECH_FUTEX, "futex", "");
	assert_non_null(total);
	assert_int_equal(total->stats.count, 9);
	assert_int_equal(total->stats.total_ns, 450);
	assert_int_equal(total->stats.max_ns, 200);
	assert_int_equal(total->stats.hist[3], 9);
	assert_non_null(find(&s, MECH_FUTEX, "futex", "WAIT"));
	summary_free(&s);
}

static void test_same_key_rows_merge(void **state)
{
	struct summary s;
	struct syscall_row r = row(MECH_FILE, "read", "", 2, 20, 15);

	(void)state;
	summary_init(&s);
	summary_add_syscall(&s, &r);
	r = row(MECH_FILE, "read", "", 3, 30, 12);
	summary_add_syscall(&s, &r);
	assert_int_equal(s.nsyscalls, 1);
	assert_int_equal(s.syscalls[0].stats.count, 5);
	assert_int_equal(s.syscalls[0].stats.max_ns, 15);
	summary_free(&s);
}

static void test_rows_sorted_by_mechanism_then_name(void **state)
{
	struct summary s;

	(void)state;
	sample_summary(&s);
	assert_int_equal(s.syscalls[0].mechanism, MECH_PIPE);
	assert_string_equal(s.syscalls[0].syscall, "read");
	assert_string_equal(s.syscalls[1].syscall, "write");
	assert_string_equal(s.syscalls[2].op, "");
	assert_string_equal(s.syscalls[3].op, "WAIT");
	summary_free(&s);
}

static char *render_to_string(const struct summary *s, const char *format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(format_by_name(format)->render(f, s, true), 0);
	fclose(f);
	return text;
}

static void test_json_round_trip_renders_identically(void **state)
{
	char path[] = "/tmp/ipctrace-unit.XXXXXX", err[256];
	struct summary s, back;
	char *text, *text_back, *json, *json_back;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	sample_summary(&s);
	assert_int_equal(render_json(f, &s, false), 0);
	fclose(f);
	assert_int_equal(summary_read_json(path, &back, err, sizeof(err)), 0);
	text = render_to_string(&s, "text");
	text_back = render_to_string(&back, "text");
	assert_string_equal(text, text_back);
	json = render_to_string(&s, "json");
	json_back = render_to_string(&back, "json");
	assert_string_equal(json, json_back);
	assert_int_equal(back.drops.edges_full, 1);
	assert_string_equal(back.command[3], "1,000 \"x\"");
	free(text);
	free(text_back);
	free(json);
	free(json_back);
	unlink(path);
	summary_free(&s);
	summary_free(&back);
}

/* A multiplexed wait's woken_by counts and an untraced waker survive the
 * JSON, and the text says them in one line each. */
static void test_woken_by_and_untraced_wakers_are_kept(void **state)
{
	char path[] = "/tmp/ipctrace-unit.XXXXXX", err[256];
	struct summary s, back;
	const struct syscall_row *r;
	char *text;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	sample_summary(&s);
	assert_int_equal(render_json(f, &s, false), 0);
	fclose(f);
	assert_int_equal(summary_read_json(path, &back, err, sizeof(err)), 0);
	r = find(&back, MECH_OTHER, "epoll_wait", "");
	assert_non_null(r);
	assert_int_equal(r->stats.woken_by[WOKEN_BY_TIMEOUT], 2);
	assert_int_equal(r->stats.woken_by[WOKEN_BY_INTERRUPT], 1);
	assert_int_equal(r->stats.woken_by[WOKEN_BY_IPC], 0);
	r = find(&back, MECH_PIPE, "read", "");
	assert_int_equal(r->stats.woken_by[WOKEN_BY_IPC], 0);
	assert_true(back.edges[1].waker_untraced);
	assert_false(back.edges[0].waker_untraced);
	text = render_to_string(&back, "text");
	assert_non_null(strstr(text, "  epoll_wait                 5"));
	assert_non_null(strstr(text, "\n    woken by: ipc 4\n"));
	assert_non_null(strstr(text, "\nother\n  epoll_wait"));
	assert_non_null(strstr(text, "\n    woken by: timeout 2, interrupt 1\n"));
	assert_non_null(strstr(text, "12 client (untraced)"));
	free(text);
	unlink(path);
	summary_free(&s);
	summary_free(&back);
}

/* The tracer's own lock waits and inferred switch-ins are said apart from
 * losses, each under its heading, and kept in JSON. */
static void test_drop_notes_are_not_losses(void **state)
{
	char path[] = "/tmp/ipctrace-unit.XXXXXX", err[256];
	struct summary s, back;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char *text;

	(void)state;
	sample_summary(&s);
	s.drops.edges_full = 0;
	s.drops.own_lock_waits = 3;
	s.drops.switch_ins_unseen = 5;
	text = render_to_string(&s, "text");
	assert_non_null(strstr(text, "not counted: 3 kernel lock waits inside ipctrace's own"));
	assert_non_null(strstr(text, "inferred: 5 sleeps whose switch-in the kernel did not report"));
	assert_non_null(strstr(text, "lost: none"));
	free(text);
	assert_int_equal(render_json(f, &s, false), 0);
	fclose(f);
	assert_int_equal(summary_read_json(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.drops.own_lock_waits, 3);
	assert_int_equal(back.drops.switch_ins_unseen, 5);
	unlink(path);
	summary_free(&s);
	summary_free(&back);
}

static int read_file_expecting_error(const char *content, char *err, size_t errlen)
{
	char path[] = "/tmp/ipctrace-unit.XXXXXX";
	int fd = mkstemp(path), rc;
	struct summary s;

	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	rc = summary_read_json(path, &s, err, errlen);
	unlink(path);
	if (!rc)
		summary_free(&s);
	return rc;
}

static void test_bad_files_give_one_clear_reason(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(read_file_expecting_error("not json at all", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a valid JSON summary"));
	assert_int_equal(read_file_expecting_error("{\"schema\": \"ipctrace.summary/2\"}", err,
						   sizeof(err)), -1);
	assert_non_null(strstr(err, "schema 'ipctrace.summary/2' is not supported"));
	assert_int_equal(read_file_expecting_error("{\"a\": 1}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no \"schema\" field"));
	assert_int_equal(read_file_expecting_error("{\"schema\": \"ipctrace.summary/1\", \"tool\"",
						   err, sizeof(err)), -1);
	assert_int_equal(read_file_expecting_error("{\"schema\": \"ipctrace.summary/1\"}", err,
						   sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid summary"));
	assert_null(strchr(err, '\n'));
}

static void test_csv_quotes_and_has_the_documented_columns(void **state)
{
	struct summary s;
	struct syscall_row r = row(MECH_FILE, "we,ird\"name", "", 1, 10, 10);
	char *csv;

	(void)state;
	summary_init(&s);
	summary_add_syscall(&s, &r);
	csv = render_to_string(&s, "csv");
	assert_true(!strncmp(csv, "mechanism,syscall,op,count,errors,bytes,total_ns,avg_ns,max_ns,"
				  "blocked_count,blocked_ns,contention_count,contention_ns\r\n", 113));
	assert_non_null(strstr(csv, "file,\"we,ird\"\"name\",,1,0,10,10,10,10,0,0,0,0\r\n"));
	free(csv);
	summary_free(&s);
}

static void test_syscall_table_names_and_rules(void **state)
{
	struct syscall_rule rules[MAX_SYSCALL_NR];

	(void)state;
	fill_syscall_rules(rules);
	assert_string_equal(syscall_name(SYS_pipe2), "pipe2");
	assert_int_equal(syscall_from_name("semtimedop"), SYS_semtimedop);
	assert_int_equal(rules[SYS_read].kind, SK_FD);
	assert_int_equal(rules[SYS_read].bytes, BYTES_RESULT);
	assert_int_equal(rules[SYS_mq_timedsend].bytes, BYTES_ARG2);
	assert_int_equal(rules[SYS_pipe2].mechanism, MECH_PIPE);
	assert_int_equal(rules[SYS_getpid].kind, SK_UNTRACED);
	assert_null(syscall_name(SYS_getpid));
	for (size_t i = 0; i < traced_syscall_count; i++) {
		assert_true(traced_syscalls[i].nr < MAX_SYSCALL_NR);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(traced_syscalls[i].nr, traced_syscalls[j].nr);
	}
	for (int m = 0; m < MECH__COUNT; m++)
		assert_int_equal(mechanism_from_name(mechanism_name(m)), m);
	assert_string_equal(futex_op_name(0), "WAIT");
	assert_int_equal(futex_op_from_name("LOCK_PI"), 6);
	assert_null(futex_op_name(FUTEX_OP_NONE));
	assert_string_equal(signal_name(10), "SIGUSR1");
}

static void test_output_file_replaces_symlink_and_leaves_nothing_on_error(void **state)
{
	char dir[] = "/tmp/ipctrace-unit-dir.XXXXXX", link[256], target[256], missing[256];
	struct summary s;
	struct stat st;

	(void)state;
	sample_summary(&s);
	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/out.json", dir);
	snprintf(target, sizeof(target), "%s/victim", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(write_output_file(link, &s, format_by_name("json"), false), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), -1); /* the link was not followed */
	snprintf(missing, sizeof(missing), "%s/no/such/dir/out.json", dir);
	assert_int_equal(write_output_file(missing, &s, format_by_name("json"), false), EXIT_CANTCREAT);
	unlink(link);
	assert_int_equal(rmdir(dir), 0); /* nothing else was left */
	summary_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operation_rows_add_into_their_syscall_total),
		cmocka_unit_test(test_same_key_rows_merge),
		cmocka_unit_test(test_rows_sorted_by_mechanism_then_name),
		cmocka_unit_test(test_json_round_trip_renders_identically),
		cmocka_unit_test(test_woken_by_and_untraced_wakers_are_kept),
		cmocka_unit_test(test_drop_notes_are_not_losses),
		cmocka_unit_test(test_bad_files_give_one_clear_reason),
		cmocka_unit_test(test_csv_quotes_and_has_the_documented_columns),
		cmocka_unit_test(test_syscall_table_names_and_rules),
		cmocka_unit_test(test_output_file_replaces_symlink_and_leaves_nothing_on_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
