// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The human report: per mechanism, per syscall, then wake-ups, locks, signals. */
#include <string.h>
#include "histogram.h"
#include "mechanisms.h"
#include "figures.h"
#include "render.h"

#define TOP_EDGES 10
#define TOP_LOCKS 10
#define TOP_GROUPS 10

static double us(__u64 ns)
{
	return ns / 1e3;
}

static double ms(__u64 ns)
{
	return ns / 1e6;
}

static void print_header(FILE *out, const struct summary *s)
{
	fprintf(out, "\nipctrace: %s", s->mode);
	if (s->workload)
		fprintf(out, " %s", s->workload);
	else
		for (size_t i = 0; i < s->ncommand && i < 4; i++)
			fprintf(out, " %s", s->command[i]);
	if (!s->workload && s->ncommand > 4)
		fprintf(out, " ...");
	fprintf(out, ": %zu process%s, ", s->nprocesses, s->nprocesses == 1 ? "" : "es");
	if (s->exit_status >= 0)
		fprintf(out, "exit status %d, ", s->exit_status);
	fprintf(out, "%.3f s traced\n", s->duration_ns / 1e9);
}

/* a multiplexed wait's row: what ended the sleeps of those that slept */
static void print_woken_by(FILE *out, const struct syscall_stats *st)
{
	bool any = false;

	for (int i = 0; i < WOKEN_BY__COUNT; i++) {
		if (!st->woken_by[i])
			continue;
		fprintf(out, "%s%s %llu", any ? ", " : "    woken by: ", woken_by_name(i),
			(unsigned long long)st->woken_by[i]);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

static void print_syscall_row(FILE *out, const struct syscall_row *row, bool hist)
{
	const struct syscall_stats *st = &row->stats;
	char label[2 * NAME_LEN + 4];

	if (row->op[0])
		snprintf(label, sizeof(label), "    %s", row->op);
	else
		snprintf(label, sizeof(label), "  %s", row->syscall);
	fprintf(out, "%-20s %9llu %7llu %12llu %10.2f %10.2f %11.3f %11.3f\n", label,
		(unsigned long long)st->count, (unsigned long long)st->errors,
		(unsigned long long)st->bytes, st->count ? us(st->total_ns / st->count) : 0.0,
		us(st->max_ns), ms(st->blocked_ns), ms(st->contention_ns));
	print_woken_by(out, st);
	if (hist && st->count)
		print_log2_hist(out, st->hist, HIST_SLOTS, "nsecs");
}

static void print_mechanism(FILE *out, const struct summary *s, int mech, bool hist)
{
	const struct mechanism_stats *m = &s->mechanisms[mech];

	fprintf(out, "%s\n", mechanism_name(mech));
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].mechanism == mech)
			print_syscall_row(out, &s->syscalls[i], hist);
	if (m->wakeups)
		fprintf(out, "  wake-ups: %llu, run-queue latency avg %.2f us, max %.2f us\n",
			(unsigned long long)m->wakeups, us(m->wakeup_latency_ns / m->wakeups),
			us(m->wakeup_latency_max_ns));
	if (m->blocked_count)
		fprintf(out, "  blocked: %llu episodes, %.3f ms total, %.3f ms max\n",
			(unsigned long long)m->blocked_count, ms(m->blocked_ns), ms(m->blocked_max_ns));
	if (m->contention_count)
		fprintf(out, "  contended: %llu waits, %.3f ms total, %.3f ms max\n",
			(unsigned long long)m->contention_count, ms(m->contention_ns),
			ms(m->contention_max_ns));
	if (m->page_faults)
		fprintf(out, "  page faults on shared mappings: %llu (data moved without syscalls)\n",
			(unsigned long long)m->page_faults);
	if (hist && m->wakeups) {
		fprintf(out, "  wake-up to running (run-queue latency):\n");
		print_log2_hist(out, m->wakeup_hist, HIST_SLOTS, "nsecs");
	}
	if (hist && m->blocked_count) {
		fprintf(out, "  blocked time per episode:\n");
		print_log2_hist(out, m->blocked_hist, HIST_SLOTS, "nsecs");
	}
}

