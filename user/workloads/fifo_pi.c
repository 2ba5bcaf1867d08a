// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fifo-pi: the tutorial's named pipe example, made deterministic.  The
 * children write fixed-size records into one FIFO; the parent opens it
 * once to read, and once more to write, so that it never sees end of file
 * between two children (the tutorial reopens the FIFO in a loop instead).
 * A record is 32 bytes, below PIPE_BUF, so each write is atomic and each
 * read(fd, buf, 32) returns exactly one record.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   mknodat 1         mkfifo(<rundir>/fifo, 0600)
 *   clone   C
 *   openat  C + 2     each child: O_WRONLY; parent: O_RDONLY, then O_WRONLY
 *   write   C         each child: one 32-byte record "%-31.17g\n"
 *   read    C         parent: read(fd, buf, 32) per record
 *   close   C + 2
 *   wait4   C
 *   unlink  1         the FIFO
 *   write   1 to stdout
 *   standalone only (no IPCTRACE_RUNDIR): mkdir 1 + rmdir 1 (the run directory)
 * If a child dies before writing, the parent blocks in read: the
 * keep-alive writer is the price of exactly C reads.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define RECORD_SIZE 32

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int fifo_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	char *fifo = rundir_path("fifo");
	if (mkfifo(fifo, 0600) < 0)
		die_errno("mkfifo %s", fifo);
	int fifo_cleanup = on_cleanup_unlink(fifo);

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			char record[RECORD_SIZE + 1];
			snprintf(record, sizeof(record), "%-31.17g\n", s);
			int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* waits for the reader */
			if (fd < 0)
				die_errno("child %ld: open %s", i, fifo);
			if (write(fd, record, RECORD_SIZE) != RECORD_SIZE)
				die_errno("child %ld: write to the FIFO", i);
			close(fd);
			_exit(0);
		}
		pids[i] = pid;
	}

	int reader = open(fifo, O_RDONLY | O_CLOEXEC); /* waits for a first child */
	if (reader < 0)
		die_errno("open %s for reading", fifo);
	int keep_alive = open(fifo, O_WRONLY | O_CLOEXEC); /* no EOF between children */
	if (keep_alive < 0)
		die_errno("open %s for writing", fifo);

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		char record[RECORD_SIZE];
		double s;

		ssize_t len = read(reader, record, RECORD_SIZE);
		if (len < 0)
			die_errno("read from the FIFO");
		if (parse_sum(record, len, &s))
			total += s;
		else
			warn("record %ld of the FIFO is not a partial sum", i);
	}
	close(reader);
	close(keep_alive);
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	unlink(fifo);
	cleanup_done(fifo_cleanup);

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
