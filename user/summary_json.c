// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The summary as JSON (schema ipctrace.summary/1, described in
 * schema/ipctrace.summary-1.json), both ways: summary_to_json() builds it,
 * render_json() writes it, and summary_read_json() reads it back, so
 * `ipctrace report` renders a saved run exactly as `run` did.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "mechanisms.h"
#include "figures.h"
#include "render.h"
#include "stats.h"
#include "summary_json.h"

static json_t *hist_json(const __u64 hist[HIST_SLOTS])
{
	json_t *array = json_array();

	for (int i = 0; i < HIST_SLOTS; i++)
		json_array_append_new(array, json_integer(hist[i]));
	return array;
}

/* named counts (a multiplexed wait's woken_by): {name: count}, only when
 * one is not zero, so that rows and files without them stay as they were */
static void counts_json(json_t *obj, const struct stats_field *f, const __u64 *v)
{
	json_t *counts = NULL;

	for (size_t i = 0; i < f->n; i++) {
		if (!v[i])
			continue;
		if (!counts)
			counts = json_object();
		json_object_set_new(counts, f->name_of((int)i), json_integer(v[i]));
	}
	if (counts)
		json_object_set_new(obj, f->key, counts);
}

/* the fields of a stats struct into obj, by its layout: each under its group */
static void stats_json(json_t *obj, const struct stats_layout *l, const void *stats)
{
	for (size_t i = 0; i < l->nfields; i++) {
		const struct stats_field *f = &l->fields[i];
		const __u64 *v = stats_value(f, stats);
		json_t *into = obj;

		if (f->group[0]) {
			into = json_object_get(obj, f->group);
			if (!into) {
				into = json_object();
				json_object_set_new(obj, f->group, into);
			}
		}
		if (f->merge == STATS_COUNTS)
			counts_json(obj, f, v);
		else
			json_object_set_new(into, f->key, f->merge == STATS_HIST ? hist_json(v)
										   : json_integer(*v));
	}
}

static json_t *syscall_stats_json(const struct syscall_stats *st)
{
	json_t *obj = json_object();

	stats_json(obj, &syscall_stats_layout, st);
	return obj;
}

static json_t *mechanism_json(const struct summary *s, int mech)
{
	json_t *syscalls = json_object(), *obj;
	struct syscall_stats totals;

	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_row *row = &s->syscalls[i];
		json_t *entry, *ops;

		if (row->mechanism != mech)
			continue;
		if (!row->op[0]) {
			json_object_set_new(syscalls, row->syscall, syscall_stats_json(&row->stats));
			continue;
		}
		/* rows are sorted: the "" total precedes its operations */
		entry = json_object_get(syscalls, row->syscall);
		if (!entry)
			continue;
		ops = json_object_get(entry, "ops");
		if (!ops) {
			ops = json_object();
			json_object_set_new(entry, "ops", ops);
		}
		json_object_set_new(ops, row->op, syscall_stats_json(&row->stats));
	}
	summary_mechanism_totals(s, mech, &totals);
	obj = json_pack("{so s{sI sI sI sI}}", "syscalls", syscalls, "totals",
			"count", (json_int_t)totals.count,
			"errors", (json_int_t)totals.errors,
			"bytes", (json_int_t)totals.bytes,
			"total_ns", (json_int_t)totals.total_ns);
	stats_json(obj, &mechanism_stats_layout, &s->mechanisms[mech]);
	return obj;
}

static json_t *target_json(const struct summary *s)
{
	json_t *command = json_array(), *pids = json_array(), *processes = json_array();
	json_t *intervals = json_array();

	for (size_t i = 0; i < s->ncommand; i++)
		json_array_append_new(command, json_string(s->command[i]));
	for (size_t i = 0; i < s->nprocesses; i++) {
		const struct process_row *p = &s->processes[i];

		json_array_append_new(pids, json_integer(p->pid));
		json_array_append_new(processes, json_pack("{sI sI ss}", "pid", (json_int_t)p->pid,
							   "ppid", (json_int_t)p->ppid, "comm", p->comm));
	}
	for (size_t i = 0; i < s->nintervals; i++)
		json_array_append_new(intervals, json_pack("{sI sI}",
			"start_ns", (json_int_t)s->intervals[i].start_ns,
			"end_ns", (json_int_t)s->intervals[i].end_ns));
	return json_pack("{ss so so so so sI so}", "mode", s->mode,
			 "workload", s->workload ? json_string(s->workload) : json_null(),
			 "command", command, "pids", pids, "processes", processes,
			 "exit_status", (json_int_t)s->exit_status, "intervals", intervals);
}

