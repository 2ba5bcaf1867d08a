// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pipe-pi: the tutorial's pipe example.  pi^2/8 = sum 1/(2k+1)^2 for
 * k >= 0; the parent cuts the first n terms into one slice per child, and
 * each child sends its partial sum back through a pipe of its own.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   pipe2   C         one per child, O_CLOEXEC
 *   clone   C
 *   write   C         each child: its sum as text ("%.17g"), one write
 *   read    C         parent: one read(r, buf, 1024) per pipe, in child order
 *   close   4C        parent: each write end, each read end; child: both ends
 *   wait4   C
 *   write   1 to stdout ("pi = ...")
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one pipe each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int pipe_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int read_ends[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	for (long i = 0; i < children; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) < 0)
			die_errno("pipe2");
		pid_t pid = fork_child();
		if (pid == 0) {
			close(fds[0]); /* the child only writes */
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			char text[32];
			int len = snprintf(text, sizeof(text), "%.17g", s);
			if (write(fds[1], text, len) != len)
				die_errno("child %ld: write to its pipe", i);
			close(fds[1]);
			_exit(0);
		}
		pids[i] = pid;
		read_ends[i] = fds[0];
		close(fds[1]); /* the parent only reads */
	}

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		char buf[1024];
		double s;

		ssize_t len = read(read_ends[i], buf, sizeof(buf));
		if (len < 0)
			die_errno("read from child %ld's pipe", i);
		if (parse_sum(buf, len, &s))
			total += s;
		else
			warn("child %ld sent no partial sum", i);
		close(read_ends[i]);
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	}
	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
