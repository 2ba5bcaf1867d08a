// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "procfs.h"
#include "target.h"
#include "exitcodes.h"

static int switch_user(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return -1;
	return 0;
}

int target_spawn(struct target *t, char *const argv[], const char *user)
{
	int release[2], error[2];
	struct passwd *pw = NULL;

	memset(t, 0, sizeof(*t));
	if (user) {
		pw = getpwnam(user);
		if (!pw) {
			fprintf(stderr, "ipctrace: -u %s: no such user\n", user);
			return EXIT_USAGE;
		}
	}
	if (pipe2(release, O_CLOEXEC) || pipe2(error, O_CLOEXEC)) {
		fprintf(stderr, "ipctrace: pipe: %s\n", strerror(errno));
		return EXIT_SOFTWARE;
	}
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0) {
		fprintf(stderr, "ipctrace: fork: %s\n", strerror(errno));
		return EXIT_SOFTWARE;
	}
	if (t->pid == 0) {
		char go;
		int err;

		close(release[1]);
		close(error[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (pw && switch_user(pw)) {
			err = errno;
			if (write(error[1], &err, sizeof(err)) < 0)
				_exit(EXIT_CANNOT_EXEC);
			_exit(EXIT_CANNOT_EXEC);
		}
		/* held here until ipctrace traces this pid: EOF means it gave up */
		if (read(release[0], &go, 1) != 1)
			_exit(EXIT_SOFTWARE);
		execvp(argv[0], argv);
		err = errno;
		if (write(error[1], &err, sizeof(err)) < 0)
			_exit(EXIT_NOT_FOUND);
		_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
	}
	close(release[0]);
	close(error[1]);
	t->release_fd = release[1];
	t->error_fd = error[0];
	return 0;
}

int target_release(struct target *t, const char *what)
{
	ssize_t n;
	int err;

	if (write(t->release_fd, "g", 1) != 1) {
		fprintf(stderr, "ipctrace: cannot start %s: %s\n", what, strerror(errno));
		return EXIT_SOFTWARE;
	}
	close(t->release_fd);
	t->release_fd = -1;
	do
		n = read(t->error_fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(t->error_fd);
	t->error_fd = -1;
	if (n != sizeof(err))
		return 0; /* EOF: exec succeeded */
	fprintf(stderr, "ipctrace: cannot run '%s': %s\n", what, strerror(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

int target_wait(struct target *t, const volatile sig_atomic_t *stop_requests)
{
	int forwarded = 0, status;

	for (;;) {
		pid_t r;

		/* the first request asks the command to stop, a second insists;
		 * a request may predate the command (ipctrace was still starting) */
		if (*stop_requests > forwarded && forwarded < 2) {
			kill(t->pid, forwarded ? SIGKILL : SIGTERM);
			forwarded++;
		}
		r = waitpid(t->pid, &status, 0);
		if (r == t->pid)
			break;
		if (r < 0 && errno != EINTR)
			return EXIT_SOFTWARE;
	}
	t->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void target_adopt_orphans(void)
{
	/* descendants whose parent exits become ours, so that a stop can reach them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

void target_stop_orphans(void)
{
	pid_t self = getpid(), orphans[1024];
	size_t n = procfs_descendants(&self, 1, orphans, sizeof(orphans) / sizeof(orphans[0]));
	struct timespec pause = { .tv_nsec = 20000000 };

	for (size_t i = 0; i < n; i++)
		kill(orphans[i], SIGTERM);
	/* half a second to go, then no choice */
	for (int tries = 0; tries < 25 && waitpid(-1, NULL, WNOHANG) >= 0; tries++)
		nanosleep(&pause, NULL);
	n = procfs_descendants(&self, 1, orphans, sizeof(orphans) / sizeof(orphans[0]));
	for (size_t i = 0; i < n; i++)
		kill(orphans[i], SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0 || (n && waitpid(-1, NULL, 0) > 0))
		;
}

void target_kill(struct target *t)
{
	if (t->release_fd > 0)
		close(t->release_fd); /* the held child exits on EOF */
	if (t->error_fd > 0)
		close(t->error_fd);
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
	t->release_fd = t->error_fd = -1;
}

int target_check_workload_args(char *const argv[])
{
	size_t argc = 0;
	int status;
	pid_t pid;

	while (argv[argc])
		argc++;
	char **check = calloc(argc + 2, sizeof(char *));
	if (!check)
		return EXIT_SOFTWARE;
	check[0] = argv[0];
	check[1] = "--check-args";
	memcpy(check + 2, argv + 1, (argc - 1) * sizeof(char *));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(check[0], check);
		fprintf(stderr, "ipctrace: cannot run %s: %s\n", check[0], strerror(errno));
		_exit(EXIT_CANNOT_EXEC);
	}
	free(check);
	if (pid < 0) {
		fprintf(stderr, "ipctrace: fork: %s\n", strerror(errno));
		return EXIT_SOFTWARE;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_SOFTWARE;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKLOAD_USAGE_STATUS)
		return EXIT_USAGE; /* the workload said why, in one line */
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CANNOT_EXEC)
		return EXIT_CANNOT_EXEC;
	fprintf(stderr, "ipctrace: checking the workload's options failed (status %#x)\n", status);
	return EXIT_SOFTWARE;
}
