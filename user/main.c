// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ipctrace: what does each IPC mechanism cost this program?
 * The command line: run, attach, list, report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "compare.h"
#include "names.h"
#include "output.h"
#include "procfs.h"
#include "rundir.h"
#include "scope.h"
#include "summary.h"
#include "target.h"
#include "timeline.h"
#include "tracer.h"
#include "workloads/workloads.h"

#ifndef IPCTRACE_VERSION
#define IPCTRACE_VERSION "0.0.0"
#endif
#ifndef IPCTRACE_LIBEXECDIR
#define IPCTRACE_LIBEXECDIR "/usr/local/libexec/ipctrace"
#endif
#define WORKLOAD_BINARY "ipctrace-workload"
#define MAX_PRETEND 16

static const char usage_text[] =
	"Usage: ipctrace run [OPTIONS] WORKLOAD [WORKLOAD OPTIONS]\n"
	"       ipctrace run [OPTIONS] -- COMMAND [ARGS...]\n"
	"       ipctrace attach [OPTIONS] -p PID[,PID...] | --comm NAME | --all | --cgroup PATH\n"
	"       ipctrace report [--format FMT] [--hist] [-o FILE] [--html FILE] FILE.json\n"
	"       ipctrace compare [OPTIONS] INPUT INPUT... [-- WORKLOAD OPTIONS]\n"
	"       ipctrace list\n"
	"       ipctrace features [--btf FILE]\n"
	"\n"
	"What does each inter-process communication mechanism cost this program?\n"
	"Counts and times every IPC syscall per mechanism (pipe, fifo, mq_posix,\n"
	"mq_sysv, sem_sysv, shm, futex, signal, unix_socket, inet_socket, file),\n"
	"with wake-ups, blocked time and lock contention, aggregated in the kernel.\n"
	"\n"
	"Run options:\n"
	"  -o, --output FILE      also write the summary to FILE (format from its\n"
	"                         extension .json/.csv/.html, or --format)\n"
	"  -f, --format FMT       text (default), json, csv or html\n"
	"      --html FILE        also write the report as one self-contained HTML page\n"
	"      --hist             print log2 latency histograms\n"
	"      --by KIND          also break the report down by process, comm or cgroup\n"
	"      --stacks           record user stacks of futex waiters\n"
	"      --timeline FILE    write every IPC event as Chrome Trace JSON (Perfetto)\n"
	"      --ringbuf-size N   its BPF ring buffer, bytes (default 16 MiB)\n"
	"  -u, --user USER        run the command as USER (as strace -u does)\n"
	"  -q, --quiet            no report on stdout (with -o or --html)\n"
	"      --btf FILE         kernel BTF (default /sys/kernel/btf/vmlinux)\n"
	"      --pretend-missing TP  treat tracepoint TP as absent (testing)\n"
	"  -v, --verbose          libbpf's messages\n"
	"\n"
	"Attach options (and -o, -f, --html, --hist, --stacks, -q, --btf, -v as above):\n"
	"  -p, --pid PID[,PID]    trace these running processes, all their threads\n"
	"      --comm NAME        trace every process with this command name\n"
	"      --no-follow        not the processes they fork from now on\n"
	"      --all              every user-space process on this host but ipctrace's,\n"
	"                         those started later too\n"
	"      --cgroup PATH      the processes of this cgroup v2 group and its\n"
	"                         descendants, those that start or move in later too\n"
	"                         (PATH on the v2 mount or relative to it; repeatable)\n"
	"  -d, --duration SECS    stop after SECS (default: Ctrl-C, or all exited)\n"
	"  -i, --interval SECS    print an interim report every SECS (0.1 or more)\n"
	"  -h, --help             this help\n"
	"  -V, --version          the version\n"
	"\n"
	"Compare options (and -f, -u, -q, --btf, -v as above):\n"
	"  INPUT                  a bundled workload, run in turn with the WORKLOAD\n"
	"                         OPTIONS after --, or a saved JSON summary (./NAME\n"
	"                         for a file named like a workload); a column each\n"
	"  -o, --output FILE      also write the comparison to FILE (.json/.csv)\n"
	"\n"
	"Examples:\n"
	"  sudo ipctrace run pipe-pi                  # the bundled pipe workload\n"
	"  sudo ipctrace run pipe-pi --children 3     # workload options follow its name\n"
	"  sudo ipctrace run -o out.json mq-pi        # text on stdout, JSON in out.json\n"
	"  sudo ipctrace run --hist -- python3 app.py # any command, with histograms\n"
	"  sudo ipctrace run -u $SUDO_USER -- ./app   # run the command as yourself\n"
	"  sudo ipctrace attach -p 1234 -d 10         # a running process, 10 seconds\n"
	"  sudo ipctrace attach --comm nginx -i 1     # every nginx, a report a second\n"
	"  sudo ipctrace attach --all -d 5 --by comm  # the whole host, per program\n"
	"  sudo ipctrace attach --cgroup system.slice/nginx.service -d 10  # one service\n"
	"  ipctrace report out.json --format csv      # re-render a saved run\n"
	"  ipctrace report out.json --html out.html   # as a page with charts\n"
	"  sudo ipctrace compare pipe-pi fifo-pi -- --n 1000  # side by side\n"
	"  ipctrace list                              # the bundled workloads\n"
	"\n"
	"Exit status: run exits with the command's own status (128+N if killed by\n"
	"signal N); ipctrace's own failures: 64 usage, 65 bad input file, 66 missing\n"
	"input file, 69 kernel lacks BTF/BPF, 70 BPF load failed, 73 cannot write\n"
	"output, 77 not privileged, 126 cannot execute, 127 command not found;\n"
	"130/143 when ipctrace itself was interrupted by SIGINT/SIGTERM. attach exits\n"
	"0, also when stopped by SIGINT/SIGTERM, and 66 if no process could be traced.\n"
	"compare exits 0 once every input was run or read (the workloads' own\n"
	"statuses are in its table), else as run does.\n";

