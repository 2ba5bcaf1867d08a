/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IPCTRACE_TIMELINE_H
#define IPCTRACE_TIMELINE_H

#include <linux/types.h>
#include "summary.h"

struct timeline;

/* Start draining the events ring buffer into a temp file beside path;
 * NULL after one line on stderr. t0_ns: CLOCK_MONOTONIC of the start. */
struct timeline *timeline_open(const char *path, int ringbuf_fd, __u64 t0_ns);
/* Drain what is left, name the tracks, rename into place; 0 or an exit status. */
int timeline_close(struct timeline *tl, const struct summary *s);
/* Stop and remove the temp file (a failed run). */
void timeline_abort(struct timeline *tl);

#endif
