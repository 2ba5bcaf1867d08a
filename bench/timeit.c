// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeit: the wall time of one command, from just before its fork to its
 * reaping, so that a traced run and an untraced one time the same span
 * (not the tracer's own start and stop around it); and its peak RSS.
 *
 *   timeit [--cpu C] -- COMMAND [ARGS...]
 *
 * Prints "wall_ns=X cpu_ns=Y maxrss_kb=Z" on stderr, one write; exits with
 * the command's status.  cpu_ns is user + system time of the command and
 * the descendants it waited for: a tracer's programs run in the traced
 * task and are charged to it, while other jobs on a shared machine, which
 * stretch the wall time, are not.  maxrss_kb is wait4's: the largest of the
 * command, its descendants, and the image it was exec'd from (this small
 * program, where a Python driver forking the command directly would count
 * its own RSS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "--cpu")) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[i + 1]), &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "timeit: sched_setaffinity: %s\n", strerror(errno));
			return 125;
		}
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: timeit [--cpu C] -- COMMAND [ARGS...]\n");
		return 125;
	}

	struct timespec begin, end;
	int status;
	clock_gettime(CLOCK_MONOTONIC, &begin);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "timeit: cannot execute %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	struct rusage usage;
	if (wait4(pid, &status, 0, &usage) < 0) {
		fprintf(stderr, "timeit: wait4: %s\n", strerror(errno));
		return 125;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	long long cpu_ns = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000000LL +
			   (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000LL;
	fprintf(stderr, "wall_ns=%lld cpu_ns=%lld maxrss_kb=%ld\n",
		(long long)(end.tv_sec - begin.tv_sec) * 1000000000LL + (end.tv_nsec - begin.tv_nsec),
		cpu_ns, usage.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
