// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The in-memory summary: storage, ordering, and the only derived numbers. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"
#include "summary.h"

#define DROP(field, label_, heading_) \
	{ .name = #field, .label = (label_), .offset = offsetof(struct drop_counters, field), \
	  .heading = (heading_) }

const struct drop_field drop_fields[] = {
	DROP(traced_tasks_full, "tasks not followed", NULL),
	DROP(processes_full, "processes unnamed", NULL),
	DROP(syscall_stats_full, "syscall rows", NULL),
	DROP(edges_full, "wake-up edges", NULL),
	DROP(lock_waits_full, "lock waits", NULL),
	DROP(stacks_lost, "stacks", NULL),
	DROP(events_lost, "events", NULL),
	DROP(recursion_misses, "hook runs skipped by the kernel", NULL),
};
const size_t drop_field_count = sizeof(drop_fields) / sizeof(drop_fields[0]);

const struct drop_field drop_notes[] = {
	DROP(own_lock_waits, "kernel lock waits inside ipctrace's own map updates (the tracer's cost)",
	     "not counted"),
	DROP(switch_ins_unseen,
	     "sleeps whose switch-in the kernel did not report, ended at the task's next event",
	     "inferred"),
};
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

/* append one element to a growable array; the array doubles in size */
static int append(void **array, size_t *count, size_t size, const void *element)
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
		stats_add(&existing->stats, &row->stats);
	else if (append((void **)&s->syscalls, &s->nsyscalls, sizeof(*row), row))
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
	return append((void **)&s->edges, &s->nedges, sizeof(*row), row);
}

int summary_add_lock(struct summary *s, const struct lock_row *row)
{
	return append((void **)&s->locks, &s->nlocks, sizeof(*row), row);
}

int summary_add_process(struct summary *s, const struct process_row *row)
{
	return append((void **)&s->processes, &s->nprocesses, sizeof(*row), row);
}

int summary_add_unavailable(struct summary *s, const char *feature, const char *reason)
{
	struct unavailable_row row = {};

	snprintf(row.feature, sizeof(row.feature), "%s", feature);
	snprintf(row.reason, sizeof(row.reason), "%s", reason);
	return append((void **)&s->unavailable, &s->nunavailable, sizeof(row), &row);
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
	if (append((void **)&s->groups, &s->ngroups, sizeof(g), &g)) {
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

	return append((void **)&s->intervals, &s->nintervals, sizeof(row), &row);
}

static void subtract_stats(struct syscall_stats *later, const struct syscall_stats *earlier)
{
	later->count -= earlier->count;
	later->errors -= earlier->errors;
	later->bytes -= earlier->bytes;
	later->total_ns -= earlier->total_ns;
	later->blocked_count -= earlier->blocked_count;
	later->blocked_ns -= earlier->blocked_ns;
	later->contention_count -= earlier->contention_count;
	later->contention_ns -= earlier->contention_ns;
	for (int i = 0; i < HIST_SLOTS; i++)
		later->hist[i] -= earlier->hist[i];
}

void summary_subtract(struct summary *later, const struct summary *earlier)
{
	size_t kept = 0;

	for (size_t i = 0; i < later->nsyscalls; i++) {
		struct syscall_row *row = &later->syscalls[i];
		const struct syscall_row *old =
			find_syscall_row(earlier, row->mechanism, row->syscall, row->op);

		if (old)
			subtract_stats(&row->stats, &old->stats);
		if (row->stats.count)
			later->syscalls[kept++] = *row;
	}
	later->nsyscalls = kept;
	for (int m = 0; m < MECH__COUNT; m++) {
		struct mechanism_stats *l = &later->mechanisms[m];
		const struct mechanism_stats *e = &earlier->mechanisms[m];

		l->wakeups -= e->wakeups;
		l->wakeup_latency_ns -= e->wakeup_latency_ns;
		l->blocked_count -= e->blocked_count;
		l->blocked_ns -= e->blocked_ns;
		l->contention_count -= e->contention_count;
		l->contention_ns -= e->contention_ns;
		l->page_faults -= e->page_faults;
		for (int i = 0; i < HIST_SLOTS; i++) {
			l->wakeup_hist[i] -= e->wakeup_hist[i];
			l->blocked_hist[i] -= e->blocked_hist[i];
		}
	}
	for (int sig = 0; sig < SIGNALS_MAX; sig++) {
		later->signals[sig].generated -= earlier->signals[sig].generated;
		later->signals[sig].delivered -= earlier->signals[sig].delivered;
		later->signals[sig].ignored -= earlier->signals[sig].ignored;
		later->signals[sig].latency_ns -= earlier->signals[sig].latency_ns;
	}
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

void stats_add(struct syscall_stats *into, const struct syscall_stats *from)
{
	into->count += from->count;
	into->errors += from->errors;
	into->bytes += from->bytes;
	into->total_ns += from->total_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	into->blocked_count += from->blocked_count;
	into->blocked_ns += from->blocked_ns;
	into->contention_count += from->contention_count;
	into->contention_ns += from->contention_ns;
	for (int i = 0; i < HIST_SLOTS; i++)
		into->hist[i] += from->hist[i];
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

bool summary_mechanism_active(const struct summary *s, int mechanism)
{
	const struct mechanism_stats *m = &s->mechanisms[mechanism];

	if (mechanism == MECH_NONE)
		return false;
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].mechanism == mechanism)
			return true;
	return m->wakeups || m->blocked_count || m->contention_count || m->page_faults;
}

void summary_mechanism_totals(const struct summary *s, int mechanism, struct syscall_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].mechanism == mechanism && !s->syscalls[i].op[0])
			stats_add(out, &s->syscalls[i].stats);
}

