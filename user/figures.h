/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Figures derived from the summary, for every output that shows them: a
 * mechanism's totals and headline figures, the signals worth a row, the
 * wake-ups that went through no IPC, and the wake-up graph's layout.  Read
 * from the model, never stored in it; no output computes them itself.
 */
#ifndef IPCTRACE_FIGURES_H
#define IPCTRACE_FIGURES_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "summary.h"

/* the waker of an edge whose pid is 0: an interrupt or a timer (a task outside
 * the trace is named, marked untraced) */
#define NO_TASK_WAKER "(irq or timer)"

/* true if the mechanism has anything to report */
bool summary_mechanism_active(const struct summary *s, int mechanism);
/* the syscall-level totals of one mechanism (futex op rows excluded) */
void summary_mechanism_totals(const struct summary *s, int mechanism, struct syscall_stats *out);

/* The headline figures of one mechanism, as compare and the HTML charts show
 * them: calls and bytes from its syscall totals; wake-ups, blocked and
 * contended time from its mechanism-wide stats (as the text report's lines). */
struct mechanism_figures {
	__u64 syscalls;
	__u64 bytes; /* moved through the kernel by its syscalls */
	__u64 wakeups;
	__u64 blocked_ns;
	__u64 contention_ns;
};
void summary_mechanism_figures(const struct summary *s, int mechanism,
			       struct mechanism_figures *out);

/* "wake-ups not through IPC: ..." into buf; false when there were none */
bool summary_non_ipc_wakeups(const struct summary *s, char *buf, size_t len);

/* One row of the signals table: a signal sent to a traced task. */
struct signal_row {
	int signo;
	char name[16]; /* "SIGUSR1", or "SIG33" for one without a name */
	const struct signal_stats *stats;
	double avg_latency_us; /* generate to deliver, over the delivered ones */
};
/* the signals generated or delivered, by number; how many */
size_t summary_signal_rows(const struct summary *s, struct signal_row rows[SIGNALS_MAX]);

/* The wake-up graph to draw: processes are nodes, wake-ups between them
 * links, merged per (waker, wakee, mechanism).  At most max_nodes nodes: the
 * processes with the most wake-ups (sent plus received) keep their own, the
 * rest become one "others" node.  Nodes by wake-ups, descending. */
struct wakeup_node {
	__u32 pid;              /* 0: untraced task or interrupt */
	char comm[COMM_LEN];
	__u64 wakeups;          /* sent plus received */
	size_t merged;          /* the others node: how many processes; else 0 */
};
struct wakeup_link {
	size_t waker;           /* index into nodes */
	size_t wakee;
	int mechanism;
	__u64 count;
};
struct wakeup_graph {
	struct wakeup_node *nodes;
	size_t nnodes;
	struct wakeup_link *links; /* by count, descending */
	size_t nlinks;
};
int summary_wakeup_graph(const struct summary *s, size_t max_nodes, struct wakeup_graph *g);
void wakeup_graph_free(struct wakeup_graph *g);

#endif
