// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scale-pingpong: the pingpong workload's pipe loop, split over many
 * process pairs, to see whether ipctrace's cost per traced event grows
 * with the number of traced processes.
 *
 *   scale-pingpong --pairs N --rounds R [--cpu C] [--one-at-a-time]
 *
 * Forks N leaders; each leader makes two pipes, forks its follower and
 * bounces a one-byte token with it R/N times (the first R%N leaders one
 * more), exactly as `ipctrace-workload pingpong --via pipe` does.  The
 * clock runs from the moment all 2N processes are forked and ready to the
 * moment every leader has finished its loop: forks and exits, which cost
 * milliseconds each in a small VM, stay outside.  Prints
 * "pairs=N rounds=R ns_per_round=X" (that time / R).
 *
 * By default all pairs run at once (a server with N clients: the CPU
 * switches between cold processes).  --one-at-a-time passes a baton: one
 * pair runs while the others wait, so the CPU's caches see about what
 * they see with one pair, and only the number of live traced processes
 * grows.
 *
 * Exact pipe profile, for the count check (R rounds, N pairs):
 *   write  2R + 2N   the loop; each leader's "ready" and "done" bytes
 *   read   2R + 5N   the loop; main's one-byte reads of "ready" and
 *                    "done" (2N); each leader's read of the start pipe
 *                    (EOF); each process's read of the finish pipe (EOF)
 *   pipe2  3 + 2N    start, ready (also "done") and finish; two per pair
 * --one-at-a-time adds write N + 1, read N (the baton) and pipe2 1.
 * Plus write 1 to stdout (a file, not a pipe, under the benchmark).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 4096

static void die(const char *what)
{
	fprintf(stderr, "scale-pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: scale-pingpong --pairs N --rounds R [--cpu C] [--one-at-a-time]\n");
	exit(2);
}

static void bounce(int to_peer, int from_peer, long rounds, int leader)
{
	char token = 'x';

	for (long r = 0; r < rounds; r++) {
		if (leader && write(to_peer, &token, 1) != 1)
			die("write token");
		if (read(from_peer, &token, 1) != 1)
			die("read token");
		if (!leader && write(to_peer, &token, 1) != 1)
			die("write token");
	}
}

/* --one-at-a-time: the pipe whose single byte lets one leader run; -1 if unused */
static int baton[2] = { -1, -1 };

/* What every process of every pair shares with main. */
static struct {
	int start[2];  /* closed by main: every leader's read returns EOF, go */
	int ready[2];  /* one byte per leader when forked, one more when done */
	int finish[2]; /* closed by main after the clock stops: everyone exits */
} sync_pipes;

static void await_finish(void)
{
	char byte;

	if (read(sync_pipes.finish[0], &byte, 1) != 0)
		die("read finish (expected EOF)");
}

/* One pair, in the leader; both processes exit at the end. */
static void run_pair(long rounds)
{
	int to_follower[2], to_leader[2];
	char byte = 'r';

	close(sync_pipes.start[1]);
	close(sync_pipes.ready[0]);
	close(sync_pipes.finish[1]);
	if (pipe2(to_follower, O_CLOEXEC) < 0 || pipe2(to_leader, O_CLOEXEC) < 0)
		die("pipe2");
	pid_t follower = fork();
	if (follower < 0)
		die("fork follower");
	if (follower == 0) {
		bounce(to_leader[1], to_follower[0], rounds, 0);
		await_finish();
		_exit(0);
	}
	if (write(sync_pipes.ready[1], &byte, 1) != 1)
		die("write ready");
	if (read(sync_pipes.start[0], &byte, 1) != 0)
		die("read start (expected EOF)");
	if (baton[0] >= 0 && read(baton[0], &byte, 1) != 1)
		die("read baton");
	bounce(to_follower[1], to_leader[0], rounds, 1);
	if (baton[0] >= 0 && write(baton[1], &byte, 1) != 1)
		die("write baton");
	if (write(sync_pipes.ready[1], &byte, 1) != 1)
		die("write done");
	await_finish();
	if (waitpid(follower, NULL, 0) < 0)
		die("waitpid follower");
	_exit(0);
}

/* main reads one byte per leader from the ready pipe: all forked, or all done */
static void await_leaders(long pairs)
{
	char byte;

	for (long p = 0; p < pairs; p++)
		if (read(sync_pipes.ready[0], &byte, 1) != 1)
			die("read ready");
}

int main(int argc, char **argv)
{
	static pid_t leaders[MAX_PAIRS];
	long pairs = 1, rounds = 100000, cpu = -1;
	int one_at_a_time = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--one-at-a-time")) {
			one_at_a_time = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--pairs"))
			pairs = atol(argv[++i]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atol(argv[++i]);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atol(argv[++i]);
		else
			usage();
	}
	if (pairs < 1 || pairs > MAX_PAIRS || rounds < pairs)
		usage();

	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity");
	}
	/* as ipctrace-workload does: a pending SIGCHLD stays pending */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (pipe2(sync_pipes.start, O_CLOEXEC) < 0 || pipe2(sync_pipes.ready, O_CLOEXEC) < 0 ||
	    pipe2(sync_pipes.finish, O_CLOEXEC) < 0)
		die("pipe2");
	if (one_at_a_time && pipe2(baton, O_CLOEXEC) < 0)
		die("pipe2");
	for (long p = 0; p < pairs; p++) {
		leaders[p] = fork();
		if (leaders[p] < 0)
			die("fork leader");
		if (leaders[p] == 0)
			run_pair(rounds / pairs + (p < rounds % pairs));
	}
	await_leaders(pairs);

	struct timespec begin, end;
	clock_gettime(CLOCK_MONOTONIC, &begin);
	close(sync_pipes.start[1]);
	if (one_at_a_time && write(baton[1], "b", 1) != 1)
		die("write baton");
	await_leaders(pairs);
	clock_gettime(CLOCK_MONOTONIC, &end);

	close(sync_pipes.finish[1]);
	int failed = 0;
	for (long p = 0; p < pairs; p++) {
		int status;
		if (waitpid(leaders[p], &status, 0) < 0)
			die("waitpid leader");
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}

	double ns = (end.tv_sec - begin.tv_sec) * 1e9 + (end.tv_nsec - begin.tv_nsec);
	printf("pairs=%ld rounds=%ld ns_per_round=%.1f\n", pairs, rounds, ns / rounds);
	return failed;
}
