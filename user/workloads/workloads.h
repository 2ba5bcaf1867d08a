/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The workload registry, as the ipctrace binary sees it: names and
 * summaries only.  The workloads themselves live in the separate
 * ipctrace-workload binary (main.c), which ipctrace runs by name.
 */
#ifndef IPCTRACE_WORKLOADS_H
#define IPCTRACE_WORKLOADS_H

#include <stddef.h>

struct workload_info {
	const char *name;    /* as typed: "pipe-pi" */
	const char *summary; /* one line, < 70 characters */
};

/* In list.h order. */
extern const struct workload_info workload_registry[];
extern const size_t workload_count;

/* NULL if no workload has this name. */
const struct workload_info *workload_find(const char *name);

#endif /* IPCTRACE_WORKLOADS_H */
