/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The renderers of one summary.  Each reads the model (summary.h) and the
 * derived figures (figures.h), never changes them, and is called through
 * the output registry (formats.h).  hist: log2 histograms too, where the
 * format prints them on request (text); 0, or -1 on a write error.
 */
#ifndef IPCTRACE_RENDER_H
#define IPCTRACE_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "summary.h"

int render_text(FILE *out, const struct summary *s, bool hist);
/* one RFC 4180 row per (mechanism, syscall, operation) */
int render_csv(FILE *out, const struct summary *s, bool hist);
/* one RFC 4180 field, quoted when it must be */
void csv_field(FILE *out, const char *text);
int render_json(FILE *out, const struct summary *s, bool hist);
/* one self-contained page: tables and inline SVG charts, no scripts */
int render_html(FILE *out, const struct summary *s, bool hist);

#endif
