// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "rundir.h"

#define MQUEUE_MAGIC 0x19800202

static const char *tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

/* Named after ipctrace's pid, so a later run can tell a directory whose
 * ipctrace was killed (SIGKILL leaves no chance to clean up). */
int rundir_create(char *path, size_t len, uid_t owner, gid_t group)
{
	snprintf(path, len, "%s/ipctrace-run.%d.XXXXXX", tmpdir(), (int)getpid());
	if (!mkdtemp(path))
		return -errno;
	if (chown(path, owner, group)) {
		int err = -errno;

		rmdir(path);
		return err;
	}
	return 0;
}

/* System V objects keyed by ftok(dir, proj): removed by key */
static int remove_sysv(const char *path)
{
	int removed = 0, id;
	key_t key;

	if ((key = ftok(path, 'q')) != -1 && (id = msgget(key, 0)) >= 0)
		removed += msgctl(id, IPC_RMID, NULL) == 0;
	if ((key = ftok(path, 's')) != -1 && (id = semget(key, 0, 0)) >= 0)
		removed += semctl(id, 0, IPC_RMID) == 0;
	if ((key = ftok(path, 'm')) != -1 && (id = shmget(key, 0, 0)) >= 0)
		removed += shmctl(id, IPC_RMID, NULL) == 0;
	return removed;
}

typedef int (*unlink_fn)(const char *name);

static int unlink_shm(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	return unlink(path);
}

static int unlink_mq(const char *name)
{
	char path[NAME_MAX + 2];

	snprintf(path, sizeof(path), "/%s", name);
	return mq_unlink(path);
}

static int remove_prefixed(const char *dir, const char *prefix, unlink_fn unlink_object)
{
	struct dirent *entry;
	int removed = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((entry = readdir(d)))
		if (!strncmp(entry->d_name, prefix, strlen(prefix)))
			removed += unlink_object(entry->d_name) == 0;
	closedir(d);
	return removed;
}

/* POSIX queues are only listed where an mqueue fs is mounted: use
 * /dev/mqueue, or mount one privately for the look */
static int remove_mqueues(const char *prefix)
{
	char tmp[] = "/tmp/ipctrace-mqueue.XXXXXX";
	struct statfs fs;
	int removed;

	if (!statfs("/dev/mqueue", &fs) && fs.f_type == MQUEUE_MAGIC)
		return remove_prefixed("/dev/mqueue", prefix, unlink_mq);
	if (!mkdtemp(tmp))
		return 0;
	if (mount("ipctrace", tmp, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		rmdir(tmp);
		return 0;
	}
	removed = remove_prefixed(tmp, prefix, unlink_mq);
	umount2(tmp, MNT_DETACH);
	rmdir(tmp);
	return removed;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* best effort: whatever cannot go, the walk goes on */
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int rundir_sweep_stale(void)
{
	const char *dir = tmpdir();
	struct dirent *entry;
	int swept = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((entry = readdir(d))) {
		char path[PATH_MAX];
		int pid;

		if (sscanf(entry->d_name, "ipctrace-run.%d.", &pid) != 1 || pid <= 0)
			continue;
		if (!kill(pid, 0) || errno != ESRCH)
			continue; /* its ipctrace still runs */
		if (snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= (int)sizeof(path))
			continue;
		rundir_remove(path);
		swept++;
	}
	closedir(d);
	return swept;
}

int rundir_remove(const char *path)
{
	const char *base = strrchr(path, '/');
	char prefix[NAME_MAX];
	int removed;

	base = base ? base + 1 : path;
	snprintf(prefix, sizeof(prefix), "ipctrace.%s.", base);
	/* keys derive from the directory's inode: before it goes */
	removed = remove_sysv(path);
	removed += remove_prefixed("/dev/shm", prefix, unlink_shm);
	removed += remove_mqueues(prefix);
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return removed;
}