struct run_options {
	const char *output;
	enum output_format format;
	bool format_given;
	bool hist;
	bool quiet;
	const char *user;
	const char *timeline;
	const char *html;
	const char *pretend_missing[MAX_PRETEND];
	struct tracer_options tracer;
};

static volatile sig_atomic_t stop_signal;   /* the last SIGINT/SIGTERM received */
static volatile sig_atomic_t stop_requests; /* how many */

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	stop_requests++;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ipctrace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see ipctrace --help)\n");
	return EXIT_USAGE;
}

enum { OPT_HIST = 256, OPT_STACKS, OPT_BTF, OPT_PRETEND_MISSING, OPT_TIMELINE, OPT_RINGBUF_SIZE,
       OPT_HTML, OPT_BY };

/* The options run and attach share, all handled by handle_run_option(). */
#define TRACING_OPTIONS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "format", required_argument, NULL, 'f' }, \
	{ "html", required_argument, NULL, OPT_HTML }, \
	{ "hist", no_argument, NULL, OPT_HIST }, \
	{ "by", required_argument, NULL, OPT_BY }, \
	{ "stacks", no_argument, NULL, OPT_STACKS }, \
	{ "timeline", required_argument, NULL, OPT_TIMELINE }, \
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "btf", required_argument, NULL, OPT_BTF }, \
	{ "pretend-missing", required_argument, NULL, OPT_PRETEND_MISSING }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

static const struct option run_long_options[] = {
	TRACING_OPTIONS,
	{ "user", required_argument, NULL, 'u' },
	{ "version", no_argument, NULL, 'V' },
	{}
};
static const char run_short_options[] = "+o:f:u:qvhV";

