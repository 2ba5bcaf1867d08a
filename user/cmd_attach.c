// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `ipctrace attach`: trace running processes until Ctrl-C, a duration, or
 * their exit, with interim reports per interval. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "exitcodes.h"
#include "procfs.h"
#include "render.h"
#include "timeline.h"

void attach_help(FILE *out)
{
	fputs("Usage: ipctrace attach [OPTIONS] -p PID[,PID...] | --comm NAME | --all | --cgroup PATH\n"
	      "\n"
	      "Trace running processes, every thread they have and, unless --no-follow,\n"
	      "their descendants, until Ctrl-C, the duration, or their exit; or every\n"
	      "process of the host or of cgroups, until Ctrl-C or the duration.\n"
	      "Detaching leaves them and their IPC state untouched.\n"
	      "\n"
	      "Options:\n", out);
	print_scope_options(out);
	fputs("  -d, --duration SECS    stop after SECS (default: Ctrl-C, or all exited)\n"
	      "  -i, --interval SECS    print an interim report every SECS (0.1 or more)\n", out);
	print_output_options(out);
	fputs("      --stacks           record user stacks of futex waiters\n"
	      "      --timeline FILE    write every IPC event as Chrome Trace JSON (Perfetto)\n"
	      "      --ringbuf-size N   its BPF ring buffer, bytes (default 16 MiB)\n", out);
	print_tracing_options(out);
	fputs("\n"
	      "Examples:\n"
	      "  sudo ipctrace attach -p 1234 -d 10         # a running process, 10 seconds\n"
	      "  sudo ipctrace attach --comm nginx -i 1     # every nginx, a report a second\n"
	      "  sudo ipctrace attach --all -d 5 --by comm  # the whole host, per program\n"
	      "  sudo ipctrace attach --cgroup system.slice/nginx.service -d 10  # one service\n"
	      "\n"
	      "Exit status: 0, also when stopped by SIGINT/SIGTERM; 66 if no process could\n"
	      "be traced; else ipctrace's own failure (ipctrace --help lists them).\n", out);
}

#define INTERVAL_MIN_S 0.1

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 31536000)
		return usage_error("expected a number of seconds in (0, 31536000], got '%s'", arg);
	*out = v;
	return 0;
}

int parse_attach_options(struct attach_options *o, int argc, char **argv)
{
	static const struct option long_options[] = {
		SCOPE_OPTIONS,
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		TRACING_OPTIONS,
		{}
	};
	int opt, status;

	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "p:d:i:o:f:qvh", long_options, NULL)) != -1) {
		status = handle_scope_option(&o->scope, opt, optarg);
		if (status != SCOPE_NOT_MINE) {
			if (status)
				return status;
			continue;
		}
		switch (opt) {
		case 'd':
			status = parse_seconds(optarg, &o->duration_s);
			break;
		case 'i':
			status = parse_seconds(optarg, &o->interval_s);
			/* reports are for people; and a floor bounds catching up on late ticks */
			if (!status && o->interval_s < INTERVAL_MIN_S)
				status = usage_error("-i: expected at least 0.1 seconds, got '%s'",
						     optarg);
			break;
		case '?':
			return EXIT_USAGE;
		default:
			status = handle_run_option(&o->common, opt, optarg);
		}
		if (status)
			return status;
	}
	if (optind != argc)
		return usage_error("attach: unexpected argument '%s'", argv[optind]);
	status = check_scope_options(&o->scope, "attach");
	if (status)
		return status;
	if (!o->scope.npids && !o->scope.comm && !o->scope.all && !o->scope.ncgroups)
		return usage_error("attach: give -p PID, --comm NAME, --all or --cgroup PATH%s", "");
	return 0;
}

static void print_interval(const struct run_options *o, const struct summary *run,
			   const struct summary *now, const struct summary *before, __u64 start_ns)
{
	struct summary delta = *now;

	memcpy(delta.mode, run->mode, sizeof(delta.mode));
	delta.command = run->command;
	delta.ncommand = run->ncommand;
	delta.ngroups = 0; /* the breakdown is the whole run's */

	/* a shallow copy whose row arrays are rewritten in place: copy them */
	delta.syscalls = malloc(sizeof(*delta.syscalls) * (now->nsyscalls ? now->nsyscalls : 1));
	if (!delta.syscalls)
		return;
	memcpy(delta.syscalls, now->syscalls, sizeof(*delta.syscalls) * now->nsyscalls);
	summary_subtract(&delta, before);
	delta.duration_ns = now->duration_ns - start_ns;
	printf("\n--- interval %.3f s .. %.3f s ---", start_ns / 1e9, now->duration_ns / 1e9);
	render_text(stdout, &delta, o->hist);
	fflush(stdout);
	free(delta.syscalls);
}

