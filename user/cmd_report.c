// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace report`: render a saved JSON summary in any format. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "exitcodes.h"
#include "output.h"

void report_help(FILE *out)
{
	char names[128];

	format_names(names, sizeof(names), false);
	fprintf(out,
		"Usage: ipctrace report [--format FMT] [--hist] [-o FILE] [--html FILE] FILE.json\n"
		"\n"
		"Render a summary saved with -o FILE.json exactly as the run printed it.\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT       %s (text by default)\n"
		"  -o, --output FILE      write it to FILE, not stdout (format from its\n"
		"                         extension, or --format)\n"
		"      --html FILE        also write it as one self-contained HTML page\n"
		"      --hist             print log2 latency histograms\n"
		"  -h, --help             this help\n"
		"\n"
		"Examples:\n"
		"  ipctrace report out.json --format csv      # re-render a saved run\n"
		"  ipctrace report out.json --html out.html   # as a page with charts\n"
		"\n"
		"Exit status: 0; 65 if FILE is not a valid summary, 66 if it does not exist,\n"
		"73 if an output cannot be written.\n", names);
}

int cmd_report(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct run_options o = { .help = report_help };
	struct summary s;
	int opt, status = 0;

	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "f:o:h", long_options, NULL)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		status = handle_run_option(&o, opt, optarg);
		if (status)
			return status < 0 ? 0 : status;
	}
	if (optind != argc - 1)
		return usage_error("report: give exactly one summary file%s", "");
	status = read_summary_file(argv[optind], &s);
	if (status)
		return status;
	if (o.output) {
		status = write_output_file(o.output, &s, output_format_for(&o, o.output), o.hist);
	} else if (!o.html) {
		const struct output_format *f = o.format ? o.format : DEFAULT_FORMAT;

		status = f->render(stdout, &s, o.hist) ? EXIT_CANTCREAT : 0;
	}
	if (!status && o.html)
		status = write_output_file(o.html, &s, format_by_name("html"), o.hist);
	summary_free(&s);
	return status;
}
