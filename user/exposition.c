// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The summary as Prometheus metrics (see exposition.h): the text format
 * 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/) and
 * OpenMetrics 1.0 (https://openmetrics.io), which differ here only in the
 * counters' family names (without _total in OpenMetrics), the info metric
 * and the closing "# EOF".  Base units: seconds and bytes; times are
 * written as exact decimals of the kernel's nanoseconds.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "exposition.h"
#include "mechanisms.h"
#include "stats.h"

const char *exposition_content_type(enum exposition_format f)
{
	return f == EXPOSITION_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					   : "text/plain; version=0.0.4; charset=utf-8";
}

enum exposition_format exposition_negotiate(const char *accept)
{
	/* Prometheus asks "application/openmetrics-text;version=1.0.0,...,
	 * text/plain;version=0.0.4;q=0.5,*\/\*;q=0.1": whoever names
	 * OpenMetrics gets it; anyone else, curl included, the text format */
	return accept && strcasestr(accept, "application/openmetrics-text") ? EXPOSITION_OPENMETRICS
									 : EXPOSITION_TEXT;
}

void format_seconds(char *buf, size_t len, __u64 ns)
{
	int n = snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
			 (unsigned long long)(ns % 1000000000ULL));

	if (n <= 0 || (size_t)n >= len)
		return;
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* ---- the series table ------------------------------------------------- */

/* One (mechanism, syscall, group) row of series: its values as exposed. */
struct series_row {
	int mechanism;
	char syscall[NAME_LEN];
	char *group; /* NULL without --by; SERIES_OTHER for the overflow */
	struct syscall_stats exposed; /* never lowered */
	struct syscall_stats fresh;   /* summed from this collection's kernel rows */
};

/* What became of a kernel row's label set: its row of series, for good. */
struct series_entry {
	char *key; /* "mechanism/syscall/group"; NULL: an empty slot */
	size_t row;
};

struct series_table {
	const char *by;
	size_t max_series;
	struct series_row *rows;
	size_t nrows;
	struct series_entry *entries; /* open addressing, a power of 2 */
	size_t nentries, capacity;
	size_t used;     /* series of the group rows admitted, "other" rows included */
	size_t reserved; /* series kept for "other" rows not made yet */
	__u64 dropped;   /* series not made: their label sets went to "other" */
	char **labels;   /* group labels by the kernel's group id, at first sight */
	size_t nlabels;
};

struct series_table *series_table_new(const char *by, size_t max_series)
{
	struct series_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->by = by;
	t->max_series = max_series;
	t->capacity = 64;
	t->entries = calloc(t->capacity, sizeof(*t->entries));
	if (!t->entries) {
		free(t);
		return NULL;
	}
	return t;
}

void series_table_free(struct series_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->capacity; i++)
		free(t->entries[i].key);
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i].group);
	for (size_t i = 0; i < t->nlabels; i++)
		free(t->labels[i]);
	free(t->labels);
	free(t->entries);
	free(t->rows);
	free(t);
}

size_t series_table_series(const struct series_table *t)
{
	return t->nrows * SERIES_PER_ROW;
}

__u64 series_table_dropped(const struct series_table *t)
{
	return t->dropped;
}

