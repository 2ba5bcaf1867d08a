// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --timeline: the BPF ring buffer, drained by a thread on its own clock,
 * written as Chrome Trace Event Format JSON (Perfetto UI, chrome://tracing).
 * A track per thread; syscalls and blocked periods as complete slices,
 * wake-ups as flow arrows, signals as instant events.
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "classify.h"
#include "mechanisms.h"
#include "output.h"
#include "timeline.h"
#include "exitcodes.h"

#define DRAIN_PERIOD_NS 10000000 /* 10 ms */
#define SEEN_SLOTS 65536

struct timeline {
	struct output_file file;
	FILE *out;
	struct ring_buffer *rb;
	pthread_t thread;
	atomic_bool stop;
	__u64 t0_ns;
	__u64 events;
	__u64 flow_id;
	__u64 seen[SEEN_SLOTS]; /* (pid << 32 | tid) + 1 of every track, open addressing */
	size_t nseen;
};

static void remember_track(struct timeline *tl, __u32 pid, __u32 tid)
{
	__u64 key = ((__u64)pid << 32 | tid) + 1;
	size_t slot = (key * 0x9e3779b97f4a7c15ULL) >> 48;

	if (tl->nseen >= SEEN_SLOTS / 2)
		return; /* the tracks still show, just unnamed */
	while (tl->seen[slot] && tl->seen[slot] != key)
		slot = (slot + 1) % SEEN_SLOTS;
	if (!tl->seen[slot]) {
		tl->seen[slot] = key;
		tl->nseen++;
	}
}

static double ts_us(const struct timeline *tl, __u64 ns)
{
	return ns >= tl->t0_ns ? (ns - tl->t0_ns) / 1e3 : 0.0;
}

/* Every name printed here comes from ipctrace's own tables (syscall,
 * mechanism, futex operation, signal names): identifiers that need no JSON
 * escaping.  Per-event output is hot; user strings go through jansson. */
static int handle_event(void *ctx, void *data, size_t size)
{
	struct timeline *tl = ctx;
	const struct event *e = data;
	const char *mech = mechanism_name(e->mechanism);
	FILE *out = tl->out;

	if (size < sizeof(*e))
		return 0;
	tl->events++;
	remember_track(tl, e->pid, e->tid);
	switch (e->kind) {
	case EVENT_SYSCALL: {
		const char *name = syscall_name(e->nr), *op = futex_op_name(e->op);

		fprintf(out, ",\n{\"ph\":\"X\",\"cat\":\"syscall\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,"
			"\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"mechanism\":\"%s\",\"fd_kind\":\"%s\","
			"\"bytes\":%llu,\"result\":%lld%s%s%s}}",
			name ? name : "syscall", e->pid, e->tid, ts_us(tl, e->start_ns),
			e->duration_ns / 1e3, mech, mech, (unsigned long long)e->bytes,
			(long long)e->result, op ? ",\"op\":\"" : "", op ? op : "", op ? "\"" : "");
		break;
	}
	case EVENT_BLOCKED:
		fprintf(out, ",\n{\"ph\":\"X\",\"cat\":\"blocked\",\"name\":\"blocked\",\"pid\":%u,"
			"\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"mechanism\":\"%s\"}}",
			e->pid, e->tid, ts_us(tl, e->start_ns), e->duration_ns / 1e3, mech);
		break;
	case EVENT_WAKEUP:
		tl->flow_id++;
		remember_track(tl, e->other_pid, e->other_tid);
		fprintf(out, ",\n{\"ph\":\"s\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%llu,"
			"\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"args\":{\"mechanism\":\"%s\"}}"
			",\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%llu,"
			"\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"args\":{\"mechanism\":\"%s\"}}",
			(unsigned long long)tl->flow_id, e->pid, e->tid, ts_us(tl, e->start_ns), mech,
			(unsigned long long)tl->flow_id, e->other_pid, e->other_tid,
			ts_us(tl, e->start_ns), mech);
		break;
	case EVENT_SIGNAL_GENERATE:
	case EVENT_SIGNAL_DELIVER: {
		bool generated = e->kind == EVENT_SIGNAL_GENERATE;
		const char *sig = signal_name(e->op);

		/* both on the receiving thread's track */
		fprintf(out, ",\n{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"signal\",\"name\":\"%s %s\","
			"\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"args\":{\"signo\":%u,\"sender_pid\":%u}}",
			sig ? sig : "signal", generated ? "generated" : "delivered",
			generated ? e->other_pid : e->pid, generated ? e->other_tid : e->tid,
			ts_us(tl, e->start_ns), e->op, e->pid);
		break;
	}
	}
	return 0;
}

static void *drain(void *arg)
{
	struct timeline *tl = arg;
	struct timespec period = { .tv_nsec = DRAIN_PERIOD_NS };

	while (!atomic_load(&tl->stop)) {
		ring_buffer__consume(tl->rb);
		nanosleep(&period, NULL);
	}
	return NULL;
}

struct timeline *timeline_open(const char *path, int ringbuf_fd, __u64 t0_ns)
{
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	tl->t0_ns = t0_ns;
	if (output_file_open(&tl->file, path)) {
		free(tl);
		return NULL;
	}
	tl->out = tl->file.f;
	tl->rb = ring_buffer__new(ringbuf_fd, handle_event, tl, NULL);
	if (!tl->rb) {
		fprintf(stderr, "ipctrace: cannot set up the timeline: %s\n", strerror(errno));
		goto fail;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
	      "{\"ph\":\"M\",\"name\":\"ipctrace\",\"pid\":0,\"tid\":0,\"args\":{}}", tl->out);
	if (pthread_create(&tl->thread, NULL, drain, tl)) {
		fprintf(stderr, "ipctrace: cannot start the timeline thread\n");
		goto fail;
	}
	return tl;
fail:
	ring_buffer__free(tl->rb);
	output_file_discard(&tl->file);
	free(tl);
	return NULL;
}

static const char *comm_of(const struct summary *s, __u32 pid)
{
	for (size_t i = 0; i < s->nprocesses; i++)
		if (s->processes[i].pid == pid)
			return s->processes[i].comm;
	return "?";
}

static void write_metadata(struct timeline *tl, const struct summary *s)
{
	for (size_t i = 0; i < SEEN_SLOTS; i++) {
		__u64 key = tl->seen[i];
		__u32 pid, tid;
		char name[64];
		json_t *meta;

		if (!key)
			continue;
		pid = (key - 1) >> 32;
		tid = (__u32)(key - 1);
		if (!pid)
			continue;
		snprintf(name, sizeof(name), "%u/%s", tid, comm_of(s, pid));
		meta = json_pack("{ss ss sI sI s{ss}}", "ph", "M", "name", "thread_name",
				 "pid", (json_int_t)pid, "tid", (json_int_t)tid, "args", "name", name);
		fputs(",\n", tl->out);
		json_dumpf(meta, tl->out, JSON_COMPACT);
		json_decref(meta);
		if (pid == tid) {
			snprintf(name, sizeof(name), "%u/%s", pid, comm_of(s, pid));
			meta = json_pack("{ss ss sI sI s{ss}}", "ph", "M", "name", "process_name",
					 "pid", (json_int_t)pid, "tid", (json_int_t)tid, "args",
					 "name", name);
			fputs(",\n", tl->out);
			json_dumpf(meta, tl->out, JSON_COMPACT);
			json_decref(meta);
		}
	}
}

int timeline_close(struct timeline *tl, const struct summary *s)
{
	json_t *other;
	int err = 0;

	atomic_store(&tl->stop, true);
	pthread_join(tl->thread, NULL);
	ring_buffer__consume(tl->rb); /* what came in after the last drain */
	ring_buffer__free(tl->rb);
	write_metadata(tl, s);
	other = json_pack("{ss sI sI}", "schema", "ipctrace.timeline/1",
			  "events", (json_int_t)tl->events,
			  "lost_events", (json_int_t)s->drops.events_lost);
	fputs("\n],\n\"otherData\":", tl->out);
	json_dumpf(other, tl->out, JSON_COMPACT);
	json_decref(other);
	fputs("}\n", tl->out);
	err = output_file_close(&tl->file, ferror(tl->out) ? EIO : 0);
	free(tl);
	return err;
}

void timeline_abort(struct timeline *tl)
{
	if (!tl)
		return;
	atomic_store(&tl->stop, true);
	pthread_join(tl->thread, NULL);
	ring_buffer__free(tl->rb);
	output_file_discard(&tl->file);
	free(tl);
}