static void print_edges(FILE *out, const struct summary *s)
{
	if (!s->nedges)
		return;
	fprintf(out, "\nwake-ups, top %d edges (waker -> wakee)\n", TOP_EDGES);
	fprintf(out, "%9s  %-12s %-24s    %-24s\n", "COUNT", "MECHANISM", "WAKER", "WAKEE");
	for (size_t i = 0; i < s->nedges && i < TOP_EDGES; i++) {
		const struct edge_row *e = &s->edges[i];
		char waker[40], wakee[40];

		if (e->waker_pid)
			snprintf(waker, sizeof(waker), "%u %s%s", e->waker_pid, e->waker_comm,
				 e->waker_untraced ? " (untraced)" : "");
		else if (!e->wakee_pid) /* --all, --cgroup: edges of tasks gone, folded */
			snprintf(waker, sizeof(waker), "(exited tasks)");
		else
			snprintf(waker, sizeof(waker), NO_TASK_WAKER);
		if (e->wakee_pid)
			snprintf(wakee, sizeof(wakee), "%u %s", e->wakee_pid, e->wakee_comm);
		else
			snprintf(wakee, sizeof(wakee), "(exited tasks)");
		fprintf(out, "%9llu  %-12s %-24s -> %-24s\n", (unsigned long long)e->count,
			mechanism_name(e->mechanism), waker, wakee);
	}
	if (s->nedges > TOP_EDGES)
		fprintf(out, "  (%zu more edges in the JSON output)\n", s->nedges - TOP_EDGES);
}

static void print_locks(FILE *out, const struct summary *s)
{
	if (!s->nlocks)
		return;
	fprintf(out, "\ncontended locks, top %d by total wait\n", TOP_LOCKS);
	fprintf(out, "%-12s %-7s %-34s %7s %8s %11s %10s\n", "MECHANISM", "KIND", "LOCK", "WAITERS",
		"WAITS", "TOTAL(ms)", "MAX(ms)");
	for (size_t i = 0; i < s->nlocks && i < TOP_LOCKS; i++) {
		const struct lock_row *l = &s->locks[i];

		fprintf(out, "%-12s %-7s %-34s %7u %8llu %11.3f %10.3f\n", mechanism_name(l->mechanism),
			lock_kind_name(l->kind), l->key, l->waiters, (unsigned long long)l->count,
			ms(l->total_ns), ms(l->max_ns));
		for (size_t c = 0; c < l->ncallers; c++)
			fprintf(out, "      %s %s\n", c ? "  " : "at", l->callers[c]);
	}
}

/* --by: the groups with the most calls, a line per mechanism */
static void print_groups(FILE *out, const struct summary *s)
{
	if (!s->ngroups)
		return;
	fprintf(out, "\nby %s, top %d of %zu by calls\n", s->groups[0].by, TOP_GROUPS, s->ngroups);
	fprintf(out, "%-32s %-12s %9s %7s %12s %11s %11s\n", "GROUP", "MECHANISM", "CALLS", "ERRORS",
		"BYTES", "BLOCKED(ms)", "CONTEND(ms)");
	for (size_t i = 0; i < s->ngroups && i < TOP_GROUPS; i++) {
		const struct group_row *g = &s->groups[i];
		char label[64];
		bool first = true;

		group_label(s, g, label, sizeof(label));
		for (int mech = 1; mech < MECH_OTHER; mech++) {
			const struct mechanism_stats *m = &g->detail->mechanisms[mech];
			struct syscall_stats totals;

			if (!summary_mechanism_active(g->detail, mech))
				continue;
			summary_mechanism_totals(g->detail, mech, &totals);
			fprintf(out, "%-32.32s %-12s %9llu %7llu %12llu %11.3f %11.3f\n",
				first ? label : "", mechanism_name(mech), (unsigned long long)totals.count,
				(unsigned long long)totals.errors, (unsigned long long)totals.bytes,
				ms(m->blocked_ns), ms(m->contention_ns));
			first = false;
		}
	}
	if (s->ngroups > TOP_GROUPS)
		fprintf(out, "  (%zu more groups in the JSON output)\n", s->ngroups - TOP_GROUPS);
}

