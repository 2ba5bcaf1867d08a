// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Figures derived from the summary (see figures.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "figures.h"
#include "stats.h"

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
			syscall_stats_add(out, &s->syscalls[i].stats);
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

bool summary_non_ipc_wakeups(const struct summary *s, char *buf, size_t len)
{
	__u64 other = s->mechanisms[MECH_OTHER].wakeups, timer = s->mechanisms[MECH_TIMER].wakeups;

	if (!other && !timer)
		return false;
	snprintf(buf, len, "wake-ups not through IPC: %llu by non-IPC calls or interrupts, "
		 "%llu by timers", (unsigned long long)other, (unsigned long long)timer);
	return true;
}

size_t summary_signal_rows(const struct summary *s, struct signal_row rows[SIGNALS_MAX])
{
	size_t n = 0;

	for (int sig = 1; sig < SIGNALS_MAX; sig++) {
		const struct signal_stats *st = &s->signals[sig];
		struct signal_row *row = &rows[n];
		__u64 avg_ns;

		if (!st->generated && !st->delivered)
			continue;
		row->signo = sig;
		signal_label(sig, row->name, sizeof(row->name));
		row->stats = st;
		avg_ns = st->delivered ? st->latency_ns / st->delivered : 0; /* whole ns, as ever */
		row->avg_latency_us = avg_ns / 1e3;
		n++;
	}
	return n;
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
	if (array_append((void **)&g->nodes, &g->nnodes, sizeof(node), &node))
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
		if (!merged && array_append((void **)&g->links, &g->nlinks, sizeof(link), &link))
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
