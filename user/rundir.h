/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A private directory per run of a bundled workload.  Workloads derive the
 * names of every object they create from it (files and FIFOs inside it,
 * System V keys by ftok(dir, 'q'|'s'|'m'), POSIX objects named
 * "/ipctrace.<dir basename>.*"), so ipctrace can remove them all even when
 * the workload was killed.
 */
#ifndef IPCTRACE_RUNDIR_H
#define IPCTRACE_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

#define RUNDIR_ENV "IPCTRACE_RUNDIR"

/* 0, or -errno; path receives the directory */
int rundir_create(char *path, size_t len, uid_t owner, gid_t group);
/* remove the run directories (and their objects) of ipctraces that died
 * without cleaning up; returns how many */
int rundir_sweep_stale(void);
/* remove every object named after the directory, then the directory;
 * returns how many objects were left by the workload and removed */
int rundir_remove(const char *path);

#endif
