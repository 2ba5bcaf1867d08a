// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pingpong: a microbenchmark for ipctrace's own overhead.  Parent and
 * child (two threads for futex) bounce a token --rounds times; a round is
 * parent -> child -> parent.  Only the parent's loop is timed
 * (CLOCK_MONOTONIC, through the vDSO: no syscall); it prints
 * "rounds=R ns_per_round=X".  Run it traced and untraced and compare.
 *
 * The loop's exact profile per --via (R = --rounds):
 *   pipe        write 2R + read 2R, 1 byte each (two pipes, one per direction)
 *   socketpair  write 2R + read 2R, 1 byte each (one AF_UNIX stream pair)
 *   mq          mq_timedsend 2R + mq_timedreceive 2R (two POSIX queues)
 *   msg         msgsnd 2R + msgrcv 2R (one System V queue, mtype = receiver)
 *   signal      kill 2R + rt_sigtimedwait 2R (SIGUSR1, blocked, sigwaitinfo)
 *   futex       futex FUTEX_WAKE_PRIVATE 2R exactly; FUTEX_WAIT_PRIVATE
 *               varies (skipped when the token is already back)
 * Setup and teardown around the loop, besides the prologue of common.h:
 *   pipe        pipe2 2, close 4
 *   socketpair  socketpair 1, close 2
 *   mq          mq_open 2, close 2, mq_unlink 2 (+ mkdir/rmdir standalone)
 *   msg         newfstatat 1 (ftok), msgget 1, msgctl 1 (+ mkdir/rmdir standalone)
 *   signal      getpid 1, rt_sigprocmask 1
 *   all but futex: clone 1, wait4 1; futex: pthread_create/join as in
 *   futex-pingpong.c; --cpu N: sched_setaffinity 1 (inherited by the other
 *   end); write 1 to stdout
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

enum via { VIA_PIPE, VIA_SOCKETPAIR, VIA_MQ, VIA_MSG, VIA_FUTEX, VIA_SIGNAL };
static const char *const via_names[] = { "pipe", "socketpair", "mq", "msg", "futex", "signal", NULL };

static long via = VIA_PIPE;
static long rounds = 100000;
static long cpu = -1;

static const struct option_spec options[] = {
	CHOICE_OPTION("via", &via, via_names, "the mechanism carrying the token"),
	INT_OPTION("rounds", &rounds, 1, 1000000000, "round trips parent -> child -> parent"),
	INT_OPTION("cpu", &cpu, -1, CPU_SETSIZE - 1, "pin both ends to this CPU; -1 leaves them free"),
	{ 0 },
};

enum side { PARENT = 0, CHILD = 1 };

/* Everything either end needs, whatever the mechanism. */
static struct {
	int pipes[2][2];    /* pipes[to][0 read, 1 write]: pipes[CHILD] carries parent -> child */
	int sockets[2];     /* sockets[side]: that end of the pair */
	mqd_t queues[2];    /* queues[to] */
	int msqid;          /* mtype = receiving side + 1 */
	int turn;           /* futex: whose move it is */
	pid_t pids[2];      /* signal: pids[side] */
	sigset_t usr1;
} ch;

struct token_message {
	long mtype;
	char token;
};

static void send_token(enum side from)
{
	enum side to = 1 - from;
	char token = 'x';
	int ok = 1;

	switch (via) {
	case VIA_PIPE:
		ok = write(ch.pipes[to][1], &token, 1) == 1;
		break;
	case VIA_SOCKETPAIR:
		ok = write(ch.sockets[from], &token, 1) == 1;
		break;
	case VIA_MQ:
		ok = mq_send(ch.queues[to], &token, 1, 0) == 0;
		break;
	case VIA_MSG: {
		struct token_message m = { .mtype = to + 1, .token = token };
		ok = msgsnd(ch.msqid, &m, 1, 0) == 0;
		break;
	}
	case VIA_FUTEX:
		__atomic_store_n(&ch.turn, to, __ATOMIC_RELEASE);
		futex_wake(&ch.turn, 1);
		break;
	case VIA_SIGNAL:
		ok = kill(ch.pids[to], SIGUSR1) == 0;
		break;
	}
	if (!ok)
		die_errno("send the token (%s)", via_names[via]);
}

