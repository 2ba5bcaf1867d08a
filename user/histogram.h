/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IPCTRACE_HISTOGRAM_H
#define IPCTRACE_HISTOGRAM_H

#include <linux/types.h>
#include <stdio.h>

/* bcc-style log2 histogram; slot i holds values in [2^(i-1), 2^i), slot 0 zero */
void print_log2_hist(FILE *out, const __u64 *slots, int nslots, const char *unit);

#endif
