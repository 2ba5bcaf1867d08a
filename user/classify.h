/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Classification policy: the rule table that tells the BPF side how to
 * classify each traced syscall, and the names of syscalls, futex operations
 * and signals. */
#ifndef IPCTRACE_CLASSIFY_H
#define IPCTRACE_CLASSIFY_H

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

/* "read", or NULL for a syscall ipctrace does not trace */
const char *syscall_name(int nr);
int syscall_from_name(const char *name); /* -1 if unknown */
/* "WAIT", "WAKE", ...; NULL for FUTEX_OP_NONE */
const char *futex_op_name(unsigned int op);
int futex_op_from_name(const char *name); /* -1 if unknown */
const char *signal_name(int signo); /* "SIGUSR1"; NULL if none */
void signal_label(int signo, char *buf, size_t len); /* its name, else "SIG33" */
void fill_syscall_rules(struct syscall_rule rules[MAX_SYSCALL_NR]);

#endif
