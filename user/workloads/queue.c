// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pipe queue of producer-consumer and joinable-queue: see queue.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common.h"
#include "queue.h"

void queue_open(struct pipe_queue *q)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		die_errno("pipe2 for the queue");
	q->read_end = fds[0];
	q->write_end = fds[1];
}

void queue_put(struct pipe_queue *q, const struct queue_record *record)
{
	ssize_t len;

	while ((len = write(q->write_end, record, sizeof(*record))) < 0 && errno == EINTR)
		;
	if (len < 0)
		die_errno("queue put");
	if (len != sizeof(*record))
		die("queue put: %zd bytes written instead of %zu", len, sizeof(*record));
}

void queue_get(struct pipe_queue *q, struct queue_record *record)
{
	ssize_t len;

	while ((len = read(q->read_end, record, sizeof(*record))) < 0 && errno == EINTR)
		;
	if (len < 0)
		die_errno("queue get");
	if (len != sizeof(*record))
		die("queue get: %zd bytes instead of one %zu-byte record", len, sizeof(*record));
}

void queue_close(struct pipe_queue *q)
{
	close(q->read_end);
	close(q->write_end);
}
