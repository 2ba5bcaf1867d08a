// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one user-side table of what is traced: each syscall, its name, and
 * the rule by which bpf/ipctrace.bpf.c finds its mechanism.  Adding a
 * syscall to a mechanism is one row here.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "names.h"

/* futex2 syscalls newer than Debian 12's headers (x86_64 numbers) */
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#define SYS_futex_wait 455
#define SYS_futex_requeue 456
#endif

#define FIXED(m) { .kind = SK_FIXED, .mechanism = (m) }
#define FIXED_BYTES(m, b) { .kind = SK_FIXED, .mechanism = (m), .bytes = (b) }
#define FD_ARG(a) { .kind = SK_FD, .arg = (a) }
#define FD_BYTES { .kind = SK_FD, .arg = 0, .bytes = BYTES_RESULT }
#define FD_ONLY(m) { .kind = SK_FD, .arg = 0, .mechanism = (m) }
#define KIND(k) { .kind = (k) }
#define KIND_ARG(k, a) { .kind = (k), .arg = (a) }

const struct traced_syscall traced_syscalls[] = {
	/* pipe, fifo */
	{ SYS_pipe, "pipe", FIXED(MECH_PIPE) },
	{ SYS_pipe2, "pipe2", FIXED(MECH_PIPE) },
	{ SYS_mknod, "mknod", KIND_ARG(SK_MKNOD, 1) },
	{ SYS_mknodat, "mknodat", KIND_ARG(SK_MKNOD, 2) },
	{ SYS_splice, "splice", { .kind = SK_SPLICE, .bytes = BYTES_RESULT } },
	{ SYS_tee, "tee", { .kind = SK_SPLICE, .bytes = BYTES_RESULT } },
	{ SYS_vmsplice, "vmsplice", FD_BYTES },
	/* any fd: pipe, fifo, socket, file, mqueue, shm */
	{ SYS_read, "read", FD_BYTES },
	{ SYS_write, "write", FD_BYTES },
	{ SYS_readv, "readv", FD_BYTES },
	{ SYS_writev, "writev", FD_BYTES },
	{ SYS_pread64, "pread64", FD_BYTES },
	{ SYS_pwrite64, "pwrite64", FD_BYTES },
	{ SYS_preadv, "preadv", FD_BYTES },
	{ SYS_pwritev, "pwritev", FD_BYTES },
	{ SYS_preadv2, "preadv2", FD_BYTES },
	{ SYS_pwritev2, "pwritev2", FD_BYTES },
	{ SYS_open, "open", KIND(SK_OPEN) },
	{ SYS_openat, "openat", KIND(SK_OPEN) },
	{ SYS_openat2, "openat2", KIND(SK_OPEN) },
	{ SYS_creat, "creat", KIND(SK_OPEN) },
	/* waits count for the mechanism of the fds waited on */
	{ SYS_poll, "poll", KIND(SK_POLL) },
	{ SYS_ppoll, "ppoll", KIND(SK_POLL) },
	{ SYS_select, "select", KIND(SK_SELECT) },
	{ SYS_pselect6, "pselect6", KIND(SK_SELECT) },
	{ SYS_epoll_wait, "epoll_wait", KIND(SK_EPOLL) },
	{ SYS_epoll_pwait, "epoll_pwait", KIND(SK_EPOLL) },
	{ SYS_epoll_pwait2, "epoll_pwait2", KIND(SK_EPOLL) },
	/* POSIX message queues */
	{ SYS_mq_open, "mq_open", FIXED(MECH_MQ_POSIX) },
	{ SYS_mq_unlink, "mq_unlink", FIXED(MECH_MQ_POSIX) },
	{ SYS_mq_timedsend, "mq_timedsend", FIXED_BYTES(MECH_MQ_POSIX, BYTES_ARG2) },
	{ SYS_mq_timedreceive, "mq_timedreceive", FIXED_BYTES(MECH_MQ_POSIX, BYTES_RESULT) },
	{ SYS_mq_notify, "mq_notify", FIXED(MECH_MQ_POSIX) },
	{ SYS_mq_getsetattr, "mq_getsetattr", FIXED(MECH_MQ_POSIX) },
	/* System V */
	{ SYS_msgget, "msgget", FIXED(MECH_MQ_SYSV) },
	{ SYS_msgsnd, "msgsnd", FIXED_BYTES(MECH_MQ_SYSV, BYTES_ARG2) },
	{ SYS_msgrcv, "msgrcv", FIXED_BYTES(MECH_MQ_SYSV, BYTES_RESULT) },
	{ SYS_msgctl, "msgctl", FIXED(MECH_MQ_SYSV) },
	{ SYS_semget, "semget", FIXED(MECH_SEM_SYSV) },
	{ SYS_semop, "semop", FIXED(MECH_SEM_SYSV) },
	{ SYS_semtimedop, "semtimedop", FIXED(MECH_SEM_SYSV) },
	{ SYS_semctl, "semctl", FIXED(MECH_SEM_SYSV) },
	/* shared memory */
	{ SYS_shmget, "shmget", FIXED(MECH_SHM) },
	{ SYS_shmat, "shmat", FIXED(MECH_SHM) },
	{ SYS_shmdt, "shmdt", FIXED(MECH_SHM) },
	{ SYS_shmctl, "shmctl", FIXED(MECH_SHM) },
	{ SYS_memfd_create, "memfd_create", FIXED(MECH_SHM) },
	{ SYS_ftruncate, "ftruncate", FD_ONLY(MECH_SHM) },
	{ SYS_mmap, "mmap", KIND(SK_MMAP) },
	/* futex */
	{ SYS_futex, "futex", KIND(SK_FUTEX) },
	{ SYS_futex_waitv, "futex_waitv", FIXED(MECH_FUTEX) },
	{ SYS_futex_wake, "futex_wake", FIXED(MECH_FUTEX) },
	{ SYS_futex_wait, "futex_wait", FIXED(MECH_FUTEX) },
	{ SYS_futex_requeue, "futex_requeue", FIXED(MECH_FUTEX) },
	/* signals */
	{ SYS_kill, "kill", FIXED(MECH_SIGNAL) },
	{ SYS_tkill, "tkill", FIXED(MECH_SIGNAL) },
	{ SYS_tgkill, "tgkill", FIXED(MECH_SIGNAL) },
	{ SYS_rt_sigqueueinfo, "rt_sigqueueinfo", FIXED(MECH_SIGNAL) },
	{ SYS_rt_tgsigqueueinfo, "rt_tgsigqueueinfo", FIXED(MECH_SIGNAL) },
	{ SYS_rt_sigtimedwait, "rt_sigtimedwait", FIXED(MECH_SIGNAL) },
	{ SYS_rt_sigsuspend, "rt_sigsuspend", FIXED(MECH_SIGNAL) },
	{ SYS_pause, "pause", FIXED(MECH_SIGNAL) },
	{ SYS_alarm, "alarm", FIXED(MECH_SIGNAL) },
	{ SYS_setitimer, "setitimer", FIXED(MECH_SIGNAL) },
	/* sockets: unix or inet by the socket's family */
	{ SYS_socket, "socket", KIND(SK_SOCKET) },
	{ SYS_socketpair, "socketpair", KIND(SK_SOCKET) },
	{ SYS_bind, "bind", FD_ARG(0) },
	{ SYS_listen, "listen", FD_ARG(0) },
	{ SYS_accept, "accept", FD_ARG(0) },
	{ SYS_accept4, "accept4", FD_ARG(0) },
	{ SYS_connect, "connect", FD_ARG(0) },
	{ SYS_shutdown, "shutdown", FD_ARG(0) },
	{ SYS_sendto, "sendto", FD_BYTES },
	{ SYS_recvfrom, "recvfrom", FD_BYTES },
	{ SYS_sendmsg, "sendmsg", FD_BYTES },
	{ SYS_recvmsg, "recvmsg", FD_BYTES },
	{ SYS_sendmmsg, "sendmmsg", FD_ARG(0) },
	{ SYS_recvmmsg, "recvmmsg", FD_ARG(0) },
	/* regular files */
	{ SYS_unlink, "unlink", KIND_ARG(SK_PATH, 0) },
	{ SYS_unlinkat, "unlinkat", KIND_ARG(SK_PATH, 1) },
	{ SYS_rename, "rename", KIND_ARG(SK_PATH, 0) },
	{ SYS_renameat, "renameat", KIND_ARG(SK_PATH, 1) },
	{ SYS_renameat2, "renameat2", KIND_ARG(SK_PATH, 1) },
	{ SYS_flock, "flock", KIND(SK_FLOCK) },
	{ SYS_fcntl, "fcntl", KIND(SK_FCNTL) },
};

