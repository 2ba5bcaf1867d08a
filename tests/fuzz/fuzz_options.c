// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness of the command-line parsers of `run`, `attach` and
 * `serve`.  The input is an argument vector: its first byte picks the
 * command (odd: attach; else bit 1 set: serve; else run), the rest are the
 * arguments, separated by NUL bytes.  Only parsing is called
 * (parse_run_args, parse_attach_options, parse_serve_options): nothing is
 * traced, run or served.  Crashes, leaks and undefined behaviour fail.
 *
 * The parsers are linked from the commands (cmd_run.c, cmd_attach.c, cmd_serve.c),
 * declared in cli.h.
 *
 * make fuzz FUZZ_SECONDS=60 runs it on tests/fuzz/corpus/options/.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define MAX_ARGS 64

/* glibc's getopt keeps its place inside a cluster of short options ("-qv")
 * across calls, pointing into the previous input: only optind = 0 forgets
 * it.  ipctrace parses one command line per process and needs no reset. */
static void reset_getopt(void)
{
	static char *none[] = { "ipctrace", NULL };

	optind = 0;
	opterr = 0;
	getopt(1, none, "");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* what the parsers print is noise here; sanitizer reports go to fd 2 */
	stdout = fopen("/dev/null", "w");
	stderr = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *argv[MAX_ARGS + 2], *args[MAX_ARGS + 2];
	size_t len;
	int argc = 1, nargs = 0;
	bool attach, serve;

	if (size == 0)
		return 0;
	attach = data[0] & 1;
	serve = !attach && (data[0] & 2);
	/* data[1..] as NUL-separated strings, in a buffer of their exact size */
	len = size - 1;
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	copy[len] = '\0';
	argv[0] = attach ? "attach" : serve ? "serve" : "run";
	for (size_t start = 0; start < len && argc <= MAX_ARGS; start += strlen(copy + start) + 1)
		argv[argc++] = copy + start;
	argv[argc] = NULL;

	reset_getopt();
	if (attach) {
		struct attach_options o = { .common.help = attach_help };

		parse_attach_options(&o, argc, argv);
	} else if (serve) {
		static struct serve_options o;

		memset(&o, 0, sizeof(o));
		o.common.help = serve_help;
		parse_serve_options(&o, argc, argv);
	} else {
		struct run_options o = { .help = run_help };
		const struct workload_info *workload;

		parse_run_args(&o, argc, argv, &workload, args, &nargs);
		if (nargs > argc)
			abort();
	}
	free(copy);
	return 0;
}
