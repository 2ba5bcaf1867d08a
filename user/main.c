// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ipctrace: what does each IPC mechanism cost this program?
 * The command line: finds the command and hands it its arguments; each
 * command (cmd_*.c) parses them and has its own help.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "mechanisms.h"

static const struct command {
	const char *name;
	const char *synopsis;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
} commands[] = {
	{ "run", "run [OPTIONS] WORKLOAD [WORKLOAD OPTIONS]", cmd_run, run_help },
	{ "run", "run [OPTIONS] -- COMMAND [ARGS...]", cmd_run, run_help },
	{ "attach", "attach [OPTIONS] -p PID[,PID...] | --comm NAME | --all | --cgroup PATH", cmd_attach,
	  attach_help },
	{ "serve", "serve [OPTIONS] [--all | --cgroup PATH | -p PID[,PID...] | --comm NAME]", cmd_serve,
	  serve_help },
	{ "report", "report [--format FMT] [--hist] [-o FILE] [--html FILE] FILE.json", cmd_report,
	  report_help },
	{ "compare", "compare [OPTIONS] INPUT INPUT... [-- WORKLOAD OPTIONS]", cmd_compare,
	  compare_help },
	{ "list", "list", cmd_list, list_help },
	{ "features", "features [--btf FILE]", cmd_features, features_help },
};

static void help(FILE *out)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "%s ipctrace %s\n", i ? "      " : "Usage:", commands[i].synopsis);
	fputs("\n"
	      "What does each inter-process communication mechanism cost this program?\n"
	      "Counts and times every IPC syscall per mechanism, with wake-ups, blocked\n"
	      "time and lock contention, aggregated in the kernel.\n"
	      "\n"
	      "Mechanisms:\n", out);
	print_ipc_mechanisms(out);
	fputs("\n"
	      "ipctrace COMMAND --help (or ipctrace help COMMAND) shows the options and\n"
	      "examples of each command.\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          the version\n"
	      "\n"
	      "Exit status: run exits with the command's own status (128+N if killed by\n"
	      "signal N); ipctrace's own failures: 64 usage, 65 bad input file, 66 missing\n"
	      "input file, 69 kernel lacks BTF/BPF, 70 BPF load failed, 73 cannot write\n"
	      "output, 77 not privileged, 126 cannot execute, 127 command not found;\n"
	      "130/143 when ipctrace itself was interrupted by SIGINT/SIGTERM. attach exits\n"
	      "0, also when stopped by SIGINT/SIGTERM, and 66 if no process could be traced.\n"
	      "serve exits 0 after SIGTERM/SIGINT; 68 no such address, 75 port in use.\n"
	      "compare exits 0 once every input was run or read (the workloads' own\n"
	      "statuses are in its table), else as run does.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given%s", "");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		for (size_t i = 0; argc > 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[2], commands[i].name)) {
				commands[i].help(stdout); /* ipctrace help COMMAND */
				return 0;
			}
		help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("ipctrace %s\n", IPCTRACE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
