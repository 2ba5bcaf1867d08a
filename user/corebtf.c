// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "corebtf.h"

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* What the minimal BTF depends on: the object's relocations and the
 * kernel's types.  A kernel's BTF cannot change while it runs; its release,
 * build string and BTF size tell one kernel from another. */
static uint64_t cache_key(const struct utsname *uts, const struct stat *kernel_btf,
			  const void *obj, size_t obj_len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv1a(h, obj, obj_len);
	h = fnv1a(h, uts->release, strlen(uts->release));
	h = fnv1a(h, uts->version, strlen(uts->version));
	return fnv1a(h, &kernel_btf->st_size, sizeof(kernel_btf->st_size));
}

static int mkdir_p(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(dir, 0755) && errno != EEXIST ? -1 : 0;
}

/* Ours alone: a real directory of this user that no one else can write
 * into (root writes, runs bpftool on and loads what is in it). */
static bool private_dir(const char *dir)
{
	struct stat st;

	return !lstat(dir, &st) && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* bpftool gen min_core_btf KERNEL_BTF OUT OBJ, quietly; its exit status or -1 */
static int run_bpftool(const char *kernel_btf, const char *out, const char *obj)
{
	static const char *const candidates[] = { "/usr/sbin/bpftool", "bpftool" };
	char *argv[] = { "bpftool", "gen", "min_core_btf", (char *)kernel_btf, (char *)out,
			 (char *)obj, NULL };
	posix_spawn_file_actions_t actions;
	int status = -1;
	pid_t pid;

	if (posix_spawn_file_actions_init(&actions))
		return -1;
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (posix_spawnp(&pid, candidates[i], &actions, NULL, argv, environ))
			continue;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		break;
	}
	posix_spawn_file_actions_destroy(&actions);
	return status;
}

static bool generate(const char *path, const char *dir, const char *kernel_btf, const void *obj,
		     size_t obj_len)
{
	char obj_tmp[PATH_MAX], out_tmp[PATH_MAX];
	struct stat st;
	bool ok = false;
	int fd;

	if (snprintf(obj_tmp, sizeof(obj_tmp), "%s/ipctrace.bpf.o.XXXXXX", dir) >=
		    (int)sizeof(obj_tmp) ||
	    snprintf(out_tmp, sizeof(out_tmp), "%s.XXXXXX", path) >= (int)sizeof(out_tmp))
		return false;
	fd = mkostemp(obj_tmp, O_CLOEXEC);
	if (fd < 0)
		return false;
	if (write_all(fd, obj, obj_len)) {
		close(fd);
		goto out_obj;
	}
	close(fd);
	fd = mkostemp(out_tmp, O_CLOEXEC);
	if (fd < 0)
		goto out_obj;
	close(fd);
	/* written aside and renamed: a concurrent start sees all of it or none */
	ok = run_bpftool(kernel_btf, out_tmp, obj_tmp) == 0 && !stat(out_tmp, &st) &&
	     st.st_size > 0 && !chmod(out_tmp, 0644) && !rename(out_tmp, path);
	if (!ok)
		unlink(out_tmp);
out_obj:
	unlink(obj_tmp);
	return ok;
}

/* Files other builds or kernels left: gone after a week unused (a kept one
 * is remade once a week at worst). */
static void prune(const char *dir, const char *keep)
{
	time_t cutoff = time(NULL) - (time_t)7 * 24 * 3600;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;

		if (len < 4 || strcmp(e->d_name + len - 4, ".btf") || !strcmp(e->d_name, keep))
			continue;
		if (!fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) && st.st_mtime < cutoff)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* sched_switch's prototype: void (*)(void *, bool preempt, struct task_struct
 * *prev, struct task_struct *next[, unsigned int prev_state]); 1 with the
 * last, 0 without, -1 if the BTF cannot tell */
static int switch_prototype_has_prev_state(const char *kernel_btf)
{
	struct btf *btf = btf__parse(kernel_btf, NULL);
	const struct btf_type *t = NULL;
	const struct btf_param *params;
	int id, result = -1;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id > 0)
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t)) {
		params = btf_params(t);
		result = btf_vlen(t) == 5 &&
			 btf_is_int(btf__type_by_id(btf, btf__resolve_type(btf, params[4].type)));
	}
	btf__free(btf);
	return result;
}

bool corebtf_switch_passes_prev_state(const char *kernel_btf)
{
	return switch_prototype_has_prev_state(kernel_btf) == 1;
}

/* The cached file's name: its kernel and key, and whether that kernel's
 * sched_switch passes prev_state, which is thus read with no BTF parsed
 * (files named before this was recorded have neither suffix: never read) */
static bool cache_name(char *path, size_t len, const char *base, bool prev_state)
{
	return snprintf(path, len, "%s-%s.btf", base, prev_state ? "prev_state" : "no_prev_state") <
	       (int)len;
}

bool corebtf_path(char *path, size_t len, const char *kernel_btf, const void *obj,
		  size_t obj_len, bool verbose, bool *prev_state)
{
	const char *cache = getenv("IPCTRACE_CACHE_DIR");
	char dir[PATH_MAX], base[PATH_MAX];
	struct utsname uts;
	struct stat st;
	bool usable = false; /* a private cache directory */

	if (!cache)
		cache = COREBTF_CACHE_DIR;
	if (!*cache || uname(&uts) || stat(kernel_btf, &st) ||
	    snprintf(dir, sizeof(dir), "%s/btf", cache) >= (int)sizeof(dir) ||
	    snprintf(base, sizeof(base), "%s/%s-%016llx", dir, uts.release,
		     (unsigned long long)cache_key(&uts, &st, obj, obj_len)) >= (int)sizeof(base))
		goto uncached;
	mkdir_p(dir);
	if (!private_dir(cache) || !private_dir(dir)) {
		if (verbose)
			fprintf(stderr, "ipctrace: %s is not a private directory of this user: "
				"using the whole kernel BTF\n", dir);
		goto uncached;
	}
	for (int has = 1; has >= 0; has--) {
		*prev_state = has;
		if (cache_name(path, len, base, has) && !access(path, R_OK))
			return true;
	}
	usable = true;
uncached:
	*prev_state = corebtf_switch_passes_prev_state(kernel_btf);
	if (!usable || !cache_name(path, len, base, *prev_state))
		return false;
	if (!generate(path, dir, kernel_btf, obj, obj_len)) {
		if (verbose)
			fprintf(stderr, "ipctrace: no minimal BTF in %s (bpftool gen min_core_btf "
				"failed or missing): using the whole kernel BTF\n", dir);
		return false;
	}
	prune(dir, strrchr(path, '/') + 1);
	return true;
}

void corebtf_forget(const char *path)
{
	unlink(path);
}
