// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry `ipctrace list` prints, generated from list.h.  Compiled
 * into both binaries; it names no workload entry point, so ipctrace links
 * it without the workloads.
 */
#include <string.h>

#include "workloads.h"

const struct workload_info workload_registry[] = {
#define WORKLOAD(ident, name, summary) { name, summary },
#include "list.h"
#undef WORKLOAD
};

const size_t workload_count = sizeof(workload_registry) / sizeof(workload_registry[0]);

const struct workload_info *workload_find(const char *name)
{
	for (size_t i = 0; i < workload_count; i++)
		if (strcmp(workload_registry[i].name, name) == 0)
			return &workload_registry[i];
	return NULL;
}
