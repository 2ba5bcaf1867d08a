// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * churn RATE SECONDS: for SECONDS, fork RATE short-lived children a second
 * (paced; fewer if the machine cannot keep up), each writing one byte into
 * a pipe the parent reads (a wake-up between two tasks that then exit) and
 * exiting (a SIGCHLD).  Prints how many it forked.  Two churns side by side
 * double the rate on a 2-CPU machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double rate = argc > 1 ? strtod(argv[1], NULL) : 1000, seconds = argc > 2 ? strtod(argv[2], NULL) : 60;
	double start = now(), ahead;
	long forked = 0;
	int ends[2];
	char byte;

	if (pipe(ends))
		return 1;
	while (now() - start < seconds) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(write(ends[1], "x", 1) == 1 ? 0 : 1);
		if (read(ends[0], &byte, 1) != 1 || waitpid(pid, NULL, 0) != pid)
			return 1;
		forked++;
		ahead = forked / rate - (now() - start);
		if (ahead > 0)
			usleep(ahead * 1e6);
	}
	printf("%ld\n", forked);
	return 0;
}
