/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IPCTRACE_OUTPUT_H
#define IPCTRACE_OUTPUT_H

#include <limits.h>
#include <stdio.h>
#include "formats.h"
#include "summary.h"

/* An output being written: into tmp, renamed to path on close; tmp is ""
 * when path is written in place. */
struct output_file {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	FILE *f;
};

/* 0 with o->f open for writing, or EXIT_CANTCREAT after one line. */
int output_file_open(struct output_file *o, const char *path);
/* Flush, sync and put in place; ERR, an errno the writer met, aborts it
 * (the temp file is removed).  0, or EXIT_CANTCREAT after one line. */
int output_file_close(struct output_file *o, int err);
/* Close and remove what was written, silently (the caller said why). */
void output_file_discard(struct output_file *o);

/* Write the rendered summary to a temp file beside PATH, then rename it
 * over PATH: no truncated file on failure, and a symlink to a regular file
 * is replaced, never followed.  A device, FIFO or pipe at PATH (or behind
 * its symlink), and /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N
 * (whatever the fd is open on), are written in place.  0, or EXIT_CANTCREAT
 * after one line. */
int write_output_file(const char *path, const struct summary *s,
		      const struct output_format *format, bool hist);
/* The same for any content: render_to(out, arg) writes it, 0 or -1. */
int write_file_replacing(const char *path, int (*render_to)(FILE *out, const void *arg),
			 const void *arg);

#endif
