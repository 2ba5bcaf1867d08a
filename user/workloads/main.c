// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ipctrace-workload NAME [OPTIONS]: one static binary holding every
 * workload of list.h, so that ipctrace can exec it without a single
 * loader syscall.  `ipctrace-workload --list` names them all;
 * `ipctrace-workload --check-args NAME [OPTIONS]` only validates the
 * options (exit 0, or 2 after one line on stderr).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

static const struct {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
} workloads[] = {
#define WORKLOAD(ident, name, summary) { name, summary, ident##_main },
#include "list.h"
#undef WORKLOAD
};

#define WORKLOADS_COUNT (sizeof(workloads) / sizeof(workloads[0]))

static void list_workloads(void)
{
	for (size_t i = 0; i < WORKLOADS_COUNT; i++)
		printf("  %-18s %s\n", workloads[i].name, workloads[i].summary);
}

/*
 * Nothing here waits for SIGCHLD (waitpid does not need it), and an
 * unblocked one, although ignored, interrupts and restarts a blocking
 * call of the parent when it runs under strace or another ptracer: the
 * oracle would count that call twice.  Blocked, it stays pending instead.
 */
static void block_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
	/*
	 * Line buffered with our own buffer: each printed line is exactly one
	 * write(1), whether stdout is a terminal, a pipe or a file, no line is
	 * pending at fork, and glibc needs no fstat(1) to size a buffer.
	 */
	static char stdout_buffer[4096];
	setvbuf(stdout, stdout_buffer, _IOLBF, sizeof(stdout_buffer));

	if (argc < 2) {
		fprintf(stderr, "ipctrace-workload: missing workload name (try --list)\n");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: ipctrace-workload NAME [OPTIONS]   (NAME --help for its options)\n\n");
		list_workloads();
		return 0;
	}
	if (strcmp(argv[1], "--list") == 0) {
		list_workloads();
		return 0;
	}
	/* ipctrace validates a workload's options before it loads any BPF */
	if (strcmp(argv[1], "--check-args") == 0) {
		options_check_only = true;
		argc--;
		argv++;
		if (argc < 2) {
			fprintf(stderr, "ipctrace-workload: --check-args: missing workload name\n");
			return 2;
		}
	}
	for (size_t i = 0; i < WORKLOADS_COUNT; i++) {
		if (strcmp(argv[1], workloads[i].name) == 0) {
			if (options_check_only) /* parse_options() exits */
				return workloads[i].main(argc - 1, argv + 1);
			cleanup_install();
			block_sigchld();
			/* reports name the processes after the workload, not the binary */
			prctl(PR_SET_NAME, workloads[i].name, 0, 0, 0);
			return workloads[i].main(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "ipctrace-workload: unknown workload '%s' (try --list)\n", argv[1]);
	return 2;
}
