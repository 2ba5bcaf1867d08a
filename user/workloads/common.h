/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every workload shares, so that each workload file reads like the
 * tutorial example it mirrors: options, the pi slice, the run directory,
 * naming of IPC objects, children, and cleanup.
 *
 * Rules every workload keeps (ipctrace compares exact syscall counts
 * against strace -f, so nothing incidental may touch IPC):
 *   - stdout is line buffered by main.c with a static buffer: every
 *     printed line is exactly one write(1), and no line is ever pending
 *     at fork (fork_child() flushes anyway, which costs no syscall).
 *   - children end with _exit(), never exit(), and never remove the
 *     parent's objects.
 *   - every object the parent creates is registered with on_cleanup_*()
 *     right after it exists, and released with cleanup_done() right after
 *     the workload removes it itself.
 *
 * Each workload file lists its exact syscall profile.  Not repeated there,
 * and the same for every workload:
 *   - the prologue (main.c): rt_sigaction 2 (SIGINT and SIGTERM, for
 *     cleanup), rt_sigprocmask 1 (SIGCHLD blocked: see main.c);
 *   - static glibc start-up, none of it IPC: brk, arch_prctl,
 *     set_tid_address, set_robust_list, rseq, prlimit64, readlink of
 *     /proc/self/exe, getrandom, mprotect; exit_group at the end;
 *   - per child: set_robust_list (glibc's fork) and exit_group; its exit
 *     sends SIGCHLD to the parent, where it stays blocked.
 */
#ifndef IPCTRACE_WORKLOAD_COMMON_H
#define IPCTRACE_WORKLOAD_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Upper bound of every process-count option: sizes fd tables and arrays. */
#define MAX_CHILDREN 1000

/* The entry points, one per line of list.h: int pipe_pi_main(int, char **). */
#define WORKLOAD(ident, name, summary) int ident##_main(int argc, char **argv);
#include "list.h"
#undef WORKLOAD

/* ---- options ---------------------------------------------------------- */

/*
 * One integer option --name N (or --name=N).  The default is whatever
 * *value holds before parse_options(); --help prints it.  With choices
 * (a NULL-terminated list) the option takes one of those words and
 * *value is its index.
 */
struct option_spec {
	const char *name;
	long *value;
	long min, max;
	const char *help;
	const char *const *choices;
};

#define INT_OPTION(name_, value_, min_, max_, help_) \
	{ .name = (name_), .value = (value_), .min = (min_), .max = (max_), .help = (help_) }
#define CHOICE_OPTION(name_, value_, choices_, help_) \
	{ .name = (name_), .value = (value_), .help = (help_), .choices = (choices_) }

/*
 * argv[0] is the workload name.  Handles --help (exit 0); any bad
 * argument is one line on stderr and exit 2.  options ends with { 0 }.
 */
void parse_options(int argc, char **argv, const struct option_spec *options);

/* The running workload, for messages: "pipe-pi". */
extern const char *workload_name;
/* --check-args: parse_options() validates, then exits 0 (2 on a bad one) */
extern bool options_check_only;

/* "ipctrace-workload: NAME: <message>" on stderr, then exit 1 (_exit in a child). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same with ": strerror(errno)" appended. */
void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A one-line message on stderr, no exit. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the pi example of the tutorial ------------------------------------ */

/* sum of 1/(2k+1)^2 for k in [mink, maxk): pi^2/8 over all k >= 0. */
double slice(long long mink, long long maxk);
/* First k of slice i when [0, n) is cut into `children` slices. */
long long slice_start(long i, long children, long n);
/* Parse one partial sum sent as text ("%.17g", maybe padded): false if garbled. */
bool parse_sum(const char *text, size_t len, double *sum);
/*
 * Print "pi = %.15f" from the total and return the exit status: 0 if pi
 * is as close to M_PI as n terms allow (1/n), 1 if a slice got lost.
 */
int report_pi(double total, long n);

/* ---- the run directory and object names -------------------------------- */

/*
 * $IPCTRACE_RUNDIR if set (made and removed by ipctrace), else a private
 * mkdtemp("/tmp/ipctrace-workload.XXXXXX") made on first use and removed
 * at exit.  FIFOs, sockets and files go in here.
 */
const char *rundir(void);
/* "<rundir>/<leaf>", allocated. */
char *rundir_path(const char *leaf);
/* POSIX mq and shm names: "/ipctrace.<basename of rundir>.<what>", allocated. */
char *posix_name(const char *what);
/* System V key: ftok(rundir(), proj), proj 'q' (msg), 's' (sem), 'm' (shm). */
key_t rundir_key(int proj);

/* ---- children and cleanup ---------------------------------------------- */

/*
 * fork(), remembering the child so that cleanup kills it.  Returns 0 in
 * the child, the pid in the parent; dies if fork fails.
 */
pid_t fork_child(void);
/* waitpid(pid, &status, 0) and forget the child: returns the status. */
int wait_child(pid_t pid);
/* true when the status is a plain _exit(0). */
bool exited_ok(int status);

/*
 * Cleanup runs when the parent gets SIGINT or SIGTERM (then the signal
 * is re-raised) and when it exits with registrations left (error paths):
 * it SIGKILLs and reaps the remembered children, undoes what is still
 * registered, newest first, and removes its own run directory.  Each
 * on_cleanup_*() names the call cleanup will make; it returns a handle
 * for cleanup_done().
 */
int on_cleanup_unlink(const char *path);
int on_cleanup_mq_unlink(const char *name);
int on_cleanup_shm_unlink(const char *name);
int on_cleanup_msgctl_rmid(int msqid);
int on_cleanup_semctl_rmid(int semid);
int on_cleanup_shmctl_rmid(int shmid);
/* The workload removed the object itself: cleanup must not. */
void cleanup_done(int handle);

/* Called once by main.c: the SIGINT/SIGTERM handlers and the atexit hook. */
void cleanup_install(void);

/* ---- small things ------------------------------------------------------- */

/* mmap(MAP_SHARED | MAP_ANONYMOUS), zeroed: shared with children forked later. */
void *map_shared(size_t size);
/* pthread_mutex_init / pthread_cond_init with PTHREAD_PROCESS_SHARED. */
void shared_mutex_init(pthread_mutex_t *mutex);
void shared_cond_init(pthread_cond_t *cond);

/* nanosleep for ms milliseconds; no syscall at all when ms is 0. */
void sleep_ms(long ms);

/* Raw futex(2) on a process-private int (no glibc wrapper exists). */
void futex_wait(int *addr, int expected);
void futex_wake(int *addr, int waiters);

#endif /* IPCTRACE_WORKLOAD_COMMON_H */