static json_t *drops_json(const struct summary *s)
{
	json_t *drops = json_object();

	for (size_t i = 0; i < drop_field_count; i++)
		json_object_set_new(drops, drop_fields[i].name,
				    json_integer(drop_value(&s->drops, &drop_fields[i])));
	for (size_t i = 0; i < drop_note_count; i++)
		json_object_set_new(drops, drop_notes[i].name,
				    json_integer(drop_value(&s->drops, &drop_notes[i])));
	return drops;
}

static json_t *signals_json(const struct summary *s)
{
	struct signal_row rows[SIGNALS_MAX];
	size_t n = summary_signal_rows(s, rows);
	json_t *signals = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *signal = json_pack("{sI}", "signo", (json_int_t)rows[i].signo);

		stats_json(signal, &signal_stats_layout, rows[i].stats);
		json_object_set_new(signals, rows[i].name, signal);
	}
	return signals;
}

static json_t *edges_json(const struct summary *s)
{
	json_t *edges = json_array();

	for (size_t i = 0; i < s->nedges; i++) {
		const struct edge_row *e = &s->edges[i];
		json_t *waker = json_pack("{sI ss}", "pid", (json_int_t)e->waker_pid,
					  "comm", e->waker_comm);

		if (waker && e->waker_untraced)
			json_object_set_new(waker, "untraced", json_true());
		json_array_append_new(edges, json_pack("{so s{sI ss} ss sI}",
			"waker", waker,
			"wakee", "pid", (json_int_t)e->wakee_pid, "comm", e->wakee_comm,
			"mechanism", mechanism_name(e->mechanism), "count", (json_int_t)e->count));
	}
	return edges;
}

static json_t *locks_json(const struct summary *s)
{
	json_t *locks = json_array();

	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock_row *l = &s->locks[i];
		json_t *callers = json_array();

		for (size_t c = 0; c < l->ncallers; c++)
			json_array_append_new(callers, json_string(l->callers[c]));
		json_array_append_new(locks, json_pack("{ss ss ss sI sI sI sI so}",
			"mechanism", mechanism_name(l->mechanism), "kind", lock_kind_name(l->kind),
			"key", l->key, "waiters", (json_int_t)l->waiters, "count", (json_int_t)l->count,
			"total_ns", (json_int_t)l->total_ns, "max_ns", (json_int_t)l->max_ns,
			"callers", callers));
	}
	return locks;
}

static json_t *mechanisms_json(const struct summary *s)
{
	json_t *mechanisms = json_object();

	for (int m = 1; m < MECH__COUNT; m++)
		if (summary_mechanism_active(s, m))
			json_object_set_new(mechanisms, mechanism_name(m), mechanism_json(s, m));
	return mechanisms;
}

/* --by: each group's mechanisms as the top level's */
static json_t *groups_json(const struct summary *s)
{
	json_t *groups = json_array();

	for (size_t i = 0; i < s->ngroups; i++) {
		const struct group_row *g = &s->groups[i];
		json_t *group = json_pack("{ss ss}", "by", g->by, "key", g->key);

		if (!strcmp(g->by, "cgroup"))
			json_object_set_new(group, "cgroup_id", json_integer(g->cgroup_id));
		if (!strcmp(g->by, "process"))
			json_object_set_new(group, "comm", json_string(g->comm));
		json_object_set_new(group, "mechanisms", mechanisms_json(g->detail));
		json_array_append_new(groups, group);
	}
	return groups;
}

