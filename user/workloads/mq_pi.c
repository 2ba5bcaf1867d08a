// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mq-pi: the pi example through a POSIX message queue (the tutorial's
 * section 5 names posix_ipc without code; this is that example).  Each
 * child sends its partial sum as one message; the parent receives one
 * per child.  The queue holds at most 10 messages (the default
 * fs.mqueue.msg_max): with more children, senders wait for room.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   mq_open          1   /ipctrace.<rundir>.mq, O_CREAT|O_EXCL|O_RDWR
 *   clone            C
 *   mq_timedsend     C   each child: one message, its sum as "%.17g"
 *   mq_timedreceive  C   parent
 *   wait4            C
 *   close            1   mq_close
 *   mq_unlink        1
 *   write            1 to stdout
 *   standalone only: mkdir 1 + rmdir 1 (the run directory names the queue)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define MESSAGE_SIZE 64
#define QUEUE_DEPTH_MAX 10 /* fs.mqueue.msg_max, the limit without privileges */

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one message each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int mq_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	char *name = posix_name("mq");
	struct mq_attr attr = {
		.mq_maxmsg = children < QUEUE_DEPTH_MAX ? children : QUEUE_DEPTH_MAX,
		.mq_msgsize = MESSAGE_SIZE,
	};
	mqd_t mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
	if (mq == (mqd_t)-1)
		die_errno("mq_open %s", name);
	int mq_cleanup = on_cleanup_mq_unlink(name);

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			char text[MESSAGE_SIZE];
			int len = snprintf(text, sizeof(text), "%.17g", s);
			if (mq_send(mq, text, len, 0) < 0)
				die_errno("child %ld: mq_send", i);
			_exit(0);
		}
		pids[i] = pid;
	}

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		char text[MESSAGE_SIZE];
		double s;

		ssize_t len = mq_receive(mq, text, sizeof(text), NULL);
		if (len < 0)
			die_errno("mq_receive");
		if (parse_sum(text, len, &s))
			total += s;
		else
			warn("message %ld is not a partial sum", i);
	}
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	mq_close(mq);
	mq_unlink(name);
	cleanup_done(mq_cleanup);

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
