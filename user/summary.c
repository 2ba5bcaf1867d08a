// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The in-memory summary: storage, ordering, interval subtraction, and the
 * drop counters' table.  Derived figures are figures.c's. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"
#include "summary.h"

/* the drop counters' two tables, from their list in bpf/ipctrace.h */
#define LOSS_ROW(field, label_) \
	{ .name = #field, .label = (label_), .offset = offsetof(struct drop_counters, field) },
#define NOTE_ROW(field, label_, heading_) \
	{ .name = #field, .label = (label_), .offset = offsetof(struct drop_counters, field), \
	  .heading = (heading_) },
#define NO_LOSS(field, label_)
#define NO_NOTE(field, label_, heading_)

const struct drop_field drop_fields[] = { DROP_COUNTERS(LOSS_ROW, NO_NOTE) };
const size_t drop_field_count = sizeof(drop_fields) / sizeof(drop_fields[0]);

const struct drop_field drop_notes[] = { DROP_COUNTERS(NO_LOSS, NOTE_ROW) };
const size_t drop_note_count = sizeof(drop_notes) / sizeof(drop_notes[0]);

__u64 drop_value(const struct drop_counters *d, const struct drop_field *f)
{
	return *(const __u64 *)((const char *)d + f->offset);
}

__u64 *drop_slot(struct drop_counters *d, const struct drop_field *f)
{
	return (__u64 *)((char *)d + f->offset);
}

void summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->exit_status = -1;
}

void summary_free(struct summary *s)
{
	free(s->workload);
	for (size_t i = 0; i < s->ncommand; i++)
		free(s->command[i]);
	free(s->command);
	free(s->syscalls);
	free(s->edges);
	free(s->locks);
	free(s->processes);
	free(s->unavailable);
	free(s->intervals);
	for (size_t i = 0; i < s->ngroups; i++) {
		if (s->groups[i].detail)
			summary_free(s->groups[i].detail);
		free(s->groups[i].detail);
	}
	free(s->groups);
	summary_init(s);
}

int array_append(void **array, size_t *count, size_t size, const void *element)
{
	size_t n = *count;

	if ((n & (n - 1)) == 0) { /* n is 0 or a power of two: grow */
		void *grown = realloc(*array, (n ? 2 * n : 8) * size);

		if (!grown)
			return -1;
		*array = grown;
	}
	memcpy((char *)*array + n * size, element, size);
	*count = n + 1;
	return 0;
}

/* the row of (mechanism, syscall, op); like strchr, not const itself */
static struct syscall_row *find_syscall_row(const struct summary *s, int mechanism,
					    const char *syscall, const char *op)
{
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].mechanism == mechanism && !strcmp(s->syscalls[i].op, op) &&
		    !strcmp(s->syscalls[i].syscall, syscall))
			return &s->syscalls[i];
	return NULL;
}

/* Rows with the same key are merged; an operation row (futex WAIT) also
 * adds into its syscall's total row, so the total is never stored twice. */
int summary_add_syscall(struct summary *s, const struct syscall_row *row)
{
	struct syscall_row *existing = find_syscall_row(s, row->mechanism, row->syscall, row->op);

	if (existing)
		syscall_stats_add(&existing->stats, &row->stats);
	else if (array_append((void **)&s->syscalls, &s->nsyscalls, sizeof(*row), row))
		return -1;
	if (row->op[0]) {
		struct syscall_row total = *row;

		total.op[0] = '\0';
		return summary_add_syscall(s, &total);
	}
	return 0;
}

int summary_add_edge(struct summary *s, const struct edge_row *row)
{
	return array_append((void **)&s->edges, &s->nedges, sizeof(*row), row);
}

int summary_add_lock(struct summary *s, const struct lock_row *row)
{
	return array_append((void **)&s->locks, &s->nlocks, sizeof(*row), row);
}

int summary_add_process(struct summary *s, const struct process_row *row)
{
	return array_append((void **)&s->processes, &s->nprocesses, sizeof(*row), row);
}

int summary_add_unavailable(struct summary *s, const char *feature, const char *reason)
{
	struct unavailable_row row = {};

	snprintf(row.feature, sizeof(row.feature), "%s", feature);
	snprintf(row.reason, sizeof(row.reason), "%s", reason);
	return array_append((void **)&s->unavailable, &s->nunavailable, sizeof(row), &row);
}

struct group_row *summary_group(struct summary *s, const char *by, __u32 id, const char *key)
{
	struct group_row g = { .id = id };

	for (size_t i = 0; i < s->ngroups; i++)
		if (s->groups[i].id == id && !strcmp(s->groups[i].by, by))
			return &s->groups[i];
	g.detail = malloc(sizeof(*g.detail));
	if (!g.detail)
		return NULL;
	summary_init(g.detail);
	snprintf(g.by, sizeof(g.by), "%s", by);
	snprintf(g.key, sizeof(g.key), "%s", key);
	if (array_append((void **)&s->groups, &s->ngroups, sizeof(g), &g)) {
		free(g.detail);
		return NULL;
	}
	return &s->groups[s->ngroups - 1];
}

