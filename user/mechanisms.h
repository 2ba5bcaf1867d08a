/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one user-side table of mechanisms: a row per value of enum mechanism
 * (bpf/ipctrace.h) with its name, what it is, its colour in the HTML report
 * and whether it is IPC.  Every loop, list, colour and help text over
 * mechanisms reads it; tests/unit/test_mechanisms.c fails when the table,
 * the BPF enum, the JSON schema and the e2e oracle disagree.
 */
#ifndef IPCTRACE_MECHANISMS_H
#define IPCTRACE_MECHANISMS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include "ipctrace.h"

struct mechanism_info {
	const char *name;  /* in the JSON summary and every report */
	const char *label; /* what it is, for the help text */
	const char *color; /* its bars, arrows and swatches in the HTML report */
	bool ipc;          /* syscalls of its own; not: none, and the wake-up-only other and timer */
};

/* indexed by enum mechanism; reports list mechanisms in this order */
extern const struct mechanism_info mechanism_table[MECH__COUNT];

const char *mechanism_name(int mechanism); /* "unknown" if out of range */
int mechanism_from_name(const char *name); /* -1 if unknown */
const char *mechanism_color(int mechanism);
/* the next IPC mechanism after this one, or MECH__COUNT */
int next_ipc_mechanism(int mechanism);
#define for_each_ipc_mechanism(m) \
	for (int (m) = next_ipc_mechanism(MECH_NONE); (m) < MECH__COUNT; \
	     (m) = next_ipc_mechanism(m))
/* a line per IPC mechanism, its name and label, for the help text */
void print_ipc_mechanisms(FILE *out);

/* enum woken_by: "ipc", "timeout", "signal", "untraced-non-ipc", "interrupt" */
const char *woken_by_name(int reason);
const char *lock_kind_name(int kind); /* enum lock_kind: "futex", "kernel", ... */
int lock_kind_from_name(const char *name); /* -1 if unknown */

#endif
