// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fork_children N: fork N children, each writing one byte to stdout and
 * exiting; reap them all at the end, so that no child's pid can be reused
 * by another child while the tree is traced.  Exact profile on stdout:
 * N writes of 1 byte.  Exits 1 if a fork or a write fails.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	int status, failed = 0;

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(write(STDOUT_FILENO, "x", 1) == 1 ? 0 : 1);
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	return failed;
}
