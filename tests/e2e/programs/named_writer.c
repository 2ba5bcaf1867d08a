// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * named_writer WRITES NAME...: for each NAME, one after the other, a child
 * named NAME (prctl) makes a pipe and writes WRITES bytes into it, one
 * write each, and exits.  Built static by the test: the parent makes no IPC
 * call of its own, so each NAME's profile is exactly pipe2 1, write WRITES.
 */
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int writes = argc > 1 ? atoi(argv[1]) : 1;

	for (int i = 2; i < argc; i++) {
		pid_t pid = fork();
		int ends[2], status;

		if (pid < 0)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_NAME, argv[i]);
			if (pipe(ends))
				_exit(1);
			for (int w = 0; w < writes; w++)
				if (write(ends[1], "x", 1) != 1)
					_exit(1);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
