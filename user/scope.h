/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * attach --all and --cgroup: which tasks are traced, beyond a named tree.
 * The kernel side filters (bpf/ipctrace.bpf.c, `scope`); this resolves
 * the groups named on the command line and finds the tasks already there.
 */
#ifndef IPCTRACE_SCOPE_H
#define IPCTRACE_SCOPE_H

#include <limits.h>
#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>
#include "ipctrace.h"

struct scope_cgroup {
	char path[PATH_MAX]; /* absolute, on the cgroup v2 mount */
	char key[PATH_MAX];  /* relative to the v2 root: "/", "/a/b" */
	__u64 id;            /* kernfs node id: what bpf_get_current_cgroup_id() says */
	__u32 level;         /* depth below the v2 root (the root is 0) */
};

struct scope {
	enum scope_kind kind;
	char v2_mount[PATH_MAX]; /* where the cgroup v2 hierarchy is mounted */
	size_t ncgroups;
	struct scope_cgroup cgroups[SCOPE_CGROUPS_MAX];
};

/* The cgroup v2 mount point from /proc/mounts: 0, or -ENOENT. */
int scope_find_v2_mount(char *mount, size_t len);
/* Resolve a --cgroup PATH (absolute on the v2 mount, or relative to it, or
 * as /proc/PID/cgroup prints it) into s->cgroups: 0, or EXIT_NOINPUT after
 * one line on stderr (missing, not a cgroup, a v1 group, no v2 at all). */
int scope_add_cgroup(struct scope *s, const char *arg);
/* A cgroup id's key (path relative to the v2 root), by walking the v2
 * hierarchy for its inode; "" if none has it now. */
void scope_cgroup_key(const char *v2_mount, __u64 id, char *key, size_t len, __u64 *full_id);

/* Calls add(pid, arg) for every process in scope now: every user-space
 * process but ipctrace's (all), or every process of the groups and their
 * descendants (cgroup).  The number add() returned 0 for. */
size_t scope_each_process(const struct scope *s, int (*add)(pid_t pid, void *arg), void *arg);

#endif
