// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared helpers of the workloads: see common.h for the rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <mqueue.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "workloads.h"

const char *workload_name;
bool options_check_only;

/* ---- messages ---------------------------------------------------------- */

/* Set in every child by fork_child(): children _exit and never clean up. */
static volatile sig_atomic_t in_child;

/* One fprintf on the unbuffered stderr is one write(2): one line. */
static void vmessage(const char *fmt, va_list ap, int errnum)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (workload_name && errnum)
		fprintf(stderr, "ipctrace-workload: %s: %s: %s\n", workload_name, msg, strerror(errnum));
	else if (workload_name)
		fprintf(stderr, "ipctrace-workload: %s: %s\n", workload_name, msg);
	else
		fprintf(stderr, "ipctrace-workload: %s\n", msg);
}

static void __attribute__((noreturn)) exit_failure(int status)
{
	if (in_child)
		_exit(status);
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit_failure(1);
}

void die_errno(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, errnum);
	va_end(ap);
	exit_failure(1);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2), noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(2);
}

/* ---- options ---------------------------------------------------------- */

static void print_help(const struct option_spec *options)
{
	const struct workload_info *info = workload_find(workload_name);

	printf("usage: ipctrace-workload %s [OPTIONS]\n", workload_name);
	if (info)
		printf("%s\n", info->summary);
	printf("\noptions:\n");
	for (const struct option_spec *o = options; o->name; o++) {
		if (o->choices) {
			char words[256] = "";
			for (const char *const *c = o->choices; *c; c++) {
				if (c != o->choices)
					strncat(words, "|", sizeof(words) - strlen(words) - 1);
				strncat(words, *c, sizeof(words) - strlen(words) - 1);
			}
			printf("  --%s %s\n      %s (default %s)\n", o->name, words, o->help,
			       o->choices[*o->value]);
		} else {
			printf("  --%s N\n      %s (default %ld, range %ld..%ld)\n", o->name, o->help,
			       *o->value, o->min, o->max);
		}
	}
	printf("  --help\n      this text\n");
}

/* Digits with an optional leading '-', nothing else, no overflow. */
static bool parse_long(const char *text, long *out)
{
	const char *digits = text[0] == '-' ? text + 1 : text;
	char *end;

	if (digits[0] < '0' || digits[0] > '9')
		return false;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || *end)
		return false;
	*out = value;
	return true;
}

static void set_option(const struct option_spec *o, const char *text)
{
	long value;

	if (o->choices) {
		for (long i = 0; o->choices[i]; i++) {
			if (strcmp(o->choices[i], text) == 0) {
				*o->value = i;
				return;
			}
		}
		char words[256] = "";
		for (const char *const *c = o->choices; *c; c++) {
			if (c != o->choices)
				strncat(words, ", ", sizeof(words) - strlen(words) - 1);
			strncat(words, *c, sizeof(words) - strlen(words) - 1);
		}
		usage_error("--%s: expected one of %s, got '%s'", o->name, words, text);
	}
	if (!parse_long(text, &value) || value < o->min || value > o->max)
		usage_error("--%s: expected an integer in [%ld, %ld], got '%s'", o->name, o->min,
			    o->max, text);
	*o->value = value;
}

void parse_options(int argc, char **argv, const struct option_spec *options)
{
	workload_name = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			if (!options_check_only)
				print_help(options);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0)
			usage_error("unexpected argument '%s' (try --help)", arg);

		const char *name = arg + 2;
		const char *equals = strchr(name, '=');
		size_t name_len = equals ? (size_t)(equals - name) : strlen(name);
		const struct option_spec *o = options;
		while (o->name && !(strlen(o->name) == name_len && strncmp(o->name, name, name_len) == 0))
			o++;
		if (!o->name)
			usage_error("unknown option '%s' (try --help)", arg);

		if (equals)
			set_option(o, equals + 1);
		else if (i + 1 < argc)
			set_option(o, argv[++i]);
		else
			usage_error("--%s: missing value", o->name);
	}
	if (options_check_only)
		exit(0);
}

/* ---- the pi example ---------------------------------------------------- */