static void print_signals(FILE *out, const struct summary *s)
{
	struct signal_row rows[SIGNALS_MAX];
	size_t n = summary_signal_rows(s, rows);

	if (n)
		fprintf(out, "\nsignals\n%-10s %10s %10s %10s %14s %14s\n", "SIGNAL", "GENERATED",
			"DELIVERED", "IGNORED", "AVG LAT(us)", "MAX LAT(us)");
	for (size_t i = 0; i < n; i++) {
		const struct signal_stats *st = rows[i].stats;

		fprintf(out, "%-10s %10llu %10llu %10llu %14.2f %14.2f\n", rows[i].name,
			(unsigned long long)st->generated, (unsigned long long)st->delivered,
			(unsigned long long)st->ignored, rows[i].avg_latency_us, us(st->latency_max_ns));
	}
}

static void print_footer(FILE *out, const struct summary *s)
{
	__u64 lost = 0;

	for (size_t i = 0; i < s->nunavailable; i++)
		fprintf(out, "unavailable: %s: %s\n", s->unavailable[i].feature,
			s->unavailable[i].reason);
	for (size_t i = 0; i < drop_note_count; i++)
		if (drop_value(&s->drops, &drop_notes[i]))
			fprintf(out, "%s: %llu %s\n", drop_notes[i].heading,
				(unsigned long long)drop_value(&s->drops, &drop_notes[i]),
				drop_notes[i].label);
	for (size_t i = 0; i < drop_field_count; i++)
		lost += drop_value(&s->drops, &drop_fields[i]);
	if (!lost) {
		fprintf(out, "lost: none\n");
		return;
	}
	fprintf(out, "lost: %llu (", (unsigned long long)lost);
	for (size_t i = 0; i < drop_field_count; i++)
		fprintf(out, "%s%s: %llu", i ? ", " : "", drop_fields[i].label,
			(unsigned long long)drop_value(&s->drops, &drop_fields[i]));
	fprintf(out, ")\n");
}

/* every active IPC mechanism, and "other" for the multiplexed waits it holds
 * (its wake-ups have their own line) */
static bool printed_as_block(const struct summary *s, int mech)
{
	if (mech == MECH_OTHER) {
		for (size_t i = 0; i < s->nsyscalls; i++)
			if (s->syscalls[i].mechanism == mech)
				return true;
		return false;
	}
	return mechanism_table[mech].ipc && summary_mechanism_active(s, mech);
}

int render_text(FILE *out, const struct summary *s, bool hist)
{
	char line[160];
	bool any = false;

	print_header(out, s);
	for (int mech = MECH_NONE + 1; mech < MECH__COUNT; mech++) {
		if (!printed_as_block(s, mech))
			continue;
		if (!any)
			fprintf(out, "\n%-20s %9s %7s %12s %10s %10s %11s %11s\n", "MECHANISM / SYSCALL",
				"CALLS", "ERRORS", "BYTES", "AVG(us)", "MAX(us)", "BLOCKED(ms)",
				"CONTEND(ms)");
		any = true;
		print_mechanism(out, s, mech, hist);
	}
	if (!any)
		fprintf(out, "\nno IPC activity seen\n");
	if (summary_non_ipc_wakeups(s, line, sizeof(line)))
		fprintf(out, "%s\n", line);
	print_groups(out, s);
	print_edges(out, s);
	print_locks(out, s);
	print_signals(out, s);
	fputc('\n', out);
	print_footer(out, s);
	return ferror(out) ? -1 : 0;
}