static __u64 hash_string(const char *s)
{
	__u64 h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct series_entry *find_entry(struct series_table *t, const char *key)
{
	size_t mask = t->capacity - 1;

	for (size_t i = hash_string(key) & mask;; i = (i + 1) & mask)
		if (!t->entries[i].key || !strcmp(t->entries[i].key, key))
			return &t->entries[i];
}

static int grow_entries(struct series_table *t)
{
	struct series_entry *old = t->entries;
	size_t old_capacity = t->capacity;

	t->entries = calloc(old_capacity * 2, sizeof(*t->entries));
	if (!t->entries) {
		t->entries = old;
		return -1;
	}
	t->capacity = old_capacity * 2;
	for (size_t i = 0; i < old_capacity; i++)
		if (old[i].key)
			*find_entry(t, old[i].key) = old[i];
	free(old);
	return 0;
}

static int add_entry(struct series_table *t, const char *key, size_t row)
{
	struct series_entry *e;

	if ((t->nentries + 1) * 2 > t->capacity && grow_entries(t))
		return -1;
	e = find_entry(t, key);
	e->key = strdup(key);
	if (!e->key)
		return -1;
	e->row = row;
	t->nentries++;
	return 0;
}

static void row_key(char *buf, size_t len, int mechanism, const char *syscall, const char *group)
{
	snprintf(buf, len, "%d/%s/%s", mechanism, syscall, group ? group : "");
}

static int new_row(struct series_table *t, int mechanism, const char *syscall, const char *group,
		   size_t *index)
{
	struct series_row row = { .mechanism = mechanism };
	char key[NAME_LEN + 300];

	snprintf(row.syscall, sizeof(row.syscall), "%s", syscall);
	if (group && !(row.group = strdup(group)))
		return -1;
	row_key(key, sizeof(key), mechanism, syscall, group);
	if (array_append((void **)&t->rows, &t->nrows, sizeof(row), &row) ||
	    add_entry(t, key, t->nrows - 1)) {
		free(row.group);
		return -1;
	}
	*index = t->nrows - 1;
	return 0;
}

/* The "other" row of (mechanism, syscall): made from its reservation, or
 * (the first row of the pair left no room at all) beyond the budget, so
 * one row per (mechanism, syscall), a set the rule table bounds. */
static int other_row(struct series_table *t, int mechanism, const char *syscall, size_t *index)
{
	char key[NAME_LEN + 300];
	struct series_entry *other;

	row_key(key, sizeof(key), mechanism, syscall, SERIES_OTHER);
	other = find_entry(t, key);
	if (other->key && other->row != SIZE_MAX) {
		*index = other->row;
		return 0;
	}
	if (other->key) /* reserved: an entry without a row */
		t->reserved -= SERIES_PER_ROW;
	t->used += SERIES_PER_ROW;
	if (!other->key)
		return new_row(t, mechanism, syscall, SERIES_OTHER, index);
	/* the entry exists: the row only */
	struct series_row row = { .mechanism = mechanism };

	snprintf(row.syscall, sizeof(row.syscall), "%s", syscall);
	row.group = strdup(SERIES_OTHER);
	if (!row.group || array_append((void **)&t->rows, &t->nrows, sizeof(row), &row)) {
		free(row.group);
		return -1;
	}
	*index = t->nrows - 1;
	other->row = *index;
	return 0;
}

/* The row a new label set's values go to, decided once: its own while the
 * budget holds it and the "other" row of its (mechanism, syscall), made or
 * kept in reserve; else that "other" row. */
static int admit(struct series_table *t, int mechanism, const char *syscall, const char *group,
		 size_t *index)
{
	char other_key[NAME_LEN + 300];
	bool other_known;
	size_t need;

	if (!t->by || !group) /* without --by: a row per (mechanism, syscall), as the rule table bounds */
		return new_row(t, mechanism, syscall, NULL, index);
	if (!strcmp(group, SERIES_OTHER)) /* a group really named "other" shares its row */
		return other_row(t, mechanism, syscall, index);
	row_key(other_key, sizeof(other_key), mechanism, syscall, SERIES_OTHER);
	other_known = find_entry(t, other_key)->key != NULL; /* made, or reserved */
	/* its own series, and room for its "other" row unless that is made or
	 * reserved already */
	need = SERIES_PER_ROW + (other_known ? 0 : SERIES_PER_ROW);
	if (t->used + t->reserved + need > t->max_series) {
		t->dropped += SERIES_PER_ROW;
		return other_row(t, mechanism, syscall, index);
	}
	if (!other_known) {
		if (add_entry(t, other_key, SIZE_MAX))
			return -1;
		t->reserved += SERIES_PER_ROW;
	}
	t->used += SERIES_PER_ROW;
	return new_row(t, mechanism, syscall, group, index);
}

/* One kernel row of this collection into its row of series. */
int series_table_add(struct series_table *t, const struct syscall_row *r, const char *group)
{
	char key[NAME_LEN + 300];
	struct series_entry *e;
	size_t index;

	if (r->op[0]) /* futex operations: their syscall's row holds them all */
		return 0;
	row_key(key, sizeof(key), r->mechanism, r->syscall, group);
	e = find_entry(t, key);
	if (e->key && e->row != SIZE_MAX) {
		index = e->row;
	} else {
		if (admit(t, r->mechanism, r->syscall, group, &index))
			return -1;
		/* remember where a dropped label set went */
		if (t->by && strcmp(t->rows[index].group, group ? group : "") &&
		    add_entry(t, key, index))
			return -1;
	}
	syscall_stats_add(&t->rows[index].fresh, &r->stats);
	return 0;
}

/* Every field of exposed at least its fresh value: counters never go down. */
static void raise_to(struct syscall_stats *exposed, const struct syscall_stats *fresh)
{
	__u64 *into = (__u64 *)exposed;
	const __u64 *from = (const __u64 *)fresh;

	_Static_assert(sizeof(*exposed) % sizeof(__u64) == 0, "syscall_stats is __u64s");
	for (size_t i = 0; i < sizeof(*exposed) / sizeof(__u64); i++)
		if (from[i] > into[i])
			into[i] = from[i];
}

const char *series_table_group_label(struct series_table *t, __u32 id, const char *name)
{
	char key[32];
	struct series_entry *e;
	char *label;

	snprintf(key, sizeof(key), "#%u", id);
	e = find_entry(t, key);
	if (e->key)
		return t->labels[e->row];
	label = strdup(name);
	if (!label || array_append((void **)&t->labels, &t->nlabels, sizeof(label), &label)) {
		free(label);
		return name;
	}
	if (add_entry(t, key, t->nlabels - 1))
		return name;
	return label;
}

void series_table_begin(struct series_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		memset(&t->rows[i].fresh, 0, sizeof(t->rows[i].fresh));
}

void series_table_finish(struct series_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		raise_to(&t->rows[i].exposed, &t->rows[i].fresh);
}

int series_table_update(struct series_table *t, const struct summary *s)
{
	int err = 0;

	series_table_begin(t);
	if (!t->by) {
		for (size_t i = 0; i < s->nsyscalls && !err; i++)
			err = series_table_add(t, &s->syscalls[i], NULL);
	}
	/* --by: every kernel row is a group's (the whole holds them again) */
	for (size_t g = 0; t->by && g < s->ngroups && !err; g++) {
		const struct group_row *group = &s->groups[g];
		const char *label = series_table_group_label(t, group->id, group->key);

		for (size_t i = 0; i < group->detail->nsyscalls && !err; i++)
			err = series_table_add(t, &group->detail->syscalls[i], label);
	}
	series_table_finish(t);
	return err;
}

/* ---- writing ------------------------------------------------------------ */

/* A label value: escaped as both formats want (\\, \", \n), and valid UTF-8
 * (Prometheus refuses the scrape otherwise): a byte that is not, as U+FFFD. */
static void put_label_value(FILE *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		bool valid = n > 0 && !(n == 2 && *p < 0xc2);

		for (size_t i = 1; valid && i < n; i++)
			valid = (p[i] & 0xc0) == 0x80;
		if (!valid) {
			fputs("\xef\xbf\xbd", out);
			p++;
			continue;
		}
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
}

enum family_type { COUNTER, GAUGE, HISTOGRAM, INFO };

/* The family's # HELP and # TYPE.  name is the sample's (with _total for
 * counters, _info for info); OpenMetrics names the family without them. */
static void family(FILE *out, enum exposition_format f, const char *name, enum family_type type,
		   const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "info" };
	size_t len = strlen(name);

	if (f == EXPOSITION_OPENMETRICS && type == COUNTER && len > 6)
		len -= 6; /* "_total" */
	if (f == EXPOSITION_OPENMETRICS && type == INFO && len > 5)
		len -= 5; /* "_info" */
	fprintf(out, "# HELP %.*s %s\n", (int)len, name, help);
	fprintf(out, "# TYPE %.*s %s\n", (int)len, name,
		f == EXPOSITION_TEXT && type == INFO ? "gauge" : types[type]);
}

