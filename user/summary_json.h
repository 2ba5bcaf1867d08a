/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The summary as JSON, both ways (schema ipctrace.summary/1, described in
 * schema/ipctrace.summary-1.json; versioning policy in the README): the
 * writer is an output, the reader builds a model from a saved run.
 */
#ifndef IPCTRACE_SUMMARY_JSON_H
#define IPCTRACE_SUMMARY_JSON_H

#include <stdio.h>
#include "summary.h"

struct json_t;

/* The summary as a jansson object, exactly what render_json() writes (compare
 * embeds it); NULL out of memory.  The caller owns it. */
struct json_t *summary_to_json(const struct summary *s);
/* write a jansson value as ipctrace writes JSON, and release it; NULL fails */
int dump_json(FILE *out, struct json_t *root);

/* Reading a saved summary: 0, or -1 with a one-line reason in err.  As the
 * schema's versioning policy says (README, "Schema versions"), fields this
 * ipctrace does not know are ignored, and entries of mechanisms it does not
 * know are left out and counted in s->skipped: a later /1 file still reads. */
int summary_read_json(const char *path, struct summary *s, char *err, size_t errlen);
/* The same from LEN bytes of DATA; NAME stands for them in err (the fuzzer's entry). */
int summary_read_json_buffer(const char *data, size_t len, const char *name, struct summary *s,
			     char *err, size_t errlen);

#endif