json_t *summary_to_json(const struct summary *s)
{
	json_t *root, *mechanisms = mechanisms_json(s), *unavailable = json_array();

	for (size_t i = 0; i < s->nunavailable; i++)
		json_array_append_new(unavailable, json_pack("{ss ss}",
			"feature", s->unavailable[i].feature, "reason", s->unavailable[i].reason));
	root = json_pack("{ss s{ss ss} s{ss ss si} so sI sI sI so so so so so so}",
		"schema", SUMMARY_SCHEMA,
		"tool", "name", "ipctrace", "version", s->tool_version,
		"host", "kernel", s->kernel, "arch", s->arch, "ncpus", s->ncpus,
		"target", target_json(s),
		"start_time_ns", (json_int_t)s->start_ns,
		"duration_ns", (json_int_t)s->duration_ns,
		"lost_events", (json_int_t)s->lost_events,
		"drops", drops_json(s),
		"unavailable", unavailable,
		"mechanisms", mechanisms,
		"signals", signals_json(s),
		"wakeup_edges", edges_json(s),
		"contended_locks", locks_json(s));
	if (root && s->ngroups) /* an optional field: only with --by */
		json_object_set_new(root, "groups", groups_json(s));
	return root;
}

int dump_json(FILE *out, struct json_t *root)
{
	int err;

	if (!root)
		return -1;
	err = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!err)
		fputc('\n', out);
	return err ? -1 : 0;
}

int render_json(FILE *out, const struct summary *s, bool hist)
{
	(void)hist; /* the histograms are always in it */
	return dump_json(out, summary_to_json(s));
}

/* ---- reading ---- */

struct reader {
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = 1;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
}

static __u64 get_u64(struct reader *r, json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		fail(r, "%s.%s: expected a non-negative integer", where, key);
		return 0;
	}
	return json_integer_value(v);
}

static void get_hist(struct reader *r, json_t *obj, const char *key, __u64 hist[HIST_SLOTS],
		     const char *where)
{
	json_t *array = json_object_get(obj, key);

	if (!json_is_array(array) || json_array_size(array) != HIST_SLOTS) {
		fail(r, "%s.%s: expected an array of %d integers", where, key, HIST_SLOTS);
		return;
	}
	for (int i = 0; i < HIST_SLOTS; i++) {
		json_t *v = json_array_get(array, i);

		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			fail(r, "%s.%s[%d]: expected a non-negative integer", where, key, i);
			return;
		}
		hist[i] = json_integer_value(v);
	}
}

static void get_string(struct reader *r, json_t *obj, const char *key, char *buf, size_t len,
		       const char *where)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		fail(r, "%s.%s: expected a string", where, key);
		return;
	}
	snprintf(buf, len, "%s", json_string_value(v));
}

/* named counts (see counts_json): optional; a name this version does not
 * know is left out, as the schema policy says of unknown fields */
static void read_counts(struct reader *r, json_t *obj, const struct stats_field *f, __u64 *slot,
			const char *where)
{
	const char *name;
	json_t *v;

	if (!obj)
		return;
	if (!json_is_object(obj)) {
		fail(r, "%s.%s: expected an object", where, f->key);
		return;
	}
	json_object_foreach(obj, name, v) {
		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->name_of((int)i), name))
				slot[i] = get_u64(r, obj, name, where);
	}
}

/* the fields of a stats struct from obj, by its layout (see stats_json) */
static void read_stats(struct reader *r, json_t *obj, const struct stats_layout *l, void *stats,
		       const char *where)
{
	if (!json_is_object(obj)) {
		fail(r, "%s: expected an object", where);
		return;
	}
	for (size_t i = 0; i < l->nfields; i++) {
		const struct stats_field *f = &l->fields[i];
		json_t *from = f->group[0] ? json_object_get(obj, f->group) : obj;
		char at[160];

		snprintf(at, sizeof(at), "%s%s%s", where, f->group[0] ? "." : "", f->group);
		if (f->merge == STATS_HIST)
			get_hist(r, from, f->key, stats_slot(f, stats), at);
		else if (f->merge == STATS_COUNTS)
			read_counts(r, json_object_get(from, f->key), f, stats_slot(f, stats), at);
		else
			*stats_slot(f, stats) = get_u64(r, from, f->key, at);
	}
}

