// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace features`: what the running kernel offers ipctrace. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

void features_help(FILE *out)
{
	fputs("Usage: ipctrace features [--btf FILE]\n"
	      "\n"
	      "Probe what the running kernel offers: BTF, raw tracepoints, the ring buffer,\n"
	      "bpf_find_vma, every tracepoint ipctrace wants (attached for real), and, for\n"
	      "the record, tp_btf, fentry and kprobes, which it does not use.\n"
	      "\n"
	      "Exit status: 0, or 69 if something required is missing.\n", out);
}

int cmd_features(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		features_help(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--btf"))
		return tracer_print_features(stdout, argv[2]);
	if (argc != 1)
		return usage_error("features: only --btf FILE is accepted%s", "");
	return tracer_print_features(stdout, NULL);
}
