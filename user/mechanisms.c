// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The mechanism table (see mechanisms.h) and the names of lock kinds. */
#include <string.h>
#include "mechanisms.h"

const struct mechanism_info mechanism_table[MECH__COUNT] = {
	[MECH_NONE] = { "none", "not IPC: not counted", "#999999", false },
	[MECH_PIPE] = { "pipe", "anonymous pipe", "#1f77b4", true },
	[MECH_FIFO] = { "fifo", "named pipe (FIFO)", "#ff7f0e", true },
	[MECH_MQ_POSIX] = { "mq_posix", "POSIX message queue", "#2ca02c", true },
	[MECH_MQ_SYSV] = { "mq_sysv", "System V message queue", "#d62728", true },
	[MECH_SEM_SYSV] = { "sem_sysv", "System V semaphore", "#9467bd", true },
	[MECH_SHM] = { "shm", "shared memory (POSIX, System V, memfd)", "#8c564b", true },
	[MECH_FUTEX] = { "futex", "futex", "#e377c2", true },
	[MECH_SIGNAL] = { "signal", "signal", "#bcbd22", true },
	[MECH_UNIX_SOCKET] = { "unix_socket", "AF_UNIX socket", "#17becf", true },
	[MECH_INET_SOCKET] = { "inet_socket", "AF_INET/AF_INET6 socket", "#393b79", true },
	[MECH_FILE] = { "file", "regular file", "#637939", true },
	[MECH_OTHER] = { "other", "wake-ups by untraced tasks or non-IPC calls", "#aaaaaa", false },
	[MECH_TIMER] = { "timer", "wake-ups by timers or the idle task", "#c7c7c7", false },
};

static const char *const lock_kind_names[] = {
	[LOCK_FUTEX] = "futex",
	[LOCK_KERNEL] = "kernel",
	[LOCK_FLOCK] = "flock",
	[LOCK_SEMOP] = "semop",
};

const char *mechanism_name(int mechanism)
{
	if (mechanism < 0 || mechanism >= MECH__COUNT || !mechanism_table[mechanism].name)
		return "unknown";
	return mechanism_table[mechanism].name;
}

int mechanism_from_name(const char *name)
{
	for (int m = 0; m < MECH__COUNT; m++)
		if (mechanism_table[m].name && !strcmp(mechanism_table[m].name, name))
			return m;
	return -1;
}

const char *mechanism_color(int mechanism)
{
	if (mechanism < 0 || mechanism >= MECH__COUNT || !mechanism_table[mechanism].color)
		return mechanism_table[MECH_NONE].color;
	return mechanism_table[mechanism].color;
}

int next_ipc_mechanism(int mechanism)
{
	while (++mechanism < MECH__COUNT)
		if (mechanism_table[mechanism].ipc)
			break;
	return mechanism;
}

void print_ipc_mechanisms(FILE *out)
{
	for_each_ipc_mechanism(m)
		fprintf(out, "  %-20s %s\n", mechanism_table[m].name, mechanism_table[m].label);
}

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
