// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the commands share (see cli.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "cli.h"
#include "exitcodes.h"
#include "output.h"
#include "procfs.h"
#include "rundir.h"
#include "summary_json.h"
#include "target.h"
#include "timeline.h"

volatile sig_atomic_t stop_signal;   /* the last SIGINT/SIGTERM received */
volatile sig_atomic_t stop_requests; /* how many */

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	stop_requests++;
}

int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ipctrace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see ipctrace --help)\n");
	return EXIT_USAGE;
}

int read_summary_file(const char *path, struct summary *s)
{
	char err[512];

	if (access(path, R_OK)) {
		fprintf(stderr, "ipctrace: %s: %s\n", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	if (summary_read_json(path, s, err, sizeof(err))) {
		fprintf(stderr, "ipctrace: %s\n", err);
		return EXIT_DATAERR;
	}
	if (s->skipped)
		fprintf(stderr, "ipctrace: %s: %zu entr%s of mechanisms this ipctrace does not know "
			"left out (a later ipctrace wrote it)\n", path, s->skipped,
			s->skipped == 1 ? "y" : "ies");
	return 0;
}

void print_output_options(FILE *out)
{
	char names[128], extensions[128] = "";
	size_t used = 0;

	for (size_t i = 0; i < output_format_count; i++)
		for (size_t e = 0; e < FORMAT_EXTENSIONS_MAX && output_formats[i].extensions[e]; e++)
			if (strcmp(output_formats[i].name, DEFAULT_FORMAT->name) && used < sizeof(extensions))
				used += snprintf(extensions + used, sizeof(extensions) - used, "%s%s",
						 used ? "/" : "", output_formats[i].extensions[e]);
	format_names(names, sizeof(names), false);
	fprintf(out,
		"  -o, --output FILE      also write the summary to FILE (format from its\n"
		"                         extension %s, or --format)\n"
		"  -f, --format FMT       %s (text by default)\n"
		"      --html FILE        also write the report as one self-contained HTML page\n"
		"      --hist             print log2 latency histograms\n"
		"      --by KIND          also break the report down by process, comm or cgroup\n",
		extensions, names);
}

void print_tracing_options(FILE *out)
{
	fputs("  -q, --quiet            no report on stdout when one goes to a file\n"
	      "      --btf FILE         kernel BTF (default /sys/kernel/btf/vmlinux)\n"
	      "      --pretend-missing TP  treat tracepoint TP as absent (testing)\n"
	      "  -v, --verbose          libbpf's messages\n"
	      "  -h, --help             this help\n", out);
}

int unknown_format_error(const char *name)
{
	char names[128], message[192];

	format_names(names, sizeof(names), false);
	snprintf(message, sizeof(message), "unknown format '%%s': use %s", names);
	return usage_error(message, name);
}


int handle_run_option(struct run_options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'o':
		o->output = arg;
		return 0;
	case 'f':
		o->format = format_by_name(arg);
		return o->format ? 0 : unknown_format_error(arg);
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
		o->help(stdout);
		return -1;
	case 'V':
		printf("ipctrace %s\n", IPCTRACE_VERSION);
		return -1;
	}
	return EXIT_USAGE;
}

static int parse_pid_list(struct scope_options *o, const char *arg)
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

int handle_scope_option(struct scope_options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		return parse_pid_list(o, arg);
	case OPT_COMM:
		o->comm = arg;
		return 0;
	case OPT_FOLLOW:
	case OPT_NO_FOLLOW:
		o->no_follow = opt == OPT_NO_FOLLOW;
		return 0;
	case OPT_ALL:
		o->all = true;
		return 0;
	case OPT_CGROUP:
		if (o->ncgroups == SCOPE_CGROUPS_MAX)
			return usage_error("--cgroup: at most 8 groups%s", "");
		o->cgroups[o->ncgroups++] = arg;
		return 0;
	}
	return SCOPE_NOT_MINE;
}

