/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names for humans: mechanisms, syscalls and futex operations, and the rule
 * table that tells the BPF side how to classify each traced syscall. */
#ifndef IPCTRACE_NAMES_H
#define IPCTRACE_NAMES_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "ipctrace.h"

struct traced_syscall {
	int nr;
	const char *name;
	struct syscall_rule rule;
};

extern const struct traced_syscall traced_syscalls[];
extern const size_t traced_syscall_count;

const char *mechanism_name(int mechanism);
int mechanism_from_name(const char *name); /* -1 if unknown */
/* "read", or NULL for a syscall ipctrace does not trace */
const char *syscall_name(int nr);
int syscall_from_name(const char *name); /* -1 if unknown */
/* "WAIT", "WAKE", ...; NULL for FUTEX_OP_NONE */
const char *futex_op_name(unsigned int op);
int futex_op_from_name(const char *name); /* -1 if unknown */
const char *signal_name(int signo); /* "SIGUSR1"; NULL if none */
/* enum woken_by: "ipc", "timeout", "signal", "untraced-non-ipc", "interrupt" */
const char *woken_by_name(int reason);
const char *lock_kind_name(int kind); /* enum lock_kind: "futex", "kernel", ... */
int lock_kind_from_name(const char *name); /* -1 if unknown */
void fill_syscall_rules(struct syscall_rule rules[MAX_SYSCALL_NR]);

#endif