double slice(long long mink, long long maxk)
{
	double s = 0.0;

	/* smallest terms first: summed the other way, rounding alone puts pi
	 * off by more than report_pi's 1/n bound from --n of a few 10^8 on */
	for (long long k = maxk - 1; k >= mink; k--)
		s += 1.0 / (2 * k + 1) / (2 * k + 1);
	return s;
}

long long slice_start(long i, long children, long n)
{
	return (long long)i * n / children;
}

bool parse_sum(const char *text, size_t len, double *sum)
{
	char copy[64];
	char *end;

	if (len == 0 || len >= sizeof(copy))
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	errno = 0;
	*sum = strtod(copy, &end);
	if (end == copy || errno || !isfinite(*sum))
		return false;
	while (*end == ' ' || *end == '\n')
		end++;
	return *end == '\0';
}

int report_pi(double total, long n)
{
	double pi = sqrt(8 * total);

	printf("pi = %.15f\n", pi);
	/* n terms leave out a tail below 1/(4n): pi is then off by less than 1/n. */
	if (!(fabs(pi - M_PI) < 1.0 / n)) {
		warn("pi is off by %g with %ld terms: a partial sum was lost or garbled",
		     pi - M_PI, n);
		return 1;
	}
	return 0;
}

/* ---- cleanup ----------------------------------------------------------- */

enum cleanup_kind {
	CLEANUP_KILL_CHILD, /* kill(id, SIGKILL), then waitpid */
	CLEANUP_UNLINK,
	CLEANUP_MQ_UNLINK,
	CLEANUP_SHM_UNLINK,
	CLEANUP_MSGCTL_RMID,
	CLEANUP_SEMCTL_RMID,
	CLEANUP_SHMCTL_RMID,
	CLEANUP_RMDIR, /* our own mkdtemp run directory */
};

struct cleanup_entry {
	volatile sig_atomic_t active;
	enum cleanup_kind kind;
	const char *name;
	int id;
};

/* Append-only, so that cleanup can undo newest first. */
#define CLEANUP_MAX (3 * MAX_CHILDREN + 64)
static struct cleanup_entry cleanup_entries[CLEANUP_MAX];
static volatile sig_atomic_t cleanup_used;