static void read_mechanism(struct reader *r, struct summary *s, int mech, json_t *obj)
{
	json_t *syscalls = json_object_get(obj, "syscalls"), *value, *sub;
	const char *name;
	char where[128];

	snprintf(where, sizeof(where), "mechanisms.%s", mechanism_name(mech));
	if (!json_is_object(syscalls)) {
		fail(r, "%s.syscalls: expected an object", where);
		return;
	}
	json_object_foreach(syscalls, name, value) {
		struct syscall_row row = { .mechanism = mech };
		json_t *ops = json_object_get(value, "ops");
		const char *op;

		snprintf(row.syscall, sizeof(row.syscall), "%s", name);
		if (!ops) {
			read_stats(r, value, &syscall_stats_layout, &row.stats, where);
			summary_add_syscall(s, &row);
			continue;
		}
		/* the total is derived from the operations, as when tracing */
		json_object_foreach(ops, op, sub) {
			struct syscall_row op_row = row;

			snprintf(op_row.op, sizeof(op_row.op), "%s", op);
			read_stats(r, sub, &syscall_stats_layout, &op_row.stats, where);
			summary_add_syscall(s, &op_row);
		}
	}
	read_stats(r, obj, &mechanism_stats_layout, &s->mechanisms[mech], where);
}

/* target: what was traced, and how it ended */
static void read_target(struct reader *r, json_t *target, struct summary *s)
{
	json_t *v, *item;
	size_t i;

	get_string(r, target, "mode", s->mode, sizeof(s->mode), "target");
	v = json_object_get(target, "workload");
	if (json_is_string(v))
		s->workload = strdup(json_string_value(v));
	else if (!json_is_null(v))
		fail(r, "target.workload: expected a string or null");
	v = json_object_get(target, "command");
	if (!json_is_array(v)) {
		fail(r, "target.command: expected an array");
	} else {
		s->command = calloc(json_array_size(v) + 1, sizeof(char *));
		json_array_foreach(v, i, item) {
			if (!json_is_string(item)) {
				fail(r, "target.command[%zu]: expected a string", i);
				break;
			}
			s->command[s->ncommand++] = strdup(json_string_value(item));
		}
	}
	v = json_object_get(target, "processes");
	if (!json_is_array(v))
		fail(r, "target.processes: expected an array");
	json_array_foreach(v, i, item) {
		struct process_row p = {};

		p.pid = get_u64(r, item, "pid", "target.processes[]");
		p.ppid = get_u64(r, item, "ppid", "target.processes[]");
		get_string(r, item, "comm", p.comm, sizeof(p.comm), "target.processes[]");
		summary_add_process(s, &p);
	}
	json_array_foreach(json_object_get(target, "intervals"), i, item)
		summary_add_interval(s, get_u64(r, item, "start_ns", "target.intervals[]"),
				     get_u64(r, item, "end_ns", "target.intervals[]"));
	v = json_object_get(target, "exit_status");
	if (!json_is_integer(v))
		fail(r, "target.exit_status: expected an integer");
	s->exit_status = json_integer_value(v);
}

/* drops, by the drop tables; the notes are absent from older files */
static void read_drops(struct reader *r, json_t *drops, struct summary *s)
{
	for (size_t i = 0; i < drop_field_count; i++)
		*drop_slot(&s->drops, &drop_fields[i]) = get_u64(r, drops, drop_fields[i].name, "drops");
	for (size_t i = 0; i < drop_note_count; i++)
		if (json_object_get(drops, drop_notes[i].name))
			*drop_slot(&s->drops, &drop_notes[i]) =
				get_u64(r, drops, drop_notes[i].name, "drops");
}