/* name{label="value",...}: labels is NULL-terminated name, value pairs */
static void sample_start(FILE *out, const char *name, const char *const *labels)
{
	fputs(name, out);
	for (size_t i = 0; labels && labels[i]; i += 2) {
		if (!labels[i + 1])
			continue;
		fprintf(out, "%s%s=\"", i ? "," : "{", labels[i]);
		put_label_value(out, labels[i + 1]);
		fputc('"', out);
	}
	if (labels && labels[0])
		fputc('}', out);
}

static void sample(FILE *out, const char *name, const char *const *labels, __u64 value)
{
	sample_start(out, name, labels);
	fprintf(out, " %llu\n", (unsigned long long)value);
}

static void sample_seconds(FILE *out, const char *name, const char *const *labels, __u64 ns)
{
	char seconds[48];

	format_seconds(seconds, sizeof(seconds), ns);
	sample_start(out, name, labels);
	fprintf(out, " %s\n", seconds);
}

/* labels of a row: mechanism, syscall and, with --by, the group */
#define ROW_LABELS(t, r) \
	{ "mechanism", mechanism_name((r)->mechanism), "syscall", (r)->syscall, \
	  (t)->by ? (t)->by : NULL, (r)->group, NULL }

static void write_row_counters(FILE *out, enum exposition_format f, const struct series_table *t)
{
	static const struct {
		const char *name, *help;
		size_t offset;
	} counters[] = {
		{ "ipctrace_syscalls_total", "Completed IPC syscalls (a restarted call once).",
		  offsetof(struct syscall_stats, count) },
		{ "ipctrace_syscall_errors_total", "IPC syscalls that returned an error.",
		  offsetof(struct syscall_stats, errors) },
		{ "ipctrace_ipc_bytes_total", "Bytes moved by IPC syscalls.",
		  offsetof(struct syscall_stats, bytes) },
	};

	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		family(out, f, counters[c].name, COUNTER, counters[c].help);
		for (size_t i = 0; i < t->nrows; i++) {
			const struct series_row *r = &t->rows[i];
			const char *labels[] = ROW_LABELS(t, r);

			sample(out, counters[c].name, labels,
			       *(const __u64 *)((const char *)&r->exposed + counters[c].offset));
		}
	}
}

