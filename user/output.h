/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef IPCTRACE_OUTPUT_H
#define IPCTRACE_OUTPUT_H

#include "summary.h"

/* Write the rendered summary to a temp file beside PATH, then rename it
 * over PATH: no truncated file on failure, and a symlink at PATH is
 * replaced, never followed.  0, or EXIT_CANTCREAT after one line. */
int write_output_file(const char *path, const struct summary *s, enum output_format format,
		      bool hist);
/* The same for any content: render_to(out, arg) writes it, 0 or -1. */
int write_file_replacing(const char *path, int (*render_to)(FILE *out, const void *arg),
			 const void *arg);

#endif
