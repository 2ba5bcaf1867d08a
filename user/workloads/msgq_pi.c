// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msgq-pi: the pi example through a System V message queue (the
 * tutorial's sysv_ipc).  Each child sends its partial sum as one message;
 * the parent receives one per child.  With many children the queue fills
 * (kernel.msgmnb bytes) and senders wait for room.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   newfstatat 1   ftok(<rundir>, 'q')
 *   msgget     1   IPC_CREAT|IPC_EXCL|0600
 *   clone      C
 *   msgsnd     C   each child: one message, its sum as "%.17g"
 *   msgrcv     C   parent
 *   wait4      C
 *   msgctl     1   IPC_RMID
 *   write      1 to stdout
 *   standalone only: mkdir 1 + rmdir 1 (the run directory makes the key)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "common.h"

struct partial_sum_message {
	long mtype; /* > 0, unused: the parent takes messages in arrival order */
	char text[64];
};

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one message each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int msgq_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	int msqid = msgget(rundir_key('q'), IPC_CREAT | IPC_EXCL | 0600);
	if (msqid < 0)
		die_errno("msgget (a stale queue? see ipcs -q)");
	int msq_cleanup = on_cleanup_msgctl_rmid(msqid);

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			struct partial_sum_message message = { .mtype = 1 };
			int len = snprintf(message.text, sizeof(message.text), "%.17g", s);
			if (msgsnd(msqid, &message, len, 0) < 0)
				die_errno("child %ld: msgsnd", i);
			_exit(0);
		}
		pids[i] = pid;
	}

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		struct partial_sum_message message;
		double s;

		ssize_t len = msgrcv(msqid, &message, sizeof(message.text), 0, 0);
		if (len < 0)
			die_errno("msgrcv");
		if (parse_sum(message.text, len, &s))
			total += s;
		else
			warn("message %ld is not a partial sum", i);
	}
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	msgctl(msqid, IPC_RMID, NULL);
	cleanup_done(msq_cleanup);

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
