// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * joinable-queue: the tutorial's JoinableQueue example.  Each put counts
 * an unfinished task; a consumer calls task_done() once it has handled an
 * item; a producer's join() waits until no task is unfinished.  Like
 * multiprocessing's, the count is guarded by a (process-shared) mutex and
 * condition variable; the items go through the pipe queue of queue.h.
 *
 * The tutorial's consumers are daemons, killed when the main process
 * ends.  Here, once every producer has returned from join() (so every
 * item has been handled), the parent puts one sentinel per consumer and
 * waits for them: every syscall then completes and the profile is exact,
 * where a SIGTERM would leave each consumer's last read unfinished.
 *
 * Exact profile (P = --producers, I = --items, C = --consumers),
 * besides the prologue of common.h:
 *   pipe2           1           the queue, O_CLOEXEC
 *   mmap            1           MAP_SHARED|MAP_ANONYMOUS: counter, mutex,
 *                               condition variable, tally
 *   clone           P + C
 *   write           P*I + C     one per item, one per sentinel (parent)
 *   read            P*I + C     one per item, one per sentinel
 *   wait4           P + C
 *   close           2           parent, at the end
 *   munmap          1
 *   clock_nanosleep P*I each if --produce-ms > 0, P*I if --consume-ms > 0
 *   futex           varies: join() sleeps on the condition variable unless
 *                   the work is already done; task_done() wakes only if
 *                   someone sleeps; contended mutexes add a few
 *   write           P*I + 1 to stdout when P*I <= 20, else 1
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "queue.h"

#define MAX_PRODUCERS 100
#define MAX_CONSUMERS 100
#define QUIET_ABOVE 20 /* items: consumers print only for small runs */

/* What multiprocessing.JoinableQueue adds to a Queue, plus our tally. */
struct joinable {
	pthread_mutex_t lock;
	pthread_cond_t all_done; /* broadcast when unfinished drops to 0 */
	long unfinished;         /* items put and not yet task_done() */
	int times_done[];        /* per item: producer * items + item */
};

static long producers = 3;
static long items = 3;
static long consumers = 2;
static long produce_ms = 0;
static long consume_ms = 0;

static const struct option_spec options[] = {
	INT_OPTION("producers", &producers, 1, MAX_PRODUCERS, "producer processes"),
	INT_OPTION("items", &items, 1, 100000, "items each producer puts"),
	INT_OPTION("consumers", &consumers, 1, MAX_CONSUMERS, "consumer processes"),
	INT_OPTION("produce-ms", &produce_ms, 0, 60000, "pause before each put"),
	INT_OPTION("consume-ms", &consume_ms, 0, 60000, "pause after each get"),
	{ 0 },
};

/* Count the task before the item can be seen, so join() never sees 0 early. */
static void put(struct pipe_queue *q, struct joinable *j, const struct queue_record *record)
{
	pthread_mutex_lock(&j->lock);
	j->unfinished++;
	pthread_mutex_unlock(&j->lock);
	queue_put(q, record);
}

static void task_done(struct joinable *j)
{
	pthread_mutex_lock(&j->lock);
	if (--j->unfinished == 0)
		pthread_cond_broadcast(&j->all_done);
	pthread_mutex_unlock(&j->lock);
}

static void join(struct joinable *j)
{
	pthread_mutex_lock(&j->lock);
	while (j->unfinished > 0)
		pthread_cond_wait(&j->all_done, &j->lock);
	pthread_mutex_unlock(&j->lock);
}

static void producer(struct pipe_queue *q, struct joinable *j, long p)
{
	for (long i = 0; i < items; i++) {
		struct queue_record bun = { .producer = p, .item = i };
		sleep_ms(produce_ms);
		snprintf(bun.text, sizeof(bun.text), "bun %ld from producer %ld", i, p);
		put(q, j, &bun);
	}
	join(j); /* q.join(): wait until every item put so far was handled */
}

static void consumer(struct pipe_queue *q, struct joinable *j, long c)
{
	for (;;) {
		struct queue_record bun;
		queue_get(q, &bun);
		if (bun.sentinel)
			break;
		sleep_ms(consume_ms);
		if (producers * items <= QUIET_ABOVE)
			printf("consumer %ld ate %s\n", c, bun.text);
		__atomic_fetch_add(&j->times_done[bun.producer * items + bun.item], 1, __ATOMIC_RELAXED);
		task_done(j);
	}
}

int joinable_queue_main(int argc, char **argv)
{
	pid_t producer_pids[MAX_PRODUCERS], consumer_pids[MAX_CONSUMERS];
	int status = 0;

	parse_options(argc, argv, options);
	long total = producers * items;

	struct pipe_queue q;
	queue_open(&q); /* q = JoinableQueue() */
	size_t shared_size = sizeof(struct joinable) + total * sizeof(int);
	struct joinable *j = map_shared(shared_size);
	shared_mutex_init(&j->lock);
	shared_cond_init(&j->all_done);

	for (long p = 0; p < producers; p++) {
		producer_pids[p] = fork_child();
		if (producer_pids[p] == 0) {
			producer(&q, j, p);
			_exit(0);
		}
	}
	for (long c = 0; c < consumers; c++) {
		consumer_pids[c] = fork_child();
		if (consumer_pids[c] == 0) {
			consumer(&q, j, c);
			_exit(0);
		}
	}

	/* p.join() for each producer: after the last, every item is handled. */
	for (long p = 0; p < producers; p++)
		if (!exited_ok(wait_child(producer_pids[p])))
			status = 1;
	/* The consumers' end: the tutorial's daemons die with the parent. */
	for (long c = 0; c < consumers; c++) {
		struct queue_record sentinel = { .sentinel = 1 };
		queue_put(&q, &sentinel);
	}
	for (long c = 0; c < consumers; c++)
		if (!exited_ok(wait_child(consumer_pids[c])))
			status = 1;

	long done_once = 0;
	for (long i = 0; i < total; i++)
		done_once += j->times_done[i] == 1;
	if (done_once == total && j->unfinished == 0) {
		printf("all %ld items processed\n", total);
	} else {
		warn("%ld of %ld items processed exactly once, %ld unfinished", done_once, total,
		     j->unfinished);
		status = 1;
	}

	pthread_cond_destroy(&j->all_done);
	pthread_mutex_destroy(&j->lock);
	queue_close(&q);
	munmap(j, shared_size);
	return status;
}