const size_t traced_syscall_count = sizeof(traced_syscalls) / sizeof(traced_syscalls[0]);

static const char *const mechanism_names[MECH__COUNT] = {
	[MECH_NONE] = "none",
	[MECH_PIPE] = "pipe",
	[MECH_FIFO] = "fifo",
	[MECH_MQ_POSIX] = "mq_posix",
	[MECH_MQ_SYSV] = "mq_sysv",
	[MECH_SEM_SYSV] = "sem_sysv",
	[MECH_SHM] = "shm",
	[MECH_FUTEX] = "futex",
	[MECH_SIGNAL] = "signal",
	[MECH_UNIX_SOCKET] = "unix_socket",
	[MECH_INET_SOCKET] = "inet_socket",
	[MECH_FILE] = "file",
	[MECH_OTHER] = "other",
	[MECH_TIMER] = "timer",
};

static const char *const woken_by_names[WOKEN_BY__COUNT] = {
	[WOKEN_BY_IPC] = "ipc",
	[WOKEN_BY_TIMEOUT] = "timeout",
	[WOKEN_BY_SIGNAL] = "signal",
	[WOKEN_BY_NON_IPC] = "untraced-non-ipc",
	[WOKEN_BY_INTERRUPT] = "interrupt",
};

const char *woken_by_name(int reason)
{
	return reason >= 0 && reason < WOKEN_BY__COUNT ? woken_by_names[reason] : "unknown";
}