static void wait_token(enum side me)
{
	char token;
	int ok = 1;

	switch (via) {
	case VIA_PIPE:
		ok = read(ch.pipes[me][0], &token, 1) == 1;
		break;
	case VIA_SOCKETPAIR:
		ok = read(ch.sockets[me], &token, 1) == 1;
		break;
	case VIA_MQ:
		ok = mq_receive(ch.queues[me], &token, 1, NULL) == 1;
		break;
	case VIA_MSG: {
		struct token_message m;
		ok = msgrcv(ch.msqid, &m, 1, me + 1, 0) == 1;
		break;
	}
	case VIA_FUTEX:
		while (__atomic_load_n(&ch.turn, __ATOMIC_ACQUIRE) != (int)me)
			futex_wait(&ch.turn, 1 - me);
		break;
	case VIA_SIGNAL:
		ok = sigwaitinfo(&ch.usr1, NULL) == SIGUSR1;
		break;
	}
	if (!ok)
		die_errno("wait for the token (%s)", via_names[via]);
}

static void child_loop(void)
{
	for (long r = 0; r < rounds; r++) {
		wait_token(CHILD);
		send_token(CHILD);
	}
}

static void *child_thread(void *unused)
{
	(void)unused;
	child_loop();
	return NULL;
}

int pingpong_main(int argc, char **argv)
{
	int mq_cleanups[2] = { -1, -1 }, msq_cleanup = -1;
	char *mq_names[2] = { NULL, NULL };
	int status = 0;

	parse_options(argc, argv, options);

	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity CPU %ld: %s (is that CPU online and allowed? see nproc)",
			    cpu, strerror(errno));
	}

	switch (via) {
	case VIA_PIPE:
		if (pipe2(ch.pipes[CHILD], O_CLOEXEC) < 0 || pipe2(ch.pipes[PARENT], O_CLOEXEC) < 0)
			die_errno("pipe2");
		break;
	case VIA_SOCKETPAIR:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch.sockets) < 0)
			die_errno("socketpair");
		break;
	case VIA_MQ: {
		struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 1 };
		mq_names[CHILD] = posix_name("to-child");
		mq_names[PARENT] = posix_name("to-parent");
		for (int to = 0; to < 2; to++) {
			ch.queues[to] = mq_open(mq_names[to], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
			if (ch.queues[to] == (mqd_t)-1)
				die_errno("mq_open %s", mq_names[to]);
			mq_cleanups[to] = on_cleanup_mq_unlink(mq_names[to]);
		}
		break;
	}
	case VIA_MSG:
		ch.msqid = msgget(rundir_key('q'), IPC_CREAT | IPC_EXCL | 0600);
		if (ch.msqid < 0)
			die_errno("msgget (a stale queue? see ipcs -q)");
		msq_cleanup = on_cleanup_msgctl_rmid(ch.msqid);
		break;
	case VIA_SIGNAL:
		/* Blocked in both ends from the start: sigwaitinfo takes each one. */
		sigemptyset(&ch.usr1);
		sigaddset(&ch.usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &ch.usr1, NULL);
		ch.pids[PARENT] = getpid();
		break;
	}

	pthread_t thread;
	pid_t child = 0;
	if (via == VIA_FUTEX) {
		int err = pthread_create(&thread, NULL, child_thread, NULL);
		if (err)
			die("pthread_create: error %d", err);
	} else {
		child = fork_child();
		if (child == 0) {
			child_loop();
			_exit(0);
		}
		ch.pids[CHILD] = child;
	}

	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long r = 0; r < rounds; r++) {
		send_token(PARENT);
		wait_token(PARENT);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);

	if (via == VIA_FUTEX)
		pthread_join(thread, NULL);
	else if (!exited_ok(wait_child(child)))
		status = 1;

	double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
	printf("rounds=%ld ns_per_round=%.1f\n", rounds, ns / rounds);

	switch (via) {
	case VIA_PIPE:
		for (int to = 0; to < 2; to++) {
			close(ch.pipes[to][0]);
			close(ch.pipes[to][1]);
		}
		break;
	case VIA_SOCKETPAIR:
		close(ch.sockets[0]);
		close(ch.sockets[1]);
		break;
	case VIA_MQ:
		for (int to = 0; to < 2; to++) {
			mq_close(ch.queues[to]);
			mq_unlink(mq_names[to]);
			cleanup_done(mq_cleanups[to]);
		}
		break;
	case VIA_MSG:
		msgctl(ch.msqid, IPC_RMID, NULL);
		cleanup_done(msq_cleanup);
		break;
	}
	return status;
}
