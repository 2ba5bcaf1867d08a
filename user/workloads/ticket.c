// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ticket-race and ticket-lock: the tutorial's 12306 ticket example, both
 * listings in one file because they differ by one lock.  db.json holds one
 * ticket; every buyer searches (reads the file), then gets (reads it
 * again and, if a ticket is left, writes the decremented count back after
 * a pause).  Without the lock, all buyers read before anyone writes and
 * the one ticket is sold many times; ticket-lock wraps get() in a
 * process-shared mutex, and exactly one buyer gets it.
 *
 * Exact profile (B = --buyers, K = tickets sold), besides the prologue of
 * common.h:
 *   openat          1 + 2B + K   parent: creates db.json; buyer: search,
 *                                get, and one more to write if it bought
 *   read            2B           one read per open for reading
 *   write           1 + K        parent: {"count": 1}; each sale
 *   close           1 + 2B + K
 *   clock_nanosleep 2B + K       --think-ms before search and get,
 *                                --hold-ms before writing (none when 0)
 *   clone           B
 *   wait4           B
 *   unlink          1            db.json
 *   write           B + K + 1 to stdout
 *   ticket-lock only: mmap 1 + munmap 1 (MAP_SHARED, the mutex), and
 *                     futex: varies (only contended lock/unlock call it)
 *   standalone only: mkdir 1 + rmdir 1 (the run directory)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static long buyers = 10;
static long think_ms = 100;
static long hold_ms = 300;

static const struct option_spec options[] = {
	INT_OPTION("buyers", &buyers, 1, MAX_CHILDREN, "buyer processes, one ticket for all of them"),
	INT_OPTION("think-ms", &think_ms, 0, 60000, "pause before search and before get"),
	INT_OPTION("hold-ms", &hold_ms, 0, 60000, "pause between reading and writing the count"),
	{ 0 },
};

static const char *db_path;

/*
 * json.load(open('db.txt')): one open, one read, one close.  A read that
 * races a writer's O_TRUNC sees an empty file, where json.load would
 * fail: this buyer then sees no ticket.
 */
static int load_count(void)
{
	char json[64];
	int count = 0;

	int fd = open(db_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("open %s", db_path);
	ssize_t len = read(fd, json, sizeof(json) - 1);
	close(fd);
	if (len > 0) {
		json[len] = '\0';
		sscanf(json, "{\"count\": %d}", &count);
	}
	return count;
}

/* json.dump(dic, open('db.txt', 'w')): one open, one write, one close. */
static void dump_count(int count)
{
	char json[64];

	int len = snprintf(json, sizeof(json), "{\"count\": %d}", count);
	int fd = open(db_path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("open %s for writing", db_path);
	if (write(fd, json, len) != len)
		die_errno("write %s", db_path);
	close(fd);
}

static void search(long buyer)
{
	sleep_ms(think_ms);
	int count = load_count();
	printf("<buyer %ld> sees %d tickets left\n", buyer, count);
}

static bool get(long buyer)
{
	sleep_ms(think_ms);
	int count = load_count();
	if (count > 0) {
		count -= 1;
		sleep_ms(hold_ms);
		dump_count(count);
		printf("<buyer %ld> bought a ticket\n", buyer);
		return true;
	}
	return false;
}

/* The buyer's exit status says whether it bought: 0 yes, 1 no. */
static void __attribute__((noreturn)) task(long buyer, pthread_mutex_t *lock)
{
	search(buyer);
	if (lock)
		pthread_mutex_lock(lock);
	bool bought = get(buyer);
	if (lock)
		pthread_mutex_unlock(lock);
	_exit(bought ? 0 : 1);
}

static int ticket_office(int argc, char **argv, bool with_lock)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	db_path = rundir_path("db.json");
	int db_cleanup = on_cleanup_unlink(db_path);
	dump_count(1);

	pthread_mutex_t *lock = NULL;
	if (with_lock) {
		lock = map_shared(sizeof(*lock)); /* lock = Lock() */
		shared_mutex_init(lock);
	}

	for (long i = 0; i < buyers; i++) {
		pid_t pid = fork_child();
		if (pid == 0)
			task(i, lock);
		pids[i] = pid;
	}

	int sold = 0;
	for (long i = 0; i < buyers; i++) {
		int buyer_status = wait_child(pids[i]);
		if (exited_ok(buyer_status))
			sold++;
		else if (!WIFEXITED(buyer_status) || WEXITSTATUS(buyer_status) != 1)
			status = 1;
	}
	printf("tickets sold: %d\n", sold);

	if (with_lock) {
		pthread_mutex_destroy(lock);
		munmap(lock, sizeof(*lock));
	}
	unlink(db_path);
	cleanup_done(db_cleanup);

	/* The lock is the point: with it, the one ticket is sold exactly once. */
	if (with_lock ? sold != 1 : sold < 1) {
		warn("%d tickets sold, expected %s", sold, with_lock ? "exactly 1" : "at least 1");
		status = 1;
	}
	return status;
}

int ticket_race_main(int argc, char **argv)
{
	return ticket_office(argc, argv, false);
}

int ticket_lock_main(int argc, char **argv)
{
	return ticket_office(argc, argv, true);
}
