// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace compare`: workloads run in turn, or saved summaries, side by side. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "compare.h"
#include "exitcodes.h"
#include "output.h"
#include "summary_json.h"

void compare_help(FILE *out)
{
	char names[128];

	format_names(names, sizeof(names), true);
	fprintf(out,
		"Usage: ipctrace compare [OPTIONS] INPUT INPUT... [-- WORKLOAD OPTIONS]\n"
		"\n"
		"Summaries side by side, a column per input: per mechanism its syscalls,\n"
		"bytes, wake-ups, blocked and contended time, then wall time and exit status.\n"
		"\n"
		"Options:\n"
		"  INPUT                  a bundled workload, run in turn with the WORKLOAD\n"
		"                         OPTIONS after --, or a saved JSON summary (./NAME\n"
		"                         for a file named like a workload); a column each\n"
		"  -o, --output FILE      also write the comparison to FILE (format from its\n"
		"                         extension, or --format)\n"
		"  -f, --format FMT       %s (text by default)\n"
		"  -u, --user USER        run the workloads as USER\n", names);
	print_tracing_options(out);
	fputs("\n"
	      "Examples:\n"
	      "  sudo ipctrace compare pipe-pi fifo-pi -- --n 1000  # side by side\n"
	      "  ipctrace compare before.json after.json            # two saved runs\n"
	      "\n"
	      "Exit status: 0 once every input was run or read (the workloads' own\n"
	      "statuses are in its table), else as run does.\n", out);
}

struct compare_output {
	const struct compare_input *inputs;
	size_t ninputs;
	int (*render)(FILE *out, const struct compare_input *inputs, size_t ninputs);
};

static int render_compare_output(FILE *out, const void *arg)
{
	const struct compare_output *o = arg;

	return o->render(out, o->inputs, o->ninputs);
}

/* the table into PATH by render, as write_output_file(): 0, or EXIT_CANTCREAT
 * after one line */
static int write_compare_file(const char *path, const struct compare_input *inputs, size_t ninputs,
		       int (*render)(FILE *out, const struct compare_input *inputs, size_t ninputs))
{
	struct compare_output o = { .inputs = inputs, .ninputs = ninputs, .render = render };

	return write_file_replacing(path, render_compare_output, &o);
}

/* "compare: no HTML comparison: use text, json or csv" */
static int no_comparison_error(const struct output_format *f)
{
	char name[32], names[128], message[192];
	size_t i;

	for (i = 0; i < sizeof(name) - 1 && f->name[i]; i++)
		name[i] = toupper((unsigned char)f->name[i]);
	name[i] = '\0';
	format_names(names, sizeof(names), true);
	snprintf(message, sizeof(message), "compare: no %%s comparison: use %s", names);
	return usage_error(message, name);
}

/* An input of compare: a bundled workload, else a saved JSON summary.
 * Files are read here, before any workload runs, so a typo costs nothing. */
static int load_compare_input(struct compare_input *in, const char *arg)
{
	const struct workload_info *w = workload_find(arg);
	const char *slash = strrchr(arg, '/');
	size_t len = strlen(arg);
	int status;

	if (w) {
		in->name = w->name;
		return 0;
	}
	if (!slash && access(arg, F_OK) && (len < 5 || strcmp(arg + len - 5, ".json"))) {
		fprintf(stderr, "ipctrace: compare: '%s' is neither a bundled workload (ipctrace "
			"list) nor a file\n", arg);
		return EXIT_USAGE;
	}
	status = read_summary_file(arg, &in->summary);
	if (status)
		return status;
	in->name = slash ? slash + 1 : arg;
	in->from_file = true;
	return 0;
}

/* Run one workload of compare with the shared workload options.  What it
 * prints goes to /dev/null: stdout is the table's, and output sent there is
 * no IPC, so it counts the same for every workload compared (not at all). */
static int run_compare_workload(struct run_options *o, struct compare_input *in,
				char **workload_args, int nworkload_args)
{
	char binary[PATH_MAX], **child_argv;
	int nchild = 0, status, saved_stdout, devnull;

	if (find_workload_binary(binary, sizeof(binary))) {
		fprintf(stderr, "ipctrace: %s not found next to ipctrace or in %s: reinstall\n",
			WORKLOAD_BINARY, IPCTRACE_LIBEXECDIR);
		return EXIT_UNAVAILABLE;
	}
	child_argv = calloc(nworkload_args + 3, sizeof(char *));
	if (!child_argv)
		return EXIT_SOFTWARE;
	child_argv[nchild++] = binary;
	child_argv[nchild++] = (char *)in->name;
	for (int i = 0; i < nworkload_args; i++)
		child_argv[nchild++] = workload_args[i];
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved_stdout >= 0 && devnull >= 0)
		dup2(devnull, STDOUT_FILENO);
	status = run_traced(o, in->name, child_argv, nchild, &in->summary);
	if (saved_stdout >= 0 && devnull >= 0)
		dup2(saved_stdout, STDOUT_FILENO);
	if (saved_stdout >= 0)
		close(saved_stdout);
	if (devnull >= 0)
		close(devnull);
	free(child_argv);
	return status;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "pretend-missing", required_argument, NULL, OPT_PRETEND_MISSING },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct run_options o = { .help = compare_help };
	const struct output_format *shown, *written = NULL;
	struct compare_input *inputs;
	int opt, status = 0, end = argc, ninputs;

	/* the workloads' options follow "--": keep getopt from permuting them */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			end = i;
			break;
		}
	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(end, argv, "o:f:u:qvh", long_options, NULL)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		status = handle_run_option(&o, opt, optarg);
		if (status)
			return status < 0 ? 0 : status;
	}
	shown = o.output || !o.format ? DEFAULT_FORMAT : o.format;
	if (o.output)
		written = output_format_for(&o, o.output);
	if (!shown->render_compare)
		return no_comparison_error(shown);
	if (written && !written->render_compare)
		return no_comparison_error(written);
	ninputs = end - optind;
	if (ninputs < 2)
		return usage_error("compare: give two or more workloads or summary files%s", "");
	inputs = calloc(ninputs, sizeof(*inputs));
	if (!inputs)
		return EXIT_SOFTWARE;
	for (int i = 0; i < ninputs; i++)
		summary_init(&inputs[i].summary);
	for (int i = 0; i < ninputs && !status; i++)
		status = load_compare_input(&inputs[i], argv[optind + i]);
	for (int i = 0; i < ninputs && !status; i++)
		if (!inputs[i].from_file)
			status = run_compare_workload(&o, &inputs[i], argv + end + 1,
						      end < argc ? argc - end - 1 : 0);
	if (!status && (!o.quiet || !o.output)) {
		fflush(stdout);
		if (shown->render_compare(stdout, inputs, ninputs))
			status = EXIT_CANTCREAT;
		fflush(stdout);
	}
	if (!status && written)
		status = write_compare_file(o.output, inputs, ninputs, written->render_compare);
	for (int i = 0; i < ninputs; i++)
		summary_free(&inputs[i].summary);
	free(inputs);
	return status;
}
