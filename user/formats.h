/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The output registry: one row per format, with its name (-f NAME), the
 * file extensions that choose it for -o FILE, its renderer of a summary and
 * of a comparison (NULL: it has none).  Commands and output files find
 * formats here only; adding a format is a row and its renderer.
 */
#ifndef IPCTRACE_FORMATS_H
#define IPCTRACE_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "compare.h"
#include "summary.h"

#define FORMAT_EXTENSIONS_MAX 3

struct output_format {
	const char *name;
	const char *extensions[FORMAT_EXTENSIONS_MAX]; /* ".json", ...; NULL-terminated if fewer */
	int (*render)(FILE *out, const struct summary *s, bool hist);
	int (*render_compare)(FILE *out, const struct compare_input *inputs, size_t ninputs);
};

extern const struct output_format output_formats[];
extern const size_t output_format_count;
/* text, the default on a terminal */
#define DEFAULT_FORMAT (&output_formats[0])

const struct output_format *format_by_name(const char *name); /* NULL if unknown */
/* the format PATH's extension names, NULL if none does */
const struct output_format *format_for_path(const char *path);
/* "text, json, csv or html" (only those that render a comparison, if compare) */
void format_names(char *buf, size_t len, bool compare);

#endif