void summary_mechanism_figures(const struct summary *s, int mechanism,
			       struct mechanism_figures *out)
{
	const struct mechanism_stats *m = &s->mechanisms[mechanism];
	struct syscall_stats totals;

	summary_mechanism_totals(s, mechanism, &totals);
	out->syscalls = totals.count;
	out->bytes = totals.bytes;
	out->wakeups = m->wakeups;
	out->blocked_ns = m->blocked_ns;
	out->contention_ns = m->contention_ns;
}

/* the index of pid's node, adding it if new; -1 when out of memory */
static long graph_node(struct wakeup_graph *g, __u32 pid, const char *comm, __u64 count)
{
	struct wakeup_node node = { .pid = pid, .wakeups = count };

	for (size_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].pid == pid) {
			g->nodes[i].wakeups += count;
			return i;
		}
	snprintf(node.comm, sizeof(node.comm), "%s", comm);
	if (append((void **)&g->nodes, &g->nnodes, sizeof(node), &node))
		return -1;
	return g->nnodes - 1;
}

static int compare_nodes(const void *a, const void *b)
{
	const struct wakeup_node *x = a, *y = b;

	if (x->wakeups != y->wakeups)
		return x->wakeups < y->wakeups ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int compare_links(const void *a, const void *b)
{
	const struct wakeup_link *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	if (x->wakee != y->wakee)
		return x->wakee < y->wakee ? -1 : 1;
	return x->mechanism - y->mechanism;
}

/* where pid's node ended up: its own, or the others node (the last) */
static size_t graph_place(const struct wakeup_graph *g, __u32 pid)
{
	for (size_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].pid == pid && !g->nodes[i].merged)
			return i;
	return g->nnodes - 1;
}

int summary_wakeup_graph(const struct summary *s, size_t max_nodes, struct wakeup_graph *g)
{
	memset(g, 0, sizeof(*g));
	if (max_nodes < 2)
		max_nodes = 2;
	for (size_t i = 0; i < s->nedges; i++) {
		const struct edge_row *e = &s->edges[i];

		__u64 received = e->wakee_pid == e->waker_pid ? 0 : e->count;

		if (graph_node(g, e->waker_pid, e->waker_comm, e->count) < 0 ||
		    graph_node(g, e->wakee_pid, e->wakee_comm, received) < 0)
			goto nomem;
	}
	if (g->nnodes)
		qsort(g->nodes, g->nnodes, sizeof(*g->nodes), compare_nodes);
	if (g->nnodes > max_nodes) {
		/* the quietest processes share the last place */
		struct wakeup_node *others = &g->nodes[max_nodes - 1];

		others->merged = g->nnodes - (max_nodes - 1);
		for (size_t i = max_nodes; i < g->nnodes; i++)
			others->wakeups += g->nodes[i].wakeups;
		others->pid = 0;
		snprintf(others->comm, sizeof(others->comm), "others");
		g->nnodes = max_nodes;
	}
	for (size_t i = 0; i < s->nedges; i++) {
		const struct edge_row *e = &s->edges[i];
		struct wakeup_link link = {
			.waker = graph_place(g, e->waker_pid),
			.wakee = graph_place(g, e->wakee_pid),
			.mechanism = e->mechanism,
			.count = e->count,
		};
		bool merged = false;

		for (size_t j = 0; j < g->nlinks && !merged; j++) {
			struct wakeup_link *l = &g->links[j];

			if (l->waker == link.waker && l->wakee == link.wakee &&
			    l->mechanism == link.mechanism) {
				l->count += link.count;
				merged = true;
			}
		}
		if (!merged && append((void **)&g->links, &g->nlinks, sizeof(link), &link))
			goto nomem;
	}
	if (g->nlinks)
		qsort(g->links, g->nlinks, sizeof(*g->links), compare_links);
	return 0;
nomem:
	wakeup_graph_free(g);
	return -1;
}

void wakeup_graph_free(struct wakeup_graph *g)
{
	free(g->nodes);
	free(g->links);
	memset(g, 0, sizeof(*g));
}

int parse_format(const char *name, enum output_format *out)
{
	if (!strcmp(name, "text"))
		*out = FORMAT_TEXT;
	else if (!strcmp(name, "json"))
		*out = FORMAT_JSON;
	else if (!strcmp(name, "csv"))
		*out = FORMAT_CSV;
	else if (!strcmp(name, "html"))
		*out = FORMAT_HTML;
	else
		return -1;
	return 0;
}

int render(FILE *out, const struct summary *s, enum output_format format, bool hist)
{
	switch (format) {
	case FORMAT_JSON:
		return render_json(out, s);
	case FORMAT_CSV:
		return render_csv(out, s);
	case FORMAT_HTML:
		return render_html(out, s);
	case FORMAT_TEXT:
		break;
	}
	return render_text(out, s, hist);
}