/* One option of `run`; returns 0, -1 for "exit 0 now", or an exit status. */
static int handle_run_option(struct run_options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'o':
		o->output = arg;
		return 0;
	case 'f':
		if (parse_format(arg, &o->format))
			return usage_error("unknown format '%s': use text, json, csv or html", arg);
		o->format_given = true;
		return 0;
	case OPT_HTML:
		o->html = arg;
		return 0;
	case OPT_HIST:
		o->hist = true;
		return 0;
	case OPT_BY:
		if (!strcmp(arg, "process"))
			o->tracer.group_by = GROUP_PROCESS;
		else if (!strcmp(arg, "comm"))
			o->tracer.group_by = GROUP_COMM;
		else if (!strcmp(arg, "cgroup"))
			o->tracer.group_by = GROUP_CGROUP;
		else
			return usage_error("--by: expected process, comm or cgroup, got '%s'", arg);
		return 0;
	case OPT_STACKS:
		o->tracer.stacks = true;
		return 0;
	case OPT_TIMELINE:
		o->timeline = arg;
		o->tracer.events = true;
		return 0;
	case OPT_RINGBUF_SIZE: {
		char *end;
		unsigned long long bytes;
		long page = sysconf(_SC_PAGESIZE);

		errno = 0;
		bytes = strtoull(arg, &end, 10);
		if (errno || *end || bytes < (unsigned long long)page || bytes > (1ULL << 30) ||
		    (bytes & (bytes - 1)))
			return usage_error("--ringbuf-size: expected a power of 2 from the page size "
					   "to 1 GiB, got '%s'", arg);
		o->tracer.ringbuf_bytes = bytes;
		return 0;
	}
	case 'u':
		o->user = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_BTF:
		o->tracer.btf_path = arg;
		return 0;
	case OPT_PRETEND_MISSING:
		if (o->tracer.npretend_missing == MAX_PRETEND)
			return usage_error("too many --pretend-missing%s", "");
		o->pretend_missing[o->tracer.npretend_missing++] = arg;
		return 0;
	case 'v':
		o->tracer.verbose = true;
		return 0;
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	case 'V':
		printf("ipctrace %s\n", IPCTRACE_VERSION);
		return -1;
	}
	return EXIT_USAGE;
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

static int find_workload_binary(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		/* beside it (the build tree), or PREFIX/libexec for PREFIX/sbin/ipctrace,
		 * whatever PREFIX it was built with */
		if (snprintf(path, len, "%s/%s", dirname(self), WORKLOAD_BINARY) < (int)len &&
		    !access(path, X_OK))
			return 0;
		if (snprintf(path, len, "%s/../libexec/ipctrace/%s", self, WORKLOAD_BINARY) <
			    (int)len && !access(path, X_OK))
			return 0;
	}
	snprintf(path, len, "%s/%s", IPCTRACE_LIBEXECDIR, WORKLOAD_BINARY);
	return access(path, X_OK) ? -1 : 0;
}

static void fill_host(struct summary *s)
{
	struct utsname u;

	snprintf(s->tool_version, sizeof(s->tool_version), "%s", IPCTRACE_VERSION);
	if (!uname(&u)) {
		snprintf(s->kernel, sizeof(s->kernel), "%s", u.release);
		snprintf(s->arch, sizeof(s->arch), "%.31s", u.machine);
	}
	s->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
}

static enum output_format format_for_file(const struct run_options *o, const char *path)
{
	const char *dot = strrchr(path, '.');

	if (o->format_given || !dot)
		return o->format;
	if (!strcmp(dot, ".json"))
		return FORMAT_JSON;
	if (!strcmp(dot, ".csv"))
		return FORMAT_CSV;
	if (!strcmp(dot, ".html"))
		return FORMAT_HTML;
	return o->format;
}

