// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * file-pi: the tutorial's temporary file example.  Each child writes its
 * partial sum to <rundir>/<its pid>; the parent waits for each child in
 * turn, then reads, and removes, its file.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   clone   C
 *   getpid  C         each child: its file name
 *   openat  2C        child: O_CREAT|O_WRONLY|O_TRUNC; parent: O_RDONLY
 *   write   C         each child: its sum as "%.17g", one write
 *   read    C         parent: one read(fd, buf, 1024) per file
 *   close   2C
 *   wait4   C
 *   unlink  C
 *   write   1 to stdout
 *   standalone only: mkdir 1 + rmdir 1 (the run directory)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one file each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int file_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	char *paths[MAX_CHILDREN];
	int path_cleanups[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);
	const char *dir = rundir();

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			char path[4096], text[32];
			snprintf(path, sizeof(path), "%s/%d", dir, (int)getpid());
			int len = snprintf(text, sizeof(text), "%.17g", s);
			int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
			if (fd < 0)
				die_errno("child %ld: open %s", i, path);
			if (write(fd, text, len) != len)
				die_errno("child %ld: write %s", i, path);
			close(fd);
			_exit(0);
		}
		pids[i] = pid;
		/* The child creates the file, but only the parent removes it. */
		char name[16];
		snprintf(name, sizeof(name), "%d", (int)pid);
		paths[i] = rundir_path(name);
		path_cleanups[i] = on_cleanup_unlink(paths[i]);
	}

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		char buf[1024];
		double s;

		if (!exited_ok(wait_child(pids[i])))
			status = 1;
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("open %s", paths[i]);
		ssize_t len = read(fd, buf, sizeof(buf));
		if (len < 0)
			die_errno("read %s", paths[i]);
		if (parse_sum(buf, len, &s))
			total += s;
		else
			warn("%s holds no partial sum", paths[i]);
		close(fd);
		unlink(paths[i]);
		cleanup_done(path_cleanups[i]);
	}

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
