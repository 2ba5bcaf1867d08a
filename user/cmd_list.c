// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace list`: the bundled workloads, a line each. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

void list_help(FILE *out)
{
	fputs("Usage: ipctrace list\n"
	      "\n"
	      "The bundled workloads ipctrace run and compare accept, with what each does\n"
	      "(ipctrace-workload NAME --help: its options).\n", out);
}

int cmd_list(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		list_help(stdout);
		return 0;
	}
	printf("%-20s %s\n", "WORKLOAD", "DESCRIPTION");
	for (size_t i = 0; i < workload_count; i++)
		printf("%-20s %s\n", workload_registry[i].name, workload_registry[i].summary);
	return 0;
}