int check_scope_options(const struct scope_options *o, const char *command)
{
	char message[160];

	if ((o->all || o->ncgroups) &&
	    (o->npids || o->comm || o->no_follow || (o->all && o->ncgroups))) {
		snprintf(message, sizeof(message), "%s: --all and --cgroup name the scope alone: not "
			 "with each other, -p, --comm or --no-follow%%s", command);
		return usage_error(message, "");
	}
	return 0;
}

int resolve_scope(struct scope_options *o, struct scope *scope, struct tracer_options *t)
{
	o->scope = NULL;
	if (!o->all && !o->ncgroups)
		return 0;
	memset(scope, 0, sizeof(*scope));
	if (o->all)
		scope->kind = SCOPE_ALL;
	for (size_t i = 0; i < o->ncgroups; i++) {
		int status = scope_add_cgroup(scope, o->cgroups[i]);

		if (status)
			return status;
	}
	o->scope = scope;
	t->scope = scope;
	return 0;
}

void scope_command(const struct scope_options *o, struct summary *s)
{
	char *argv[2 * SCOPE_CGROUPS_MAX];
	size_t argc = 0;

	if (!o->scope)
		return;
	if (o->all)
		argv[argc++] = "--all";
	for (size_t i = 0; i < o->scope->ncgroups; i++) {
		argv[argc++] = "--cgroup";
		argv[argc++] = o->scope->cgroups[i].key;
	}
	summary_set_command(s, NULL, argv, argc);
}

static int add_process_in_scope(pid_t pid, void *tracer)
{
	/* what they mapped before we came is unknown: look at their page faults */
	return tracer_add_process(tracer, pid, TASK_SHARED_MAPPINGS);
}

void print_scope_options(FILE *out)
{
	fputs("  -p, --pid PID[,PID]    trace these running processes, all their threads\n"
	      "      --comm NAME        trace every process with this command name\n"
	      "      --no-follow        not the processes they fork from now on\n"
	      "      --all              every user-space process on this host but ipctrace's,\n"
	      "                         those started later too\n"
	      "      --cgroup PATH      the processes of this cgroup v2 group and its\n"
	      "                         descendants, those that start or move in later too\n"
	      "                         (PATH on the v2 mount or relative to it; repeatable)\n", out);
}

size_t trace_scope(struct tracer *t, const struct scope_options *o, struct summary *s, int flags)
{
	bool quiet = flags & SCOPE_QUIET;
	/* what they mapped before we came is unknown: look at their page faults */
	__u8 task_flags = TASK_SHARED_MAPPINGS | (o->no_follow ? TASK_NO_FOLLOW : 0);
	static pid_t pids[2 * ATTACH_MAX]; /* callers hold the tracer's lock: one at a time */
	size_t npids = flags & SCOPE_NEW_COMM ? 0 : o->npids, traced = 0;

	/* the fork hook is attached: what forks during the walk is traced too */
	if (o->scope)
		return scope_each_process(o->scope, add_process_in_scope, t);

	memcpy(pids, o->pids, npids * sizeof(*pids));
	if (o->comm) {
		size_t n = procfs_find_comm(o->comm, pids + npids, ATTACH_MAX);

		if (!n && !quiet)
			fprintf(stderr, "ipctrace: --comm %s: no such process\n", o->comm);
		npids += n;
	}
	/* following a process means its whole tree: the children it already has too */
	if (!o->no_follow && !(flags & SCOPE_NEW_COMM))
		npids += procfs_descendants(pids, npids, pids + npids, (size_t)2 * ATTACH_MAX - npids);
	for (size_t i = 0; i < npids; i++) {
		pid_t pid = pids[i];
		char comm[COMM_LEN] = "?";
		int err;

		if (procfs_comm(pid, comm, sizeof(comm))) {
			if (!quiet)
				fprintf(stderr, "ipctrace: pid %d: no such process\n", pid);
			continue;
		}
		if (procfs_is_kernel_thread(pid)) {
			if (!quiet)
				fprintf(stderr, "ipctrace: pid %d (%s) is a kernel thread: not traced\n",
					pid, comm);
			continue;
		}
		if (pid == getpid()) {
			if (!quiet)
				fprintf(stderr, "ipctrace: pid %d is ipctrace itself: not traced\n", pid);
			continue;
		}
		err = tracer_add_process(t, pid, task_flags);
		if (err) {
			if (!quiet)
				fprintf(stderr, "ipctrace: pid %d (%s): %s\n", pid, comm,
					err == -ESRCH ? "exited before it could be traced" : strerror(-err));
			continue;
		}
		if (!traced && s && !s->command) {
			char cmdline[4096], *argv[64];
			size_t argc = procfs_cmdline(pid, cmdline, sizeof(cmdline), argv, 64);

			summary_set_command(s, NULL, argv, argc);
		}
		traced++;
	}
	return traced;
}

