/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Starting the command to trace: forked, held before exec until traced. */
#ifndef IPCTRACE_TARGET_H
#define IPCTRACE_TARGET_H

#include <signal.h>
#include <sys/types.h>

struct target {
	pid_t pid;
	int release_fd; /* write end: one byte lets the child exec */
	int error_fd;   /* read end: the child's exec errno, EOF on success */
};

/* Fork the child, switch to USER (if given), and hold it before exec.
 * 0, or an exit status after one line on stderr. */
int target_spawn(struct target *t, char *const argv[], const char *user);
/* Let it exec; 0, or 126/127 after one line on stderr if exec failed. */
int target_release(struct target *t, const char *what);
/* Wait for the child; forwards SIGINT/SIGTERM that ipctrace receives
 * (stop_requests counts them: SIGTERM for the first, SIGKILL for a second).
 * Returns the shell-style status: code, or 128 + signal. */
int target_wait(struct target *t, const volatile sig_atomic_t *stop_requests);
void target_kill(struct target *t);
/* ipctrace-workload's status for a bad option, after one line on stderr */
#define WORKLOAD_USAGE_STATUS 2
/* argv: the workload binary, the workload's name, its options, NULL.  Asks
 * the binary to validate them (--check-args), before anything is traced: 0,
 * or EXIT_USAGE after the workload's one line on stderr. */
int target_check_workload_args(char *const argv[]);
/* Become the subreaper of what the target forks, so that when ipctrace is
 * stopped target_stop_orphans() can end descendants whose parent is gone. */
void target_adopt_orphans(void);
void target_stop_orphans(void);

#endif
