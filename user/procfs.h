/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What /proc says about processes ipctrace attaches to. */
#ifndef IPCTRACE_PROCFS_H
#define IPCTRACE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* -ENOENT (no such process), or 0 */
int procfs_comm(pid_t pid, char *comm, size_t len);
pid_t procfs_ppid(pid_t pid);
/* its command line into buf (len bytes), split into argv (at most max
 * arguments, pointing into buf); how many, 0 if it cannot be read */
size_t procfs_cmdline(pid_t pid, char *buf, size_t len, char **argv, size_t max);
bool procfs_is_kernel_thread(pid_t pid);
/* gone, a zombie or exiting: a task (any thread id) whose exit hook may
 * already have run */
bool procfs_has_exited(pid_t tid);
/* the thread ids of a process, into tids (at most max); count or -errno */
int procfs_threads(pid_t pid, pid_t *tids, size_t max);
/* processes whose comm is name (not ipctrace itself); count */
size_t procfs_find_comm(const char *name, pid_t *pids, size_t max);

/* the existing descendants of roots not already in roots; count */
size_t procfs_descendants(const pid_t *roots, size_t nroots, pid_t *out, size_t max);

#endif