static int emit(const struct run_options *o, const struct summary *s)
{
	int status = 0;

	if (!o->quiet || (!o->output && !o->html)) {
		fflush(stdout);
		render(stdout, s, o->output ? FORMAT_TEXT : o->format, o->hist);
		fflush(stdout);
	}
	if (o->output)
		status = write_output_file(o->output, s, format_for_file(o, o->output), o->hist);
	if (!status && o->html)
		status = write_output_file(o->html, s, FORMAT_HTML, o->hist);
	return status;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: waitpid returns so the signal can be forwarded */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Trace the command to its end and emit the report: the command's status,
 * or ipctrace's own.  With result (compare), the summary is handed over
 * there instead, unprinted, and 0 returned (its exit_status is the command's). */
static int run_traced(struct run_options *o, const char *workload, char **argv, int argc,
		      struct summary *result)
{
	char rundir[PATH_MAX] = "", what[PATH_MAX];
	struct summary summary;
	struct target target = { .release_fd = -1, .error_fd = -1 };
	struct tracer tracer = {};
	struct timeline *timeline = NULL;
	int status, exit_status;

	/* bad options of a bundled workload: one line and 64, nothing loaded */
	if (workload) {
		status = target_check_workload_args(argv);
		if (status)
			return status;
	}
	/* from the start: a Ctrl-C while the programs load still ends in a report */
	install_stop_handlers();
	summary_init(&summary);
	fill_host(&summary);
	snprintf(summary.mode, sizeof(summary.mode), "run");
	if (summary_set_command(&summary, workload, argv, argc)) {
		fprintf(stderr, "ipctrace: out of memory\n");
		return EXIT_SOFTWARE;
	}
	o->tracer.pretend_missing = o->pretend_missing;
	status = tracer_start(&tracer, &o->tracer, &summary);
	if (status)
		goto out;
	if (o->timeline) {
		timeline = timeline_open(o->timeline, tracer_events_fd(&tracer), tracer.start_ns);
		if (!timeline) {
			status = EXIT_CANTCREAT;
			goto out;
		}
	}

	if (workload) {
		struct passwd *pw = o->user ? getpwnam(o->user) : NULL;
		int err;

		rundir_sweep_stale();
		err = rundir_create(rundir, sizeof(rundir), pw ? pw->pw_uid : getuid(),
				    pw ? pw->pw_gid : getgid());

		if (err) {
			fprintf(stderr, "ipctrace: cannot create a run directory: %s\n", strerror(-err));
			rundir[0] = '\0';
			status = EXIT_CANTCREAT;
			goto out;
		}
		setenv(RUNDIR_ENV, rundir, 1);
	}
	target_adopt_orphans();
	status = target_spawn(&target, argv, o->user);
	if (status)
		goto out;
	/* the child is held before exec: trace it, then let it go */
	status = tracer_add_process(&tracer, target.pid, TASK_AWAIT_EXEC);
	if (status) {
		fprintf(stderr, "ipctrace: cannot trace pid %d: %s\n", target.pid, strerror(-status));
		target_kill(&target);
		status = EXIT_SOFTWARE;
		goto out;
	}
	snprintf(what, sizeof(what), "%s", workload ? workload : argv[0]);
	status = target_release(&target, what);
	exit_status = target_wait(&target, &stop_requests);
	if (stop_signal)
		target_stop_orphans();
	tracer_mark_stopped(&tracer);
	if (status) {
		target_kill(&target);
		goto out;
	}
	summary.exit_status = exit_status;
	if (tracer_collect(&tracer, &summary, tracer.stop_ns)) {
		fprintf(stderr, "ipctrace: reading the kernel maps failed\n");
		status = EXIT_SOFTWARE;
		goto out;
	}
	if (timeline) {
		status = timeline_close(timeline, &summary);
		timeline = NULL;
	}
	if (!status && result) {
		*result = summary;
		summary_init(&summary);
		status = stop_signal ? 128 + stop_signal : 0;
		goto out;
	}
	if (!status)
		status = emit(o, &summary);
	if (!status)
		status = stop_signal ? 128 + stop_signal : exit_status;
out:
	timeline_abort(timeline);
	tracer_destroy(&tracer);
	if (rundir[0])
		rundir_remove(rundir);
	summary_free(&summary);
	return status;
}

/* `run`'s command line, parsed with no side effect but messages (the option
 * fuzzer, tests/fuzz/fuzz_options.c, calls it): the options into o, then the
 * bundled *workload (NULL for -- COMMAND) and its arguments, or the command,
 * appended to args, which has room for argc.  0, -1 after --help or
 * --version, or an exit status after one line on stderr. */
static int parse_run_args(struct run_options *o, int argc, char **argv,
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

static int cmd_run(int argc, char **argv)
{
	struct run_options o = { .format = FORMAT_TEXT };
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

#define ATTACH_MAX 1024
#define INTERVAL_MIN_S 0.1

struct attach_options {
	struct run_options common;
	pid_t pids[ATTACH_MAX];
	size_t npids;
	const char *comm;
	bool no_follow;
	bool all;                                 /* --all */
	const char *cgroups[SCOPE_CGROUPS_MAX];   /* --cgroup, resolved once parsed */
	size_t ncgroups;
	double duration_s;
	double interval_s;
};

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

static int parse_pid_list(struct attach_options *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;

	if (!copy)
		return EXIT_SOFTWARE;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long pid;

		errno = 0;
		pid = strtol(tok, &end, 10);
		if (errno || *end || pid <= 0 || pid > 4194304) {
			free(copy);
			return usage_error("-p: expected process ids, got '%s'", arg);
		}
		if (o->npids == ATTACH_MAX) {
			free(copy);
			return usage_error("-p: too many processes (at most 1024)%s", "");
		}
		o->pids[o->npids++] = pid;
	}
	free(copy);
	return 0;
}

enum { OPT_COMM = 300, OPT_NO_FOLLOW, OPT_FOLLOW, OPT_ALL, OPT_CGROUP };

static int parse_attach_options(struct attach_options *o, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		TRACING_OPTIONS,
		{}
	};
	int opt, status;

	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "p:d:i:o:f:qvh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			status = parse_pid_list(o, optarg);
			break;
		case OPT_COMM:
			o->comm = optarg;
			status = 0;
			break;
		case OPT_FOLLOW:
		case OPT_NO_FOLLOW:
			o->no_follow = opt == OPT_NO_FOLLOW;
			status = 0;
			break;
		case OPT_ALL:
			o->all = true;
			status = 0;
			break;
		case OPT_CGROUP:
			status = 0;
			if (o->ncgroups == SCOPE_CGROUPS_MAX)
				status = usage_error("--cgroup: at most 8 groups%s", "");
			else
				o->cgroups[o->ncgroups++] = optarg;
			break;
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
	if ((o->all || o->ncgroups) && (o->npids || o->comm || o->no_follow || (o->all && o->ncgroups)))
		return usage_error("attach: --all and --cgroup name the scope alone: not with each "
				   "other, -p, --comm or --no-follow%s", "");
	if (!o->npids && !o->comm && !o->all && !o->ncgroups)
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

/* Add the requested processes; each failure is one line, the rest go on. */
static size_t attach_targets(struct tracer *tracer, struct attach_options *o, struct summary *s)
{
	/* what they mapped before we came is unknown: look at their page faults */
	__u8 flags = TASK_SHARED_MAPPINGS | (o->no_follow ? TASK_NO_FOLLOW : 0);
	size_t traced = 0;

	if (o->comm) {
		size_t n = procfs_find_comm(o->comm, o->pids + o->npids, ATTACH_MAX - o->npids);

		if (!n)
			fprintf(stderr, "ipctrace: --comm %s: no such process\n", o->comm);
		o->npids += n;
	}
	/* following a process means its whole tree: the children it already has too */
	if (!o->no_follow)
		o->npids += procfs_descendants(o->pids, o->npids, o->pids + o->npids,
					       ATTACH_MAX - o->npids);
	for (size_t i = 0; i < o->npids; i++) {
		pid_t pid = o->pids[i];
		char comm[COMM_LEN] = "?";
		int err;

		if (procfs_comm(pid, comm, sizeof(comm))) {
			fprintf(stderr, "ipctrace: pid %d: no such process\n", pid);
			continue;
		}
		if (procfs_is_kernel_thread(pid)) {
			fprintf(stderr, "ipctrace: pid %d (%s) is a kernel thread: not traced\n", pid, comm);
			continue;
		}
		if (pid == getpid()) {
			fprintf(stderr, "ipctrace: pid %d is ipctrace itself: not traced\n", pid);
			continue;
		}
		err = tracer_add_process(tracer, pid, flags);
		if (err) {
			fprintf(stderr, "ipctrace: pid %d (%s): %s\n", pid, comm,
				err == -ESRCH ? "exited before it could be traced" : strerror(-err));
			continue;
		}
		if (!traced) {
			char path[64], cmdline[4096];
			char *argv[64];
			size_t argc = 0, len = 0;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			f = fopen(path, "re");
			if (f) {
				len = fread(cmdline, 1, sizeof(cmdline) - 1, f);
				fclose(f);
			}
			cmdline[len] = '\0';
			for (size_t off = 0; off < len && argc < 64; off += strlen(cmdline + off) + 1)
				argv[argc++] = cmdline + off;
			summary_set_command(s, NULL, argv, argc);
		}
		traced++;
	}
	return traced;
}

static int add_process_in_scope(pid_t pid, void *tracer)
{
	/* what they mapped before we came is unknown: look at their page faults */
	return tracer_add_process(tracer, pid, TASK_SHARED_MAPPINGS);
}

/* --all, --cgroup: the processes in scope now (those that start or move in
 * later are the kernel side's); the groups resolved into scope first, so
 * that a bad PATH costs no BPF load.  0 or an exit status. */
static int resolve_scope(struct attach_options *o, struct scope *scope, struct summary *s)
{
	char *argv[2 * SCOPE_CGROUPS_MAX];
	size_t argc = 0;

	if (o->all) {
		scope->kind = SCOPE_ALL;
		argv[argc++] = "--all";
	}
	for (size_t i = 0; i < o->ncgroups; i++) {
		int status = scope_add_cgroup(scope, o->cgroups[i]);

		if (status)
			return status;
		argv[argc++] = "--cgroup";
		argv[argc++] = scope->cgroups[i].key;
	}
	summary_set_command(s, NULL, argv, argc);
	o->common.tracer.scope = scope;
	return 0;
}

static void sleep_ns(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	nanosleep(&ts, NULL);
}

static int cmd_attach(int argc, char **argv)
{
	struct attach_options o = { .common.format = FORMAT_TEXT };
	static struct scope scope; /* 33 KiB of paths: not on the stack */
	struct summary summary, previous;
	struct tracer tracer = {};
	struct timeline *timeline = NULL;
	__u64 duration_ns, interval_ns, next_interval, interval_start = 0, last_fold_s = 0;
	int status;

	status = parse_attach_options(&o, argc, argv);
	if (status)
		return status < 0 ? 0 : status;
	install_stop_handlers(); /* from the start, as for run */
	summary_init(&summary);
	summary_init(&previous);
	fill_host(&summary);
	snprintf(summary.mode, sizeof(summary.mode), "attach");
	if (o.all || o.ncgroups) {
		status = resolve_scope(&o, &scope, &summary);
		if (status)
			goto out;
	}
	o.common.tracer.pretend_missing = o.common.pretend_missing;
	status = tracer_start(&tracer, &o.common.tracer, &summary);
	if (status)
		goto out;
	if (o.common.timeline) {
		timeline = timeline_open(o.common.timeline, tracer_events_fd(&tracer),
					 tracer.start_ns);
		if (!timeline) {
			status = EXIT_CANTCREAT;
			goto out;
		}
	}
	/* the fork hook is attached: what forks during the walk is traced too */
	if (o.common.tracer.scope)
		scope_each_process(&scope, add_process_in_scope, &tracer);
	else if (!attach_targets(&tracer, &o, &summary)) {
		fprintf(stderr, "ipctrace: no process to attach to\n");
		status = EXIT_NOINPUT;
		goto out;
	}
	if (!summary.command)
		summary_set_command(&summary, NULL, NULL, 0);
	if (o.common.tracer.verbose) /* every hook attached, the walk done: what starts now is seen */
		fprintf(stderr, "ipctrace: attached: Ctrl-C to stop\n");
	duration_ns = llround(o.duration_s * 1e9); /* -i 0.3 is not 299999999 ns */
	interval_ns = llround(o.interval_s * 1e9);
	next_interval = interval_ns;
	/* until Ctrl-C, the duration, or every traced task has exited (a scope
	 * may take in processes at any time: only the first two) */
	while (!stop_signal && (o.common.tracer.scope || tracer_live_tasks(&tracer) > 0)) {
		__u64 elapsed = tracer_elapsed_ns(&tracer);

		/* every tick before the duration is reported, late ones too (a slow
		 * machine, a long first symbol load): -d D -i I gives ceil(D/I) */
		if (interval_ns && elapsed >= next_interval &&
		    (!duration_ns || next_interval < duration_ns)) {
			struct summary current;

			summary_init(&current);
			if (!tracer_collect(&tracer, &current, 0)) {
				print_interval(&o.common, &summary, &current, &previous, interval_start);
				summary_add_interval(&summary, interval_start, current.duration_ns);
				interval_start = current.duration_ns;
				summary_free(&previous);
				previous = current;
			} else {
				fprintf(stderr, "ipctrace: reading the kernel maps failed: the interval "
					"due at %.3f s goes into the next\n", next_interval / 1e9);
				summary_free(&current);
			}
			next_interval += interval_ns;
			continue;
		}
		if (duration_ns && elapsed >= duration_ns)
			break;
		/* once a second: processes come and go forever in a scope */
		if (o.common.tracer.scope && elapsed / 1000000000ULL != last_fold_s) {
			last_fold_s = elapsed / 1000000000ULL;
			tracer_fold_exited_processes(&tracer);
		}
		sleep_ns(20000000);
	}
	tracer_mark_stopped(&tracer);
	if (tracer_collect(&tracer, &summary, tracer.stop_ns)) {
		fprintf(stderr, "ipctrace: reading the kernel maps failed\n");
		status = EXIT_SOFTWARE;
		goto out;
	}
	if (interval_ns && summary.duration_ns > interval_start) {
		print_interval(&o.common, &summary, &summary, &previous, interval_start);
		summary_add_interval(&summary, interval_start, summary.duration_ns);
	}
	if (interval_ns)
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
	summary_free(&previous);
	return status;
}

static int cmd_list(void)
{
	printf("%-20s %s\n", "WORKLOAD", "DESCRIPTION");
	for (size_t i = 0; i < workload_count; i++)
		printf("%-20s %s\n", workload_registry[i].name, workload_registry[i].summary);
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum output_format format = FORMAT_TEXT;
	const char *output = NULL, *html = NULL;
	struct summary s;
	char err[512];
	bool hist = false, format_given = false;
	int opt, status = 0;

	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "f:o:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (parse_format(optarg, &format))
				return usage_error("unknown format '%s': use text, json, csv or html",
						   optarg);
			format_given = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_HIST:
			hist = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("report: give exactly one summary file%s", "");
	if (access(argv[optind], R_OK)) {
		fprintf(stderr, "ipctrace: %s: %s\n", argv[optind], strerror(errno));
		return EXIT_NOINPUT;
	}
	if (summary_read_json(argv[optind], &s, err, sizeof(err))) {
		fprintf(stderr, "ipctrace: %s\n", err);
		return EXIT_DATAERR;
	}
	if (output) {
		struct run_options by_name = { .format = format, .format_given = format_given };

		status = write_output_file(output, &s, format_for_file(&by_name, output), hist);
	} else if (!html) {
		status = render(stdout, &s, format, hist) ? EXIT_CANTCREAT : 0;
	}
	if (!status && html)
		status = write_output_file(html, &s, FORMAT_HTML, hist);
	summary_free(&s);
	return status;
}

/* An input of compare: a bundled workload, else a saved JSON summary.
 * Files are read here, before any workload runs, so a typo costs nothing. */
static int load_compare_input(struct compare_input *in, const char *arg)
{
	const struct workload_info *w = workload_find(arg);
	const char *slash = strrchr(arg, '/');
	size_t len = strlen(arg);
	char err[512];

	if (w) {
		in->name = w->name;
		return 0;
	}
	if (!slash && access(arg, F_OK) && (len < 5 || strcmp(arg + len - 5, ".json"))) {
		fprintf(stderr, "ipctrace: compare: '%s' is neither a bundled workload (ipctrace "
			"list) nor a file\n", arg);
		return EXIT_USAGE;
	}
	if (access(arg, R_OK)) {
		fprintf(stderr, "ipctrace: %s: %s\n", arg, strerror(errno));
		return EXIT_NOINPUT;
	}
	if (summary_read_json(arg, &in->summary, err, sizeof(err))) {
		fprintf(stderr, "ipctrace: %s\n", err);
		return EXIT_DATAERR;
	}
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

static int cmd_compare(int argc, char **argv)
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
	struct run_options o = { .format = FORMAT_TEXT };
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
	if (o.format == FORMAT_HTML || (o.output && format_for_file(&o, o.output) == FORMAT_HTML))
		return usage_error("compare: no %s comparison: use text, json or csv", "HTML");
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
		if (render_compare(stdout, inputs, ninputs, o.output ? FORMAT_TEXT : o.format))
			status = EXIT_CANTCREAT;
		fflush(stdout);
	}
	if (!status && o.output)
		status = write_compare_file(o.output, inputs, ninputs, format_for_file(&o, o.output));
	for (int i = 0; i < ninputs; i++)
		summary_free(&inputs[i].summary);
	free(inputs);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given%s", "");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("ipctrace %s\n", IPCTRACE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list();
	if (!strcmp(argv[1], "features")) {
		if (argc == 4 && !strcmp(argv[2], "--btf"))
			return tracer_print_features(stdout, argv[3]);
		if (argc != 2)
			return usage_error("features: only --btf FILE is accepted%s", "");
		return tracer_print_features(stdout, NULL);
	}
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