int find_workload_binary(char *path, size_t len)
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

void fill_host(struct summary *s)
{
	struct utsname u;

	snprintf(s->tool_version, sizeof(s->tool_version), "%s", IPCTRACE_VERSION);
	if (!uname(&u)) {
		snprintf(s->kernel, sizeof(s->kernel), "%s", u.release);
		snprintf(s->arch, sizeof(s->arch), "%.31s", u.machine);
	}
	s->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
}

const struct output_format *output_format_for(const struct run_options *o, const char *path)
{
	const struct output_format *by_name = format_for_path(path);

	return o->format ? o->format : by_name ? by_name : DEFAULT_FORMAT;
}

int emit(const struct run_options *o, const struct summary *s)
{
	int status = 0;

	if (!o->quiet || (!o->output && !o->html)) {
		fflush(stdout);
		const struct output_format *f = o->output || !o->format ? DEFAULT_FORMAT : o->format;

		f->render(stdout, s, o->hist);
		fflush(stdout);
	}
	if (o->output)
		status = write_output_file(o->output, s, output_format_for(o, o->output), o->hist);
	if (!status && o->html)
		status = write_output_file(o->html, s, format_by_name("html"), o->hist);
	return status;
}

void install_stop_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: waitpid returns so the signal can be forwarded */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int start_tracing(struct run_options *o, const char *mode, struct summary *s, struct tracer *t,
		  struct timeline **timeline)
{
	int status;

	/* from the start: a Ctrl-C while the programs load still ends in a report */
	install_stop_handlers();
	summary_init(s);
	fill_host(s);
	snprintf(s->mode, sizeof(s->mode), "%s", mode);
	o->tracer.pretend_missing = o->pretend_missing;
	status = tracer_start(t, &o->tracer, s);
	if (status || !o->timeline)
		return status;
	*timeline = timeline_open(o->timeline, tracer_events_fd(t), t->start_ns);
	return *timeline ? 0 : EXIT_CANTCREAT;
}

/* A bundled workload's run directory, owned by the user it runs as (-u),
 * named in its environment: 0, or EXIT_CANTCREAT after one line (path "") */
static int make_rundir(const struct run_options *o, char *path, size_t len)
{
	struct passwd *pw = o->user ? getpwnam(o->user) : NULL;
	int err;

	rundir_sweep_stale();
	err = rundir_create(path, len, pw ? pw->pw_uid : getuid(), pw ? pw->pw_gid : getgid());
	if (err) {
		fprintf(stderr, "ipctrace: cannot create a run directory: %s\n", strerror(-err));
		path[0] = '\0';
		return EXIT_CANTCREAT;
	}
	setenv(RUNDIR_ENV, path, 1);
	return 0;
}

int run_traced(struct run_options *o, const char *workload, char **argv, int argc,
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
	status = start_tracing(o, "run", &summary, &tracer, &timeline);
	if (!status && summary_set_command(&summary, workload, argv, argc)) {
		fprintf(stderr, "ipctrace: out of memory\n");
		status = EXIT_SOFTWARE;
	}
	if (!status && workload)
		status = make_rundir(o, rundir, sizeof(rundir));
	if (status)
		goto out;
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