static void read_mechanisms(struct reader *r, json_t *mechanisms, struct summary *s)
{
	const char *key;
	json_t *v;

	if (!json_is_object(mechanisms))
		fail(r, "mechanisms: expected an object");
	json_object_foreach(mechanisms, key, v) {
		int mech = mechanism_from_name(key);

		if (mech == MECH_NONE) {
			fail(r, "mechanisms.%s: not a mechanism", key);
			break;
		}
		if (mech < 0) { /* a later ipctrace's: left out, counted */
			s->skipped++;
			continue;
		}
		read_mechanism(r, s, mech, v);
	}
}

/* "groups", written with --by only */
static void read_groups(struct reader *r, json_t *groups, struct summary *s)
{
	json_t *item;
	size_t i;

	if (groups && !json_is_array(groups))
		fail(r, "groups: expected an array");
	json_array_foreach(groups, i, item) {
		char by[NAME_LEN] = "", key[256] = "";
		struct group_row *g;

		get_string(r, item, "by", by, sizeof(by), "groups[]");
		get_string(r, item, "key", key, sizeof(key), "groups[]");
		if (r->failed)
			return;
		if (strcmp(by, "process") && strcmp(by, "comm") && strcmp(by, "cgroup")) {
			fail(r, "groups[%zu].by: expected process, comm or cgroup", i);
			return;
		}
		g = summary_group(s, by, i, key);
		if (!g) {
			fail(r, "groups: out of memory");
			return;
		}
		if (json_object_get(item, "cgroup_id"))
			g->cgroup_id = get_u64(r, item, "cgroup_id", "groups[]");
		if (json_object_get(item, "comm"))
			get_string(r, item, "comm", g->comm, sizeof(g->comm), "groups[]");
		read_mechanisms(r, json_object_get(item, "mechanisms"), g->detail);
	}
}

static void read_signals(struct reader *r, json_t *signals, struct summary *s)
{
	const char *key;
	json_t *v;

	json_object_foreach(signals, key, v) {
		__u64 signo = get_u64(r, v, "signo", "signals");

		if (signo == 0 || signo >= SIGNALS_MAX) {
			fail(r, "signals.%s: signo out of range", key);
			break;
		}
		read_stats(r, v, &signal_stats_layout, &s->signals[signo], "signals");
	}
}

static void read_edges(struct reader *r, json_t *edges, struct summary *s)
{
	json_t *item;
	size_t i;

	json_array_foreach(edges, i, item) {
		struct edge_row e = {};
		json_t *waker = json_object_get(item, "waker"), *wakee = json_object_get(item, "wakee");
		char mech[NAME_LEN] = "";

		e.waker_pid = get_u64(r, waker, "pid", "wakeup_edges[].waker");
		e.waker_untraced = json_is_true(json_object_get(waker, "untraced"));
		get_string(r, waker, "comm", e.waker_comm, sizeof(e.waker_comm), "wakeup_edges[].waker");
		e.wakee_pid = get_u64(r, wakee, "pid", "wakeup_edges[].wakee");
		get_string(r, wakee, "comm", e.wakee_comm, sizeof(e.wakee_comm), "wakeup_edges[].wakee");
		get_string(r, item, "mechanism", mech, sizeof(mech), "wakeup_edges[]");
		e.mechanism = mechanism_from_name(mech);
		e.count = get_u64(r, item, "count", "wakeup_edges[]");
		if (e.mechanism < 0)
			s->skipped++;
		else
			summary_add_edge(s, &e);
	}
}

static void read_locks(struct reader *r, json_t *locks, struct summary *s)
{
	json_t *item;
	size_t i;

	json_array_foreach(locks, i, item) {
		struct lock_row l = {};
		char mech[NAME_LEN] = "", kind[NAME_LEN] = "";
		json_t *callers = json_object_get(item, "callers"), *caller;
		size_t c;

		get_string(r, item, "mechanism", mech, sizeof(mech), "contended_locks[]");
		get_string(r, item, "kind", kind, sizeof(kind), "contended_locks[]");
		get_string(r, item, "key", l.key, sizeof(l.key), "contended_locks[]");
		l.mechanism = mechanism_from_name(mech);
		l.kind = lock_kind_from_name(kind);
		if (l.kind < 0)
			fail(r, "contended_locks[%zu]: unknown kind '%s'", i, kind);
		l.waiters = get_u64(r, item, "waiters", "contended_locks[]");
		l.count = get_u64(r, item, "count", "contended_locks[]");
		l.total_ns = get_u64(r, item, "total_ns", "contended_locks[]");
		l.max_ns = get_u64(r, item, "max_ns", "contended_locks[]");
		json_array_foreach(callers, c, caller) {
			if (c >= CALLERS_MAX || !json_is_string(caller))
				break;
			snprintf(l.callers[c], CALLER_LEN, "%s", json_string_value(caller));
			l.ncallers = c + 1;
		}
		if (l.mechanism < 0)
			s->skipped++;
		else
			summary_add_lock(s, &l);
	}
}