static const char *const lock_kind_names[] = {
	[LOCK_FUTEX] = "futex",
	[LOCK_KERNEL] = "kernel",
	[LOCK_FLOCK] = "flock",
	[LOCK_SEMOP] = "semop",
};

static const char *const futex_op_names[] = {
	"WAIT", "WAKE", "FD", "REQUEUE", "CMP_REQUEUE", "WAKE_OP", "LOCK_PI",
	"UNLOCK_PI", "TRYLOCK_PI", "WAIT_BITSET", "WAKE_BITSET", "WAIT_REQUEUE_PI",
	"CMP_REQUEUE_PI", "LOCK_PI2",
};

const char *mechanism_name(int mechanism)
{
	if (mechanism < 0 || mechanism >= MECH__COUNT)
		return "unknown";
	return mechanism_names[mechanism];
}

int mechanism_from_name(const char *name)
{
	for (int m = 0; m < MECH__COUNT; m++)
		if (!strcmp(mechanism_names[m], name))
			return m;
	return -1;
}

const char *lock_kind_name(int kind)
{
	if (kind <= 0 || kind >= (int)(sizeof(lock_kind_names) / sizeof(lock_kind_names[0])))
		return "?";
	return lock_kind_names[kind];
}

int lock_kind_from_name(const char *name)
{
	for (size_t i = 1; i < sizeof(lock_kind_names) / sizeof(lock_kind_names[0]); i++)
		if (!strcmp(lock_kind_names[i], name))
			return i;
	return -1;
}

const char *syscall_name(int nr)
{
	for (size_t i = 0; i < traced_syscall_count; i++)
		if (traced_syscalls[i].nr == nr)
			return traced_syscalls[i].name;
	return NULL;
}

int syscall_from_name(const char *name)
{
	for (size_t i = 0; i < traced_syscall_count; i++)
		if (!strcmp(traced_syscalls[i].name, name))
			return traced_syscalls[i].nr;
	return -1;
}

const char *futex_op_name(unsigned int op)
{
	static char unknown[16];

	if (op == FUTEX_OP_NONE)
		return NULL;
	if (op < sizeof(futex_op_names) / sizeof(futex_op_names[0]))
		return futex_op_names[op];
	snprintf(unknown, sizeof(unknown), "OP_%u", op);
	return unknown;
}

int futex_op_from_name(const char *name)
{
	unsigned int op;

	for (size_t i = 0; i < sizeof(futex_op_names) / sizeof(futex_op_names[0]); i++)
		if (!strcmp(futex_op_names[i], name))
			return i;
	if (sscanf(name, "OP_%u", &op) == 1)
		return op;
	return -1;
}

const char *signal_name(int signo)
{
	static char buf[16];
	const char *abbrev;

	if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
		snprintf(buf, sizeof(buf), "SIGRT%d", signo - SIGRTMIN);
		return buf;
	}
	abbrev = sigabbrev_np(signo);
	if (!abbrev)
		return NULL;
	snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	return buf;
}

void fill_syscall_rules(struct syscall_rule rules[MAX_SYSCALL_NR])
{
	memset(rules, 0, sizeof(*rules) * MAX_SYSCALL_NR);
	for (size_t i = 0; i < traced_syscall_count; i++)
		if (traced_syscalls[i].nr >= 0 && traced_syscalls[i].nr < MAX_SYSCALL_NR)
			rules[traced_syscalls[i].nr] = traced_syscalls[i].rule;
}
