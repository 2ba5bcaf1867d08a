// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * futex-pingpong: the primitive under every lock above, bare.  Two
 * threads of one process pass a token (`turn`: whose move it is) back and
 * forth; each handoff stores the new turn and makes exactly one
 * FUTEX_WAKE, and a thread whose turn has not come sleeps in FUTEX_WAIT.
 *
 * Exact profile (R = --rounds, the number of handoffs), besides the
 * prologue of common.h:
 *   futex FUTEX_WAKE_PRIVATE  R exactly
 *   futex FUTEX_WAIT_PRIVATE  varies, from 0 to a little over R: a thread
 *                             whose token is already back does not wait,
 *                             and a late FUTEX_WAKE can end a wait early
 *   pthread_create and join (static glibc): rt_sigaction 1 (SIGRT_1, on the
 *     first thread) + rt_sigprocmask 3 + mmap 1 + mprotect 1 + clone3 1 in
 *     the process; rseq, set_robust_list, rt_sigprocmask 2, madvise, exit
 *     in the thread; join: futex FUTEX_WAIT_BITSET (shared) 0 or 1
 *   --cpu N: sched_setaffinity 1; the partner thread inherits the CPU
 *   --fifo 1: sched_setscheduler 1; with --cpu, no wake-up preemption:
 *     every FUTEX_WAKE finds its partner asleep but the first (the partner
 *     has not waited yet) and the last (the partner is done), so futex
 *     wake-ups = FUTEX_WAIT_PRIVATE = R - 2 (measured: 9998 for R = 10000)
 *   write 1 to stdout
 *   --switches 1: getrusage 2 in each thread, around the handoffs (the
 *     main thread's span ends after the join)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>

#include "common.h"

static long rounds = 10000;
static long cpu = -1;
static long fifo;
static long switches;

static const struct option_spec options[] = {
	INT_OPTION("rounds", &rounds, 1, 1000000000, "handoffs of the token, each one FUTEX_WAKE"),
	INT_OPTION("cpu", &cpu, -1, CPU_SETSIZE - 1,
		   "pin both threads to this CPU; -1 leaves them free"),
	INT_OPTION("fifo", &fifo, 0, 1,
		   "1: SCHED_FIFO (root): no wake-up preemption, so with --cpu every handoff\n"
		   "      wakes a partner asleep in FUTEX_WAIT: R wake-ups exactly, but the first"),
	INT_OPTION("switches", &switches, 0, 1,
		   "1: print the threads' voluntary context switches over the handoffs and\n"
		   "      the join, the kernel's own count of their sleeps (all in futex calls)"),
	{ 0 },
};

static int turn; /* 0: the main thread's move, 1: the partner's */
static long partner_switches;

static long voluntary_switches(void)
{
	struct rusage usage;

	if (!switches)
		return 0;
	if (getrusage(RUSAGE_THREAD, &usage))
		die_errno("getrusage");
	return usage.ru_nvcsw;
}

/* Player `me` makes handoffs me, me + 2, me + 4, ... */
static void play(int me)
{
	for (long handoff = me; handoff < rounds; handoff += 2) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
			futex_wait(&turn, 1 - me);
		__atomic_store_n(&turn, 1 - me, __ATOMIC_RELEASE);
		futex_wake(&turn, 1);
	}
}

static void *partner(void *unused)
{
	long before = voluntary_switches();

	(void)unused;
	play(1);
	partner_switches = voluntary_switches() - before; /* read after the join */
	return NULL;
}

int futex_pingpong_main(int argc, char **argv)
{
	pthread_t thread;

	parse_options(argc, argv, options);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity(cpu %ld): %s", cpu, strerror(errno));
	}
	if (fifo) {
		struct sched_param param = { .sched_priority = 1 };

		/* the partner thread inherits the policy */
		if (sched_setscheduler(0, SCHED_FIFO, &param))
			die("sched_setscheduler(SCHED_FIFO): %s", strerror(errno));
	}

	int err = pthread_create(&thread, NULL, partner, NULL);
	if (err)
		die("pthread_create: error %d", err);
	long before = voluntary_switches();

	play(0);
	pthread_join(thread, NULL);
	long main_switches = voluntary_switches() - before;

	if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != rounds % 2) {
		warn("the token ended on the wrong side");
		return 1;
	}
	if (switches)
		printf("voluntary switches: %ld\n", main_switches + partner_switches);
	printf("%ld rounds done\n", rounds);
	return 0;
}
