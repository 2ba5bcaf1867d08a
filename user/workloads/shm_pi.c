// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * shm-pi: the tutorial's shared memory section as code: the children add
 * their partial sums into one total in POSIX shared memory, "using a
 * semaphore to control the order in which all children write" (here a
 * process-shared sem_t in the same mapping).
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   openat    1   shm_open: /dev/shm/ipctrace.<rundir>.shm, O_CREAT|O_EXCL|O_RDWR
 *   ftruncate 1
 *   mmap      1   MAP_SHARED of that fd
 *   close     1   the fd, once mapped
 *   clone     C
 *   wait4     C
 *   munmap    1
 *   unlink    1   shm_unlink
 *   write     1 to stdout
 *   futex     varies: sem_wait and sem_post call futex (shared, not
 *                     private) only when contended; usually 0
 *   standalone only: mkdir 1 + rmdir 1 (the run directory names the object)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

struct shared_sum {
	sem_t lock; /* 1: one child at a time adds */
	double total;
	int done;   /* children that added their slice */
};

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int shm_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	char *name = posix_name("shm");
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0)
		die_errno("shm_open %s", name);
	int shm_cleanup = on_cleanup_shm_unlink(name);
	if (ftruncate(fd, sizeof(struct shared_sum)) < 0)
		die_errno("ftruncate %s", name);
	struct shared_sum *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED)
		die_errno("mmap %s", name);
	close(fd);
	if (sem_init(&shared->lock, 1, 1) < 0)
		die_errno("sem_init");

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			while (sem_wait(&shared->lock) < 0 && errno == EINTR)
				;
			shared->total += s;
			shared->done++;
			sem_post(&shared->lock);
			_exit(0);
		}
		pids[i] = pid;
	}

	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	if (shared->done != children) {
		warn("%d of %ld children added their slice", shared->done, children);
		status = 1;
	}
	if (report_pi(shared->total, n) != 0)
		status = 1;

	sem_destroy(&shared->lock);
	munmap(shared, sizeof(*shared));
	shm_unlink(name);
	cleanup_done(shm_cleanup);
	return status;
}
