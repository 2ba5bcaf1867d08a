// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * signal-alarm: the tutorial's signal.alarm example.  A SIGALRM handler,
 * an alarm, and a call that could block forever: the tutorial opens
 * /dev/ttyS0, here a read from an empty pipe stands in for it.  The
 * handler is installed without SA_RESTART, so the alarm interrupts the
 * read with EINTR.
 *
 * Exact profile, besides the prologue of common.h:
 *   rt_sigaction 1      SIGALRM
 *   pipe2        1      the empty pipe, O_CLOEXEC
 *   alarm        2      alarm(--seconds), then alarm(0)
 *   read         1      fails with EINTR after --seconds
 *   (signal)     1      SIGALRM generated and delivered; rt_sigreturn 1
 *   close        2
 *   write        2 to stdout
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static long seconds = 1;

static const struct option_spec options[] = {
	INT_OPTION("seconds", &seconds, 1, 3600, "alarm delay before the read is interrupted"),
	{ 0 },
};

static volatile sig_atomic_t caught_signal;

/* printf is not async-signal-safe: the handler records, main prints. */
static void handler(int signum)
{
	caught_signal = signum;
}

int signal_alarm_main(int argc, char **argv)
{
	parse_options(argc, argv, options);

	struct sigaction sa = { .sa_handler = handler, .sa_flags = 0 }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		die_errno("sigaction SIGALRM");

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		die_errno("pipe2");

	alarm(seconds);
	char c;
	ssize_t len = read(fds[0], &c, 1); /* nobody writes: blocks until SIGALRM */
	int read_errno = errno;
	if (caught_signal)
		printf("Signal handler called with signal %d\n", (int)caught_signal);
	alarm(0);
	close(fds[0]);
	close(fds[1]);

	if (len >= 0 || read_errno != EINTR) {
		warn("the read was not interrupted: %s", len < 0 ? strerror(read_errno) : "it returned");
		return 1;
	}
	printf("read interrupted: %s\n", strerror(read_errno));
	return caught_signal == SIGALRM ? 0 : 1;
}