/* The kernel's log2 slots, exactly: slot i < HIST_SLOTS - 1 holds whole
 * nanoseconds in [2^(i-1), 2^i), so its cumulative bucket is le = 2^i - 1
 * ns; the last slot holds everything above, le = +Inf. */
static void write_histograms(FILE *out, enum exposition_format f, const struct series_table *t)
{
	const char *name = "ipctrace_syscall_duration_seconds";

	family(out, f, name, HISTOGRAM, "IPC syscall latency, entry to exit, in the kernel's "
	       "log2 buckets.");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct series_row *r = &t->rows[i];
		char le[48];
		const char *labels[] = { "mechanism", mechanism_name(r->mechanism), "syscall",
					 r->syscall, t->by ? t->by : NULL, r->group, "le", le, NULL };
		const char *totals[] = ROW_LABELS(t, r);
		__u64 cumulative = 0;

		if (!t->by) /* "le" follows the labels that are there */
			labels[4] = "le", labels[5] = le, labels[6] = NULL;
		for (int slot = 0; slot < HIST_SLOTS; slot++) {
			cumulative += r->exposed.hist[slot];
			if (slot < HIST_SLOTS - 1)
				format_seconds(le, sizeof(le), (1ULL << slot) - 1);
			else
				snprintf(le, sizeof(le), "+Inf");
			sample(out, "ipctrace_syscall_duration_seconds_bucket", labels, cumulative);
		}
		sample_seconds(out, "ipctrace_syscall_duration_seconds_sum", totals,
			       r->exposed.total_ns);
		sample(out, "ipctrace_syscall_duration_seconds_count", totals, cumulative);
	}
}

static void write_mechanisms(FILE *out, enum exposition_format f, const struct summary *s)
{
	family(out, f, "ipctrace_wakeups_total", COUNTER,
	       "Wake-ups of traced tasks, by the mechanism of the waker's syscall (other: an "
	       "untraced waker or a non-IPC call; timer: a timer or the idle task).");
	for (int m = MECH_NONE + 1; m < MECH__COUNT; m++) {
		const char *labels[] = { "mechanism", mechanism_name(m), NULL };

		sample(out, "ipctrace_wakeups_total", labels, s->mechanisms[m].wakeups);
	}
	family(out, f, "ipctrace_blocked_seconds_total", COUNTER,
	       "Time traced tasks slept inside IPC syscalls.");
	for_each_ipc_mechanism(m) {
		const char *labels[] = { "mechanism", mechanism_name(m), NULL };

		sample_seconds(out, "ipctrace_blocked_seconds_total", labels,
			       s->mechanisms[m].blocked_ns);
	}
	family(out, f, "ipctrace_contention_seconds_total", COUNTER,
	       "Time traced tasks waited inside IPC syscalls on a lock another task held.");
	for_each_ipc_mechanism(m) {
		const char *labels[] = { "mechanism", mechanism_name(m), NULL };

		sample_seconds(out, "ipctrace_contention_seconds_total", labels,
			       s->mechanisms[m].contention_ns);
	}
}