static int cleanup_add(enum cleanup_kind kind, const char *name, int id)
{
	int handle = cleanup_used;

	if (in_child)
		die("internal error: a child registered an object for cleanup");
	if (handle == CLEANUP_MAX)
		die("too many objects to clean up (at most %d)", CLEANUP_MAX);
	cleanup_entries[handle].kind = kind;
	cleanup_entries[handle].name = name;
	cleanup_entries[handle].id = id;
	/* The signal handler must never see a half-filled entry. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cleanup_entries[handle].active = 1;
	cleanup_used = handle + 1;
	return handle;
}

void cleanup_done(int handle)
{
	cleanup_entries[handle].active = 0;
}

int on_cleanup_unlink(const char *path)
{
	return cleanup_add(CLEANUP_UNLINK, path, 0);
}

int on_cleanup_mq_unlink(const char *name)
{
	return cleanup_add(CLEANUP_MQ_UNLINK, name, 0);
}

int on_cleanup_shm_unlink(const char *name)
{
	return cleanup_add(CLEANUP_SHM_UNLINK, name, 0);
}

int on_cleanup_msgctl_rmid(int msqid)
{
	return cleanup_add(CLEANUP_MSGCTL_RMID, NULL, msqid);
}

int on_cleanup_semctl_rmid(int semid)
{
	return cleanup_add(CLEANUP_SEMCTL_RMID, NULL, semid);
}

int on_cleanup_shmctl_rmid(int shmid)
{
	return cleanup_add(CLEANUP_SHMCTL_RMID, NULL, shmid);
}

/* Async-signal-safe: only syscalls, no allocation, no stdio. */
static void run_cleanup(void)
{
	int used = cleanup_used;

	if (in_child)
		return;
	/* Children first: none may still use, or re-create, what goes next. */
	for (int i = used - 1; i >= 0; i--)
		if (cleanup_entries[i].active && cleanup_entries[i].kind == CLEANUP_KILL_CHILD)
			kill(cleanup_entries[i].id, SIGKILL);
	for (int i = used - 1; i >= 0; i--) {
		struct cleanup_entry *e = &cleanup_entries[i];

		if (!e->active || e->kind != CLEANUP_KILL_CHILD)
			continue;
		e->active = 0;
		while (waitpid(e->id, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = used - 1; i >= 0; i--) {
		struct cleanup_entry *e = &cleanup_entries[i];

		if (!e->active)
			continue;
		e->active = 0;
		switch (e->kind) {
		case CLEANUP_KILL_CHILD:
			break;
		case CLEANUP_UNLINK:
			unlink(e->name);
			break;
		case CLEANUP_MQ_UNLINK:
			mq_unlink(e->name);
			break;
		case CLEANUP_SHM_UNLINK:
			shm_unlink(e->name);
			break;
		case CLEANUP_MSGCTL_RMID:
			msgctl(e->id, IPC_RMID, NULL);
			break;
		case CLEANUP_SEMCTL_RMID:
			semctl(e->id, 0, IPC_RMID);
			break;
		case CLEANUP_SHMCTL_RMID:
			shmctl(e->id, IPC_RMID, NULL);
			break;
		case CLEANUP_RMDIR:
			rmdir(e->name);
			break;
		}
	}
}

/* SA_RESETHAND: the re-raised signal, pending until we return, is fatal. */
static void on_fatal_signal(int sig)
{
	run_cleanup();
	raise(sig);
}

void cleanup_install(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atexit(run_cleanup);
}

/* ---- children ---------------------------------------------------------- */

pid_t fork_child(void)
{
	/* Nothing is pending (stdout is line buffered): these make no syscall. */
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		in_child = 1;
		return 0;
	}
	cleanup_add(CLEANUP_KILL_CHILD, NULL, pid);
	return pid;
}

int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid %d", (int)pid);
	for (int i = cleanup_used - 1; i >= 0; i--) {
		if (cleanup_entries[i].kind == CLEANUP_KILL_CHILD && cleanup_entries[i].id == pid) {
			cleanup_entries[i].active = 0;
			break;
		}
	}
	return status;
}

bool exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- the run directory ------------------------------------------------- */

static const char *rundir_cached;

const char *rundir(void)
{
	if (rundir_cached)
		return rundir_cached;
	if (in_child)
		die("internal error: the run directory must be made before fork");

	const char *env = getenv("IPCTRACE_RUNDIR");
	if (env && *env) {
		rundir_cached = env;
		return env;
	}
	char template[] = "/tmp/ipctrace-workload.XXXXXX";
	if (!mkdtemp(template))
		die_errno("mkdtemp %s", template);
	rundir_cached = strdup(template);
	if (!rundir_cached)
		die("out of memory");
	cleanup_add(CLEANUP_RMDIR, rundir_cached, 0);
	return rundir_cached;
}

char *rundir_path(const char *leaf)
{
	char *path;

	if (asprintf(&path, "%s/%s", rundir(), leaf) < 0)
		die("out of memory");
	return path;
}

char *posix_name(const char *what)
{
	const char *dir = rundir();
	size_t end = strlen(dir);
	char *name;

	while (end > 1 && dir[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	if (asprintf(&name, "/ipctrace.%.*s.%s", (int)(end - start), dir + start, what) < 0)
		die("out of memory");
	return name;
}

key_t rundir_key(int proj)
{
	key_t key = ftok(rundir(), proj);

	if (key == -1)
		die_errno("ftok %s '%c'", rundir(), proj);
	return key;
}

/* ---- small things ------------------------------------------------------ */

void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die_errno("mmap %zu shared bytes", size);
	return p;
}

void shared_mutex_init(pthread_mutex_t *mutex)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(mutex, &attr);
	pthread_mutexattr_destroy(&attr);
}

void shared_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

void sleep_ms(long ms)
{
	struct timespec left = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	if (ms <= 0)
		return;
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

void futex_wait(int *addr, int expected)
{
	/* EAGAIN (already changed) and EINTR both mean: look again. */
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void futex_wake(int *addr, int waiters)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, waiters, NULL, NULL, 0);
}
