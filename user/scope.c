// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* attach --all and --cgroup: the groups named, and the tasks already in scope. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "tracer.h"
#include "exitcodes.h"
#include "procfs.h"
#include "scope.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

int scope_find_v2_mount(char *mount, size_t len)
{
	FILE *f = setmntent("/proc/mounts", "re");
	struct mntent *m;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(mount, len, "%s", m->mnt_dir);
			err = 0;
			break;
		}
	endmntent(f);
	return err;
}

/* The kernfs node id of a cgroup directory: its file handle (as
 * libbpf-tools' get_cgroup_id), else its inode number. */
static __u64 cgroup_id_of(const char *path)
{
	struct {
		struct file_handle handle;
		__u64 id;
	} fh = { .handle.handle_bytes = sizeof(__u64) };
	int mount_id;
	struct stat st;

	if (!name_to_handle_at(AT_FDCWD, path, &fh.handle, &mount_id, 0))
		return fh.id;
	return stat(path, &st) ? 0 : st.st_ino;
}

static __u32 depth_of(const char *key)
{
	__u32 level = 0;

	for (const char *p = key; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

/* One line, exit 66: what is wrong with --cgroup ARG and what to do. */
static int bad_cgroup(const char *arg, const char *why, const char *mount)
{
	fprintf(stderr, "ipctrace: --cgroup %s: %s%s%s\n", arg, why, mount ? " " : "",
		mount ? mount : "");
	return EXIT_NOINPUT;
}

int scope_add_cgroup(struct scope *s, const char *arg)
{
	struct scope_cgroup *c;
	char joined[PATH_MAX * 2], real[PATH_MAX];
	struct statfs fs;
	struct stat st;
	size_t mlen;

	if (s->ncgroups == SCOPE_CGROUPS_MAX) {
		fprintf(stderr, "ipctrace: --cgroup: at most %d groups\n", SCOPE_CGROUPS_MAX);
		return EXIT_USAGE;
	}
	if (!s->v2_mount[0] && scope_find_v2_mount(s->v2_mount, sizeof(s->v2_mount)))
		return bad_cgroup(arg, "no cgroup v2 hierarchy is mounted (/proc/mounts): "
				  "ipctrace cannot follow cgroup v1 groups", NULL);
	/* absolute on the v2 mount as given; else relative to the mount, which is
	 * also how /proc/PID/cgroup names a group ("/system.slice/x.service") */
	if (arg[0] == '/' && !stat(arg, &st) && !statfs(arg, &fs) &&
	    fs.f_type != CGROUP2_SUPER_MAGIC) {
		if (fs.f_type == CGROUP_SUPER_MAGIC)
			return bad_cgroup(arg, "is a cgroup v1 group: ipctrace follows the cgroup v2 "
					  "hierarchy only, mounted at", s->v2_mount);
		snprintf(joined, sizeof(joined), "%s/%s", s->v2_mount, arg);
		if (stat(joined, &st))
			return bad_cgroup(arg, "is not a cgroup: give a directory of the cgroup v2 "
					  "hierarchy, mounted at", s->v2_mount);
	} else if (arg[0] == '/' && !stat(arg, &st)) {
		snprintf(joined, sizeof(joined), "%s", arg);
	} else {
		snprintf(joined, sizeof(joined), "%s/%s", s->v2_mount, arg);
	}
	if (!realpath(joined, real))
		return bad_cgroup(arg, "no such cgroup in the cgroup v2 hierarchy, mounted at",
				  s->v2_mount);
	if (statfs(real, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC || stat(real, &st) ||
	    !S_ISDIR(st.st_mode))
		return bad_cgroup(arg, "is not a cgroup: give a directory of the cgroup v2 "
				  "hierarchy, mounted at", s->v2_mount);
	mlen = strlen(s->v2_mount);
	if (strncmp(real, s->v2_mount, mlen) || (real[mlen] && real[mlen] != '/'))
		return bad_cgroup(arg, "is not in the cgroup v2 hierarchy mounted at", s->v2_mount);
	c = &s->cgroups[s->ncgroups];
	snprintf(c->path, sizeof(c->path), "%s", real);
	snprintf(c->key, sizeof(c->key), "%s", real[mlen] ? real + mlen : "/");
	c->level = depth_of(c->key);
	c->id = cgroup_id_of(real);
	if (!c->id)
		return bad_cgroup(arg, "cannot read its cgroup id", NULL);
	s->ncgroups++;
	s->kind = SCOPE_CGROUPS;
	return 0;
}

/* nftw has no argument for its callback */
static struct {
	__u32 ino;
	char *key;
	size_t len;
	__u64 *full_id;
	size_t mount_len;
} key_search;

static int match_inode(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || (__u32)st->st_ino != key_search.ino)
		return 0;
	snprintf(key_search.key, key_search.len, "%s",
		 path[key_search.mount_len] ? path + key_search.mount_len : "/");
	*key_search.full_id = cgroup_id_of(path);
	return 1;
}

void scope_cgroup_key(const char *v2_mount, __u64 id, char *key, size_t len, __u64 *full_id)
{
	key[0] = '\0';
	*full_id = id;
	key_search.ino = (__u32)id;
	key_search.key = key;
	key_search.len = len;
	key_search.full_id = full_id;
	key_search.mount_len = strlen(v2_mount);
	nftw(v2_mount, match_inode, 16, FTW_PHYS | FTW_MOUNT);
}

/* Every pid in DIR/cgroup.procs and in its descendant groups' */
static size_t each_in_cgroup(const char *dir, int (*add)(pid_t, void *), void *arg, int depth)
{
	char path[PATH_MAX + 16];
	struct dirent *entry;
	size_t added = 0;
	FILE *f;
	DIR *d;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		while (fscanf(f, "%d", &pid) == 1)
			if (pid != getpid() && !add(pid, arg))
				added++;
		fclose(f);
	}
	if (depth > 64 || !(d = opendir(dir)))
		return added;
	while ((entry = readdir(d))) {
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		added += each_in_cgroup(path, add, arg, depth + 1);
	}
	closedir(d);
	return added;
}

size_t scope_each_process(const struct scope *s, int (*add)(pid_t pid, void *arg), void *arg)
{
	struct dirent *entry;
	size_t added = 0;
	DIR *d;

	if (s->kind == SCOPE_CGROUPS) {
		for (size_t i = 0; i < s->ncgroups; i++)
			added += each_in_cgroup(s->cgroups[i].path, add, arg, 0);
		return added;
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((entry = readdir(d))) {
		char *end, comm[COMM_LEN];
		long pid = strtol(entry->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		/* kernel threads make no syscalls; ipctrace never traces an ipctrace */
		if (procfs_comm(pid, comm, sizeof(comm)) || !strcmp(comm, "ipctrace") ||
		    procfs_is_kernel_thread(pid))
			continue;
		if (!add(pid, arg))
			added++;
	}
	closedir(d);
	return added;
}
