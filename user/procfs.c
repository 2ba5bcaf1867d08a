// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

int procfs_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(comm, len, f))
		comm[0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
	return 0;
}

size_t procfs_cmdline(pid_t pid, char *buf, size_t len, char **argv, size_t max)
{
	char path[64];
	size_t used = 0, argc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f) {
		used = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[used] = '\0';
	for (size_t off = 0; off < used && argc < max; off += strlen(buf + off) + 1)
		argv[argc++] = buf + off;
	return argc;
}

/* /proc/PID/stat fields after the parenthesised comm, which may hold spaces */
static int read_stat(pid_t pid, char *state, pid_t *ppid, unsigned long *flags)
{
	char path[64], line[1024], *p;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	p = ok ? strrchr(line, ')') : NULL;
	if (!p)
		return -EINVAL;
	/* state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(p + 2, "%c %d %*d %*d %*d %*d %lu", state, ppid, flags) != 3)
		return -EINVAL;
	return 0;
}

pid_t procfs_ppid(pid_t pid)
{
	unsigned long flags = 0;
	pid_t ppid = 0;
	char state;

	return read_stat(pid, &state, &ppid, &flags) ? 0 : ppid;
}

bool procfs_is_kernel_thread(pid_t pid)
{
	unsigned long flags = 0;
	pid_t ppid = 0;
	char state;

	return !read_stat(pid, &state, &ppid, &flags) && (flags & PF_KTHREAD);
}

bool procfs_has_exited(pid_t tid)
{
	unsigned long flags = 0;
	pid_t ppid = 0;
	char state = 'X';

	/* PF_EXITING is set before the exit tracepoint fires and stays: a task
	 * without it has not reached the exit hook yet (a zombie has) */
	return read_stat(tid, &state, &ppid, &flags) || state == 'Z' || state == 'X' ||
	       (flags & PF_EXITING);
}

int procfs_threads(pid_t pid, pid_t *tids, size_t max)
{
	char path[64];
	struct dirent *entry;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((entry = readdir(d)) && n < max) {
		char *end;
		long tid = strtol(entry->d_name, &end, 10);

		if (*end == '\0' && tid > 0)
			tids[n++] = tid;
	}
	closedir(d);
	return n;
}

size_t procfs_find_comm(const char *name, pid_t *pids, size_t max)
{
	struct dirent *entry;
	size_t n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((entry = readdir(d)) && n < max) {
		char *end, comm[64];
		long pid = strtol(entry->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (!procfs_comm(pid, comm, sizeof(comm)) && !strcmp(comm, name) &&
		    !procfs_is_kernel_thread(pid))
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}

static bool contains(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

size_t procfs_descendants(const pid_t *roots, size_t nroots, pid_t *out, size_t max)
{
	struct { pid_t pid, ppid; } *procs = NULL;
	size_t nprocs = 0, capacity = 0, found = 0;
	struct dirent *entry;
	bool grew = true;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((entry = readdir(d))) {
		char *end;
		long pid = strtol(entry->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (nprocs == capacity) {
			void *grown = realloc(procs, (capacity = capacity ? 2 * capacity : 256) *
						      sizeof(*procs));

			if (!grown)
				break;
			procs = grown;
		}
		procs[nprocs].pid = pid;
		procs[nprocs++].ppid = procfs_ppid(pid);
	}
	closedir(d);
	/* a fixed point: add children of anything in the tree until none is new */
	while (grew && found < max) {
		grew = false;
		for (size_t i = 0; i < nprocs && found < max; i++) {
			pid_t pid = procs[i].pid, ppid = procs[i].ppid;

			if (contains(roots, nroots, pid) || contains(out, found, pid))
				continue;
			if (contains(roots, nroots, ppid) || contains(out, found, ppid)) {
				out[found++] = pid;
				grew = true;
			}
		}
	}
	free(procs);
	return found;
}
