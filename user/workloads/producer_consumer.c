// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * producer-consumer: the tutorial's Queue example, in its second form:
 * once the producers are done, the parent puts one sentinel (the
 * tutorial's None) per consumer, and each consumer stops at its sentinel.
 * The queue is a pipe of fixed-size records (queue.h).  A shared tally
 * counts how often each item was eaten and how many items each consumer
 * ate, so the parent can check that every item was eaten exactly once.
 *
 * Exact profile (P = --producers, I = --items, C = --consumers),
 * besides the prologue of common.h:
 *   pipe2           1           the queue, O_CLOEXEC
 *   mmap            1           MAP_SHARED|MAP_ANONYMOUS, the tally
 *   clone           P + C
 *   write           P*I + C     one per item, one per sentinel (parent)
 *   read            P*I + C     one per item, one per sentinel
 *   wait4           P + C
 *   close           2           parent, at the end (children close nothing)
 *   munmap          1
 *   clock_nanosleep P*I each if --produce-ms > 0, P*I if --consume-ms > 0
 *   write           P*I + 1 to stdout when P*I <= 20 (a line per item
 *                   eaten), else 1
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "queue.h"

#define MAX_PRODUCERS 100
#define MAX_CONSUMERS 100
#define QUIET_ABOVE 20 /* items: consumers print only for small runs */

struct tally {
	long eaten_by[MAX_CONSUMERS]; /* items each consumer ate */
	int times_eaten[];            /* per item: producer * items + item */
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

static void producer(struct pipe_queue *q, long p)
{
	for (long i = 0; i < items; i++) {
		struct queue_record bun = { .producer = p, .item = i };
		sleep_ms(produce_ms);
		snprintf(bun.text, sizeof(bun.text), "bun %ld from producer %ld", i, p);
		queue_put(q, &bun);
	}
}

static void consumer(struct pipe_queue *q, long c, struct tally *tally)
{
	for (;;) {
		struct queue_record bun;
		queue_get(q, &bun);
		if (bun.sentinel)
			break;
		sleep_ms(consume_ms);
		if (producers * items <= QUIET_ABOVE)
			printf("consumer %ld ate %s\n", c, bun.text);
		__atomic_fetch_add(&tally->times_eaten[bun.producer * items + bun.item], 1, __ATOMIC_RELAXED);
		tally->eaten_by[c]++;
	}
}

int producer_consumer_main(int argc, char **argv)
{
	pid_t producer_pids[MAX_PRODUCERS], consumer_pids[MAX_CONSUMERS];
	int status = 0;

	parse_options(argc, argv, options);
	long total = producers * items;

	struct pipe_queue q;
	queue_open(&q); /* q = Queue() */
	size_t tally_size = sizeof(struct tally) + total * sizeof(int);
	struct tally *tally = map_shared(tally_size);

	for (long p = 0; p < producers; p++) {
		producer_pids[p] = fork_child();
		if (producer_pids[p] == 0) {
			producer(&q, p);
			_exit(0);
		}
	}
	for (long c = 0; c < consumers; c++) {
		consumer_pids[c] = fork_child();
		if (consumer_pids[c] == 0) {
			consumer(&q, c, tally);
			_exit(0);
		}
	}

	for (long p = 0; p < producers; p++)
		if (!exited_ok(wait_child(producer_pids[p])))
			status = 1;
	for (long c = 0; c < consumers; c++) {
		struct queue_record sentinel = { .sentinel = 1 }; /* q.put(None) */
		queue_put(&q, &sentinel);
	}
	for (long c = 0; c < consumers; c++)
		if (!exited_ok(wait_child(consumer_pids[c])))
			status = 1;

	long eaten_once = 0, eaten = 0;
	for (long i = 0; i < total; i++)
		eaten_once += tally->times_eaten[i] == 1;
	for (long c = 0; c < consumers; c++)
		eaten += tally->eaten_by[c];
	printf("consumed %ld of %ld items exactly once\n", eaten_once, total);
	if (eaten_once != total || eaten != total) {
		warn("consumers ate %ld items in all, %ld of them exactly once, of %ld", eaten,
		     eaten_once, total);
		status = 1;
	}

	queue_close(&q);
	munmap(tally, tally_size);
	return status;
}