static void write_signals(FILE *out, enum exposition_format f, const struct summary *s)
{
	static const struct {
		const char *outcome;
		size_t offset;
	} outcomes[] = {
		{ "generated", offsetof(struct signal_stats, generated) },
		{ "delivered", offsetof(struct signal_stats, delivered) },
		{ "ignored", offsetof(struct signal_stats, ignored) },
	};

	family(out, f, "ipctrace_signals_total", COUNTER,
	       "Signals sent to traced tasks: generated, delivered, or not queued (ignored, "
	       "already pending, dropped).");
	for (int sig = 1; sig < SIGNALS_MAX; sig++) {
		const struct signal_stats *st = &s->signals[sig];
		const char *name = signal_name(sig);

		if (!name || !(st->generated || st->delivered || st->ignored))
			continue; /* a signal once seen stays: the counts only grow */
		for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
			const char *labels[] = { "signal", name, "outcome", outcomes[o].outcome, NULL };

			sample(out, "ipctrace_signals_total", labels,
			       *(const __u64 *)((const char *)st + outcomes[o].offset));
		}
	}
}

static void write_self(FILE *out, enum exposition_format f, const struct series_table *t,
		       const struct summary *s, const struct exposition_self *self)
{
	const char *build[] = { "version", self->version, "kernel", self->kernel, NULL };
	struct timespec now;

	family(out, f, "ipctrace_build_info", INFO, "The ipctrace serving these metrics.");
	sample(out, "ipctrace_build_info", build, 1);
	family(out, f, "ipctrace_lost_events_total", COUNTER,
	       "What a BPF map could not record, by map (the counts above miss it).");
	for (size_t i = 0; i < drop_field_count; i++) {
		const char *labels[] = { "map", drop_fields[i].name, NULL };

		sample(out, "ipctrace_lost_events_total", labels, drop_value(&s->drops, &drop_fields[i]));
	}
	family(out, f, "ipctrace_series_dropped_total", COUNTER,
	       "Series not made because --max-series was reached: their counts went to the "
	       "group \"other\".");
	sample(out, "ipctrace_series_dropped_total", NULL, series_table_dropped(t));
	family(out, f, "ipctrace_series", GAUGE,
	       "Series of the (mechanism, syscall, group) rows, --max-series bounds them.");
	sample(out, "ipctrace_series", NULL, series_table_series(t));
	family(out, f, "ipctrace_traced_tasks", GAUGE, "Threads traced now.");
	sample(out, "ipctrace_traced_tasks", NULL, self->traced_tasks > 0 ? self->traced_tasks : 0);
	family(out, f, "ipctrace_collections_total", COUNTER,
	       "Times the kernel maps were read (an exposition is reused for up to 1 s).");
	sample(out, "ipctrace_collections_total", NULL, self->collections);
	if (self->bpf_stats) {
		family(out, f, "ipctrace_bpf_program_run_seconds_total", COUNTER,
		       "Time the kernel ran each ipctrace BPF program (kernel.bpf_stats_enabled).");
		for (size_t i = 0; i < self->nprograms; i++) {
			const char *labels[] = { "program", self->programs[i].name, NULL };

			sample_seconds(out, "ipctrace_bpf_program_run_seconds_total", labels,
				       self->programs[i].run_ns);
		}
		family(out, f, "ipctrace_bpf_program_runs_total", COUNTER,
		       "Runs of each ipctrace BPF program (kernel.bpf_stats_enabled).");
		for (size_t i = 0; i < self->nprograms; i++) {
			const char *labels[] = { "program", self->programs[i].name, NULL };

			sample(out, "ipctrace_bpf_program_runs_total", labels, self->programs[i].runs);
		}
	}
	/* last, so that it covers reading the maps and writing all the above */
	clock_gettime(CLOCK_MONOTONIC, &now);
	family(out, f, "ipctrace_scrape_duration_seconds", GAUGE,
	       "Time to read the kernel maps and write this exposition.");
	sample_seconds(out, "ipctrace_scrape_duration_seconds", NULL,
		       (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec - self->started_ns);
}

int exposition_write(FILE *out, enum exposition_format f, const struct series_table *t,
		     const struct summary *s, const struct exposition_self *self)
{
	write_row_counters(out, f, t);
	write_histograms(out, f, t);
	write_mechanisms(out, f, s);
	write_signals(out, f, s);
	write_self(out, f, t, s, self);
	if (f == EXPOSITION_OPENMETRICS)
		fputs("# EOF\n", out);
	return ferror(out) ? -1 : 0;
}