int summary_add_group_syscall(struct summary *s, struct group_row *g, const struct syscall_row *row)
{
	struct mechanism_stats *m = &g->detail->mechanisms[row->mechanism];

	/* a kernel row is a syscall's or one operation's, never both */
	m->blocked_count += row->stats.blocked_count;
	m->blocked_ns += row->stats.blocked_ns;
	m->contention_count += row->stats.contention_count;
	m->contention_ns += row->stats.contention_ns;
	if (summary_add_syscall(g->detail, row))
		return -1;
	return s ? summary_add_syscall(s, row) : 0;
}

__u64 group_calls(const struct group_row *g)
{
	__u64 calls = 0;

	for (size_t i = 0; i < g->detail->nsyscalls; i++)
		if (!g->detail->syscalls[i].op[0])
			calls += g->detail->syscalls[i].stats.count;
	return calls;
}

void group_label(const struct summary *s, const struct group_row *g, char *buf, size_t len)
{
	if (!strcmp(g->by, "process") && g->comm[0]) {
		snprintf(buf, len, "%s %s", g->key, g->comm);
		return;
	}
	if (!strcmp(g->by, "process"))
		for (size_t i = 0; i < s->nprocesses; i++) {
			char pid[16];

			snprintf(pid, sizeof(pid), "%u", s->processes[i].pid);
			if (!strcmp(pid, g->key)) {
				snprintf(buf, len, "%s %s", g->key, s->processes[i].comm);
				return;
			}
		}
	snprintf(buf, len, "%s", g->key);
}

int summary_add_interval(struct summary *s, __u64 start_ns, __u64 end_ns)
{
	struct interval_row row = { .start_ns = start_ns, .end_ns = end_ns };

	return array_append((void **)&s->intervals, &s->nintervals, sizeof(row), &row);
}

void summary_subtract(struct summary *later, const struct summary *earlier)
{
	size_t kept = 0;

	for (size_t i = 0; i < later->nsyscalls; i++) {
		struct syscall_row *row = &later->syscalls[i];
		const struct syscall_row *old =
			find_syscall_row(earlier, row->mechanism, row->syscall, row->op);

		if (old)
			stats_subtract(&syscall_stats_layout, &row->stats, &old->stats);
		if (row->stats.count)
			later->syscalls[kept++] = *row;
	}
	later->nsyscalls = kept;
	for (int m = 0; m < MECH__COUNT; m++)
		stats_subtract(&mechanism_stats_layout, &later->mechanisms[m], &earlier->mechanisms[m]);
	for (int sig = 0; sig < SIGNALS_MAX; sig++)
		stats_subtract(&signal_stats_layout, &later->signals[sig], &earlier->signals[sig]);
	/* edges and locks of an interval are not worth their bulk: whole run */
	later->nedges = 0;
	later->nlocks = 0;
}

int summary_set_command(struct summary *s, const char *workload, char *const argv[], size_t argc)
{
	s->workload = workload ? strdup(workload) : NULL;
	s->command = calloc(argc ? argc : 1, sizeof(char *));
	if (!s->command || (workload && !s->workload))
		return -1;
	for (size_t i = 0; i < argc; i++) {
		s->command[i] = strdup(argv[i]);
		if (!s->command[i])
			return -1;
		s->ncommand = i + 1;
	}
	return 0;
}

static int compare_syscall_rows(const void *a, const void *b)
{
	const struct syscall_row *x = a, *y = b;
	int c;

	if (x->mechanism != y->mechanism)
		return x->mechanism - y->mechanism;
	c = strcmp(x->syscall, y->syscall);
	return c ? c : strcmp(x->op, y->op);
}

static int compare_edges(const void *a, const void *b)
{
	const struct edge_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->waker_pid != y->waker_pid)
		return x->waker_pid < y->waker_pid ? -1 : 1;
	if (x->wakee_pid != y->wakee_pid)
		return x->wakee_pid < y->wakee_pid ? -1 : 1;
	return x->mechanism - y->mechanism;
}

static int compare_locks(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int compare_processes(const void *a, const void *b)
{
	const struct process_row *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int compare_groups(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;
	__u64 cx = group_calls(x), cy = group_calls(y);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->key, y->key);
}

void summary_finish(struct summary *s)
{
	for (size_t i = 0; i < s->ngroups; i++)
		summary_finish(s->groups[i].detail);
	if (s->ngroups)
		qsort(s->groups, s->ngroups, sizeof(*s->groups), compare_groups);
	if (s->nsyscalls)
		qsort(s->syscalls, s->nsyscalls, sizeof(*s->syscalls), compare_syscall_rows);
	if (s->nedges)
		qsort(s->edges, s->nedges, sizeof(*s->edges), compare_edges);
	if (s->nlocks)
		qsort(s->locks, s->nlocks, sizeof(*s->locks), compare_locks);
	if (s->nprocesses)
		qsort(s->processes, s->nprocesses, sizeof(*s->processes), compare_processes);
}
