/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A blocking queue made the way multiprocessing.Queue is: a pipe carrying
 * records.  Every record is the same size and smaller than PIPE_BUF, so a
 * put is one atomic write(2) and a get is one read(2) that returns exactly
 * one record, however many processes put and get at once.
 */
#ifndef IPCTRACE_WORKLOAD_QUEUE_H
#define IPCTRACE_WORKLOAD_QUEUE_H

#include <limits.h>

struct queue_record {
	int sentinel; /* 1: no more items, the tutorial's q.put(None) */
	int producer;
	int item;     /* per producer, from 0 */
	char text[52];
};
_Static_assert(sizeof(struct queue_record) <= PIPE_BUF, "a record must be written atomically");

struct pipe_queue {
	int read_end;
	int write_end;
};

/* pipe2(O_CLOEXEC); dies on failure. */
void queue_open(struct pipe_queue *q);
/* One write(2); blocks while the pipe is full. */
void queue_put(struct pipe_queue *q, const struct queue_record *record);
/* One read(2); blocks while the pipe is empty. */
void queue_get(struct pipe_queue *q, struct queue_record *record);
/* close(2) both ends. */
void queue_close(struct pipe_queue *q);

#endif /* IPCTRACE_WORKLOAD_QUEUE_H */
