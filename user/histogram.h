/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IPCTRACE_HISTOGRAM_H
#define IPCTRACE_HISTOGRAM_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>

/* The used part of a histogram: first and last non-empty slots and the
 * largest count; false if all are empty. */
bool hist_range(const __u64 *slots, int nslots, int *first, int *last, __u64 *max);

/* bcc-style log2 histogram; slot i holds values in [2^(i-1), 2^i), slot 0 zero */
void print_log2_hist(FILE *out, const __u64 *slots, int nslots, const char *unit);

#endif
