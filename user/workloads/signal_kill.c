// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * signal-kill: the tutorial's os.kill example.  The parent sends SIGUSR1
 * to each child.  SIGUSR1 is blocked before the first fork, so a signal
 * sent before its child waits stays pending instead of being lost; each
 * child waits in sigsuspend, which unblocks it.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   rt_sigaction   1    SIGUSR1
 *   rt_sigprocmask 1    block SIGUSR1
 *   clone          C
 *   rt_sigsuspend  C    each child, returns EINTR once the handler ran
 *   getpid         C    each child, for its message
 *   kill           C    parent: one SIGUSR1 per child, then waits for it
 *   (signal)       C    SIGUSR1 generated and delivered; rt_sigreturn C
 *   wait4          C
 *   write          C to stdout, one line per child
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

static long children = 5;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one SIGUSR1 each"),
	{ 0 },
};

static volatile sig_atomic_t caught_signal;

static void handler(int signum)
{
	caught_signal = signum;
}

int signal_kill_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	struct sigaction sa = { .sa_handler = handler };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		die_errno("sigaction SIGUSR1");
	sigset_t usr1, unblocked;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &unblocked); /* before fork: nothing is lost */
	sigdelset(&unblocked, SIGUSR1);

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			while (!caught_signal)
				sigsuspend(&unblocked);
			printf("child %d got signal %d\n", (int)getpid(), (int)caught_signal);
			_exit(0);
		}
		pids[i] = pid;
	}

	for (long i = 0; i < children; i++) {
		if (kill(pids[i], SIGUSR1) < 0)
			die_errno("kill %d", (int)pids[i]);
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	}
	return status;
}