/* Every section, in the order the writer writes them; a section that fails
 * says where, and the first failure is the one reported. */
static void read_summary(struct reader *r, json_t *root, struct summary *s)
{
	json_t *host = json_object_get(root, "host");
	json_t *item;
	size_t i;

	get_string(r, json_object_get(root, "tool"), "version", s->tool_version,
		   sizeof(s->tool_version), "tool");
	get_string(r, host, "kernel", s->kernel, sizeof(s->kernel), "host");
	get_string(r, host, "arch", s->arch, sizeof(s->arch), "host");
	s->ncpus = get_u64(r, host, "ncpus", "host");
	read_target(r, json_object_get(root, "target"), s);
	s->start_ns = get_u64(r, root, "start_time_ns", "summary");
	s->duration_ns = get_u64(r, root, "duration_ns", "summary");
	s->lost_events = get_u64(r, root, "lost_events", "summary");
	read_drops(r, json_object_get(root, "drops"), s);
	json_array_foreach(json_object_get(root, "unavailable"), i, item) {
		char feature[NAME_LEN] = "", reason[160] = "";

		get_string(r, item, "feature", feature, sizeof(feature), "unavailable[]");
		get_string(r, item, "reason", reason, sizeof(reason), "unavailable[]");
		summary_add_unavailable(s, feature, reason);
	}
	read_mechanisms(r, json_object_get(root, "mechanisms"), s);
	read_groups(r, json_object_get(root, "groups"), s);
	read_signals(r, json_object_get(root, "signals"), s);
	read_edges(r, json_object_get(root, "wakeup_edges"), s);
	read_locks(r, json_object_get(root, "contended_locks"), s);
}

/* The summary in root (NULL: jerr says why), read from NAME; frees root. */
static int summary_from_json(json_t *root, const json_error_t *jerr, const char *name,
			     struct summary *s, char *err, size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen };
	json_t *schema;

	summary_init(s);
	if (!root) {
		if (jerr->line < 0 || jerr->position == 0)
			snprintf(err, errlen, "%s: %s", name, jerr->text);
		else
			snprintf(err, errlen, "%s:%d:%d: not a valid JSON summary: %s", name, jerr->line,
				 jerr->column, jerr->text);
		return -1;
	}
	schema = json_object_get(root, "schema");
	if (!json_is_string(schema)) {
		snprintf(err, errlen, "%s: not an ipctrace summary (no \"schema\" field)", name);
		json_decref(root);
		return -1;
	}
	if (strcmp(json_string_value(schema), SUMMARY_SCHEMA)) {
		snprintf(err, errlen, "%s: schema '%s' is not supported (this ipctrace reads '%s')",
			 name, json_string_value(schema), SUMMARY_SCHEMA);
		json_decref(root);
		return -1;
	}
	read_summary(&r, root, s);
	json_decref(root);
	if (r.failed) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", err);
		snprintf(err, errlen, "%s: invalid summary: %s", name, reason);
		summary_free(s);
		return -1;
	}
	summary_finish(s);
	return 0;
}

int summary_read_json(const char *path, struct summary *s, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	return summary_from_json(root, &jerr, path, s, err, errlen);
}

int summary_read_json_buffer(const char *data, size_t len, const char *name, struct summary *s,
			     char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

	return summary_from_json(root, &jerr, name, s, err, errlen);
}