static void sleep_ns(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	nanosleep(&ts, NULL);
}

/* attach -i: when the next interim report is due, and what the last one saw */
struct intervals {
	__u64 every_ns;          /* 0: no interim reports */
	__u64 next_ns;           /* the next tick, from the start of tracing */
	__u64 start_ns;          /* where the next report's interval starts */
	struct summary previous; /* the last collection, subtracted from the next */
};

/* One interim report: what happened since the last, printed and noted in run. */
static void report_interval(struct tracer *t, const struct attach_options *o, struct summary *run,
			    struct intervals *iv)
{
	struct summary current;

	summary_init(&current);
	if (tracer_collect(t, &current, 0)) {
		fprintf(stderr, "ipctrace: reading the kernel maps failed: the interval due at "
			"%.3f s goes into the next\n", iv->next_ns / 1e9);
		summary_free(&current);
		return;
	}
	print_interval(&o->common, run, &current, &iv->previous, iv->start_ns);
	summary_add_interval(run, iv->start_ns, current.duration_ns);
	iv->start_ns = current.duration_ns;
	summary_free(&iv->previous);
	iv->previous = current;
}

/* Until Ctrl-C, the duration, or every traced task has exited. */
static void trace_until_stopped(struct tracer *t, const struct attach_options *o,
				struct summary *run, struct intervals *iv)
{
	__u64 duration_ns = llround(o->duration_s * 1e9), last_fold_s = 0;

	/* a scope may take in processes at any time: it ends by the first two */
	while (!stop_signal && (o->scope.scope || tracer_live_tasks(t) > 0)) {
		__u64 elapsed = tracer_elapsed_ns(t);

		/* every tick before the duration is reported, late ones too (a slow
		 * machine, a long first symbol load): -d D -i I gives ceil(D/I) */
		if (iv->every_ns && elapsed >= iv->next_ns &&
		    (!duration_ns || iv->next_ns < duration_ns)) {
			report_interval(t, o, run, iv);
			iv->next_ns += iv->every_ns;
			continue;
		}
		if (duration_ns && elapsed >= duration_ns)
			break;
		/* once a second: processes come and go forever in a scope */
		if (o->scope.scope && elapsed / 1000000000ULL != last_fold_s) {
			last_fold_s = elapsed / 1000000000ULL;
			tracer_fold_exited_processes(t);
		}
		sleep_ns(20000000);
	}
}

int cmd_attach(int argc, char **argv)
{
	struct attach_options o = { .common.help = attach_help };
	static struct scope scope; /* 33 KiB of paths: not on the stack */
	struct intervals iv = {};
	struct summary summary;
	struct tracer tracer = {};
	struct timeline *timeline = NULL;
	int status;

	status = parse_attach_options(&o, argc, argv);
	if (status)
		return status < 0 ? 0 : status;
	summary_init(&iv.previous);
	summary_init(&summary);
	status = resolve_scope(&o.scope, &scope, &o.common.tracer);
	if (!status)
		status = start_tracing(&o.common, "attach", &summary, &tracer, &timeline);
	if (status)
		goto out;
	scope_command(&o.scope, &summary);
	if (!trace_scope(&tracer, &o.scope, &summary, 0) && !o.scope.scope) {
		fprintf(stderr, "ipctrace: no process to attach to\n");
		status = EXIT_NOINPUT;
		goto out;
	}
	if (!summary.command)
		summary_set_command(&summary, NULL, NULL, 0);
	if (o.common.tracer.verbose) /* every hook attached, the walk done: what starts now is seen */
		fprintf(stderr, "ipctrace: attached: Ctrl-C to stop\n");
	iv.every_ns = llround(o.interval_s * 1e9); /* -i 0.3 is not 299999999 ns */
	iv.next_ns = iv.every_ns;
	trace_until_stopped(&tracer, &o, &summary, &iv);
	tracer_mark_stopped(&tracer);
	if (tracer_collect(&tracer, &summary, tracer.stop_ns)) {
		fprintf(stderr, "ipctrace: reading the kernel maps failed\n");
		status = EXIT_SOFTWARE;
		goto out;
	}
	if (iv.every_ns && summary.duration_ns > iv.start_ns) {
		print_interval(&o.common, &summary, &summary, &iv.previous, iv.start_ns);
		summary_add_interval(&summary, iv.start_ns, summary.duration_ns);
	}
	if (iv.every_ns)
		printf("\n--- total ---");
	if (timeline) {
		status = timeline_close(timeline, &summary);
		timeline = NULL;
	}
	if (!status)
		status = emit(&o.common, &summary);
out:
	timeline_abort(timeline);
	tracer_destroy(&tracer);
	summary_free(&summary);
	summary_free(&iv.previous);
	return status;
}
