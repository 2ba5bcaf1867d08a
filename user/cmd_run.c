// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace run`: trace a bundled workload or a command from exec to exit. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "exitcodes.h"

static const struct option run_long_options[] = {
	TRACING_OPTIONS,
	{ "user", required_argument, NULL, 'u' },
	{ "version", no_argument, NULL, 'V' },
	{}
};
static const char run_short_options[] = "+o:f:u:qvhV";

void run_help(FILE *out)
{
	fputs("Usage: ipctrace run [OPTIONS] WORKLOAD [WORKLOAD OPTIONS]\n"
	      "       ipctrace run [OPTIONS] -- COMMAND [ARGS...]\n"
	      "\n"
	      "Trace a bundled workload (ipctrace list) or any command, and every process\n"
	      "and thread it starts, from its exec to its exit.  ipctrace's own options may\n"
	      "also follow a workload's name.\n"
	      "\n"
	      "Options:\n", out);
	print_output_options(out);
	fputs("      --stacks           record user stacks of futex waiters\n"
	      "      --timeline FILE    write every IPC event as Chrome Trace JSON (Perfetto)\n"
	      "      --ringbuf-size N   its BPF ring buffer, bytes (default 16 MiB)\n"
	      "  -u, --user USER        run the command as USER (as strace -u does)\n", out);
	print_tracing_options(out);
	fputs("  -V, --version          the version\n"
	      "\n"
	      "Examples:\n"
	      "  sudo ipctrace run pipe-pi                  # the bundled pipe workload\n"
	      "  sudo ipctrace run pipe-pi --children 3     # workload options follow its name\n"
	      "  sudo ipctrace run -o out.json mq-pi        # text on stdout, JSON in out.json\n"
	      "  sudo ipctrace run --hist -- python3 app.py # any command, with histograms\n"
	      "  sudo ipctrace run -u $SUDO_USER -- ./app   # run the command as yourself\n"
	      "\n"
	      "Exit status: the command's own (128+N if killed by signal N), 130/143 when\n"
	      "ipctrace itself was interrupted by SIGINT/SIGTERM, or ipctrace's own failure\n"
	      "(ipctrace --help lists them).\n", out);
}


/* After the workload's name, ipctrace's own long options are still
 * recognised (`run pipe-pi -o out.json`); everything else is the
 * workload's.  Workload options never share a name with ipctrace's. */
static int split_workload_args(struct run_options *o, int argc, char **argv, char **workload_args,
			       int *nworkload_args)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		const struct option *match = NULL;
		char name[64];
		int status;

		if (!strcmp(arg, "--")) {
			while (++i < argc)
				workload_args[(*nworkload_args)++] = argv[i];
			break;
		}
		if (!strncmp(arg, "--", 2)) {
			size_t len = strcspn(arg + 2, "=");

			snprintf(name, sizeof(name), "%.*s", (int)len, arg + 2);
			for (const struct option *opt = run_long_options; opt->name; opt++)
				if (!strcmp(opt->name, name))
					match = opt;
			if (arg[2 + len] == '=')
				value = arg + 3 + len;
		} else if (arg[0] == '-' && arg[1] && !arg[2]) {
			for (const struct option *opt = run_long_options; opt->name; opt++)
				if (opt->val == arg[1] && strchr(run_short_options, arg[1]))
					match = opt;
		}
		if (!match) {
			workload_args[(*nworkload_args)++] = argv[i];
			continue;
		}
		if (match->has_arg == required_argument && !value) {
			if (i + 1 == argc)
				return usage_error("option '%s' needs a value", arg);
			value = argv[++i];
		}
		status = handle_run_option(o, match->val, value);
		if (status)
			return status;
	}
	return 0;
}


/* `run`'s command line, parsed with no side effect but messages: the options into o, then the
 * bundled *workload (NULL for -- COMMAND) and its arguments, or the command,
 * appended to args, which has room for argc.  0, -1 after --help or
 * --version, or an exit status after one line on stderr. */
int parse_run_args(struct run_options *o, int argc, char **argv,
			  const struct workload_info **workload, char **args, int *nargs)
{
	int opt, status;

	*workload = NULL;
	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, run_short_options, run_long_options, NULL)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		status = handle_run_option(o, opt, optarg);
		if (status)
			return status;
	}
	if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		if (optind == argc)
			return usage_error("run: nothing to run after '--'%s", "");
		while (optind < argc)
			args[(*nargs)++] = argv[optind++];
		return 0;
	}
	if (optind == argc)
		return usage_error("run: name a workload (ipctrace list) or give -- COMMAND%s", "");
	*workload = workload_find(argv[optind]);
	if (!*workload) {
		fprintf(stderr, "ipctrace: unknown workload '%s'; bundled workloads:", argv[optind]);
		for (size_t i = 0; i < workload_count; i++)
			fprintf(stderr, " %s", workload_registry[i].name);
		fprintf(stderr, "\n");
		return EXIT_USAGE;
	}
	return split_workload_args(o, argc - optind - 1, argv + optind + 1, args, nargs);
}

int cmd_run(int argc, char **argv)
{
	struct run_options o = { .help = run_help };
	char binary[PATH_MAX], **child_argv;
	const struct workload_info *w;
	int status, nargs = 0;

	/* the workload binary and name go before its arguments; NULL after them */
	child_argv = calloc(argc + 3, sizeof(char *));
	if (!child_argv)
		return EXIT_SOFTWARE;
	status = parse_run_args(&o, argc, argv, &w, child_argv + 2, &nargs);
	if (status)
		goto out;
	if (!w) {
		status = run_traced(&o, NULL, child_argv + 2, nargs, NULL);
		goto out;
	}
	if (find_workload_binary(binary, sizeof(binary))) {
		fprintf(stderr, "ipctrace: %s not found next to ipctrace or in %s: reinstall\n",
			WORKLOAD_BINARY, IPCTRACE_LIBEXECDIR);
		status = EXIT_UNAVAILABLE;
		goto out;
	}
	child_argv[0] = binary;
	child_argv[1] = (char *)w->name;
	status = run_traced(&o, w->name, child_argv, nargs + 2, NULL);
out:
	free(child_argv);
	return status < 0 ? 0 : status;
}
