// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sem: the tutorial's Semaphore(2) example.  A "database" (an array and a
 * row count, in a System V shared memory segment) takes inserts from
 * several processes; a System V semaphore initialised to 2 lets at most
 * two of them in at a time.  Since two holders may append at once, each
 * takes its row with an atomic fetch-add on the count.
 *
 * Exact profile (C = --children, I = --inserts), besides the prologue of
 * common.h:
 *   newfstatat 2        ftok(<rundir>, 's') and ftok(<rundir>, 'm')
 *   semget     1        IPC_CREAT|IPC_EXCL, one semaphore
 *   semctl     1 + 1    SETVAL 2; IPC_RMID at the end
 *   shmget     1        IPC_CREAT|IPC_EXCL
 *   shmat      1
 *   clone      C
 *   getpid     C        each child: the data it inserts
 *   semtimedop 2*C*I    semop(-1) and semop(+1) per insert (glibc's semop)
 *   wait4      C
 *   shmdt      1
 *   shmctl     1        IPC_RMID
 *   write      1 to stdout
 *   standalone only: mkdir 1 + rmdir 1 (the run directory makes the keys)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "common.h"

#define DB_HOLDERS 2 /* Semaphore(2) */

struct database {
	int count;     /* rows in use; taken with an atomic fetch-add */
	pid_t rows[];  /* the data: the pid of the inserting child */
};

/* semctl's fourth argument: the caller must define it (semctl(2)). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static long children = 5;
static long inserts = 10;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "processes inserting into the database"),
	INT_OPTION("inserts", &inserts, 1, 1000, "inserts per process, each under the semaphore"),
	{ 0 },
};

static void semaphore_add(int semid, int delta)
{
	struct sembuf op = { .sem_num = 0, .sem_op = delta, .sem_flg = 0 };

	while (semop(semid, &op, 1) < 0)
		if (errno != EINTR)
			die_errno("semop %+d", delta);
}

static void insert(int semid, struct database *db, pid_t data)
{
	semaphore_add(semid, -1); /* db_semaphore.acquire() */
	int row = __atomic_fetch_add(&db->count, 1, __ATOMIC_SEQ_CST);
	db->rows[row] = data;     /* database.append(data) */
	semaphore_add(semid, +1); /* db_semaphore.release() */
}

static int compare_pids(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int sem_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);
	long rows = children * inserts;

	int semid = semget(rundir_key('s'), 1, IPC_CREAT | IPC_EXCL | 0600);
	if (semid < 0)
		die_errno("semget (a stale set? see ipcs -s)");
	int sem_cleanup = on_cleanup_semctl_rmid(semid);
	if (semctl(semid, 0, SETVAL, (union semun){ .val = DB_HOLDERS }) < 0)
		die_errno("semctl SETVAL");

	size_t db_size = sizeof(struct database) + rows * sizeof(pid_t);
	int shmid = shmget(rundir_key('m'), db_size, IPC_CREAT | IPC_EXCL | 0600);
	if (shmid < 0)
		die_errno("shmget (a stale segment? see ipcs -m)");
	int shm_cleanup = on_cleanup_shmctl_rmid(shmid);
	struct database *db = shmat(shmid, NULL, 0);
	if (db == (void *)-1)
		die_errno("shmat");

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			pid_t me = getpid();
			for (long j = 0; j < inserts; j++)
				insert(semid, db, me);
			_exit(0);
		}
		pids[i] = pid;
	}
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;

	/* Every child's pid must be in exactly `inserts` rows. */
	long found[MAX_CHILDREN] = { 0 };
	pid_t sorted[MAX_CHILDREN];
	for (long i = 0; i < children; i++)
		sorted[i] = pids[i];
	/* cppcheck-suppress uninitvar ; children >= 1 (its range): qsort reads only slots set */
	qsort(sorted, children, sizeof(pid_t), compare_pids);
	for (long row = 0; row < db->count && row < rows; row++) {
		pid_t *hit = bsearch(&db->rows[row], sorted, children, sizeof(pid_t), compare_pids);
		if (hit)
			found[hit - sorted]++;
	}
	for (long i = 0; i < children; i++) {
		if (found[i] != inserts) {
			warn("process %d has %ld rows, expected %ld", (int)sorted[i], found[i], inserts);
			status = 1;
		}
	}
	printf("database holds %d rows\n", db->count);
	if (db->count != rows) {
		warn("expected %ld rows", rows);
		status = 1;
	}

	shmdt(db);
	shmctl(shmid, IPC_RMID, NULL);
	cleanup_done(shm_cleanup);
	semctl(semid, 0, IPC_RMID);
	cleanup_done(sem_cleanup);
	return status;
}
