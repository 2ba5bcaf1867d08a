// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lock-print: the tutorial's mutex example (multiprocessing.Lock).  Each
 * child holds one process-shared mutex while it prints "running", sleeps
 * and prints "done", so the pairs never interleave.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   mmap            1   MAP_SHARED|MAP_ANONYMOUS, the mutex
 *   clone           C
 *   getpid          C   each child, for its messages
 *   write           2C to stdout, two lines per child, in lock order
 *   clock_nanosleep C   each child: --hold-ms (none when 0)
 *   wait4           C
 *   munmap          1
 *   futex           varies: only a contended lock or unlock calls futex
 *                   (FUTEX_WAIT / FUTEX_WAKE, shared); with the default
 *                   200 ms hold, almost every child waits once
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

static long children = 5;
static long hold_ms = 200;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes taking the lock in turn"),
	INT_OPTION("hold-ms", &hold_ms, 0, 60000, "how long each child holds the lock"),
	{ 0 },
};

static void task(pthread_mutex_t *lock)
{
	pid_t me = getpid();

	pthread_mutex_lock(lock);
	printf("%d is running\n", (int)me);
	sleep_ms(hold_ms);
	printf("%d is done.\n", (int)me);
	pthread_mutex_unlock(lock);
}

int lock_print_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	pthread_mutex_t *lock = map_shared(sizeof(*lock)); /* lock = Lock() */
	shared_mutex_init(lock);

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			task(lock);
			_exit(0);
		}
		pids[i] = pid;
	}
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;

	pthread_mutex_destroy(lock);
	munmap(lock, sizeof(*lock));
	return status;
}
