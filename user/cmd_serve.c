// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `ipctrace serve`: keep the BPF programs attached and answer Prometheus'
 * scrapes from the kernel maps.  Nothing happens per event in user space:
 * a scrape reads the maps (an exposition is reused for up to 1 s), under
 * the lock that the main thread takes to add processes (SIGHUP, --comm).
 * The HTTP server stops before the BPF objects are destroyed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "exitcodes.h"
#include "exposition.h"
#include "httpd.h"
#include "timeline.h"

#define MAX_SERIES_DEFAULT 10000
#define EXPOSITION_REUSE_NS 1000000000ULL
/* --comm: processes that took the name since.  A walk of /proc costs
 * ~17 ms with 1,100 processes: every 5 s keeps it near 0.3 % of a CPU */
#define RESCAN_NS 5000000000ULL
#define PROGRAMS_MAX 32

void serve_help(FILE *out)
{
	fputs("Usage: ipctrace serve [OPTIONS] [--all | --cgroup PATH | -p PID[,PID...] | --comm NAME]\n"
	      "\n"
	      "Keep tracing (the whole host unless a scope is given) and serve the counts\n"
	      "as Prometheus metrics at http://ADDR:PORT/metrics (text format 0.0.4, or\n"
	      "OpenMetrics 1.0 when the scraper asks for it), until SIGTERM or Ctrl-C.\n"
	      "SIGHUP looks for the scope's processes again (--comm names, -p processes\n"
	      "still alive, the processes of the cgroups).\n"
	      "\n"
	      "Scope (the default: --all):\n", out);
	print_scope_options(out);
	fputs("\nOptions:\n"
	      "      --by KIND          a comm or cgroup label on the syscall metrics (never a\n"
	      "                         pid: a process label grows without bound)\n", out);
	fputs("      --listen ADDR:PORT where to serve (default " HTTPD_DEFAULT_LISTEN "; [::1]:PORT,\n"
	      "                         :PORT for every address)\n"
	      "      --max-series N     series of (mechanism, syscall, group) rows, at most\n"
	      "                         (default 10000): later label sets go to \"other\"\n"
	      "      --tls-cert FILE    serve HTTPS with this PEM certificate ...\n"
	      "      --tls-key FILE     ... and its key\n"
	      "      --basic-auth-file FILE  ask for a user and password: lines of\n"
	      "                         user:hash (crypt(3), as htpasswd -B writes them)\n"
	      "      --insecure         allow an address beyond loopback without TLS or auth\n", out);
	print_tracing_options(out);
	fputs("\n"
	      "Examples:\n"
	      "  sudo ipctrace serve --by comm                # the whole host, per program\n"
	      "  sudo ipctrace serve --cgroup system.slice/nginx.service --by cgroup\n"
	      "  sudo ipctrace serve --comm nginx            # every nginx, now and later\n"
	      "  sudo ipctrace serve -p 1234 --listen 127.0.0.1:9999\n"
	      "  curl -s localhost:19400/metrics | grep ipctrace_syscalls_total\n"
	      "\n"
	      "Exit status: 0 after SIGTERM/SIGINT; 64 bad option or address (or beyond\n"
	      "loopback without TLS, auth or --insecure); 66 no -p process exists, a\n"
	      "--cgroup PATH is no cgroup v2 group, or a TLS or auth file cannot be read;\n"
	      "68 no interface has the address; 75 the port is in use; else ipctrace's\n"
	      "own failure (ipctrace --help lists them).\n", out);
}

enum { OPT_LISTEN = 400, OPT_MAX_SERIES, OPT_TLS_CERT, OPT_TLS_KEY, OPT_BASIC_AUTH_FILE,
       OPT_INSECURE, OPT_SERVE_BY };

static int parse_max_series(const char *arg, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n < (unsigned long long)SERIES_PER_ROW * 2 || n > 10000000)
		return usage_error("--max-series: expected a number from 82 (one row and its "
				   "\"other\") to 10000000, got '%s'", arg);
	*out = n;
	return 0;
}

int parse_serve_options(struct serve_options *o, int argc, char **argv)
{
	static const struct option long_options[] = {
		SCOPE_OPTIONS,
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "basic-auth-file", required_argument, NULL, OPT_BASIC_AUTH_FILE },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "by", required_argument, NULL, OPT_SERVE_BY },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "pretend-missing", required_argument, NULL, OPT_PRETEND_MISSING },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt, status;

	o->listen = HTTPD_DEFAULT_LISTEN;
	o->max_series = MAX_SERIES_DEFAULT;
	optind = 1;
	argv[0] = "ipctrace"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "p:vh", long_options, NULL)) != -1) {
		status = handle_scope_option(&o->scope, opt, optarg);
		if (status != SCOPE_NOT_MINE) {
			if (status)
				return status;
			continue;
		}
		status = 0;
		switch (opt) {
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_MAX_SERIES:
			status = parse_max_series(optarg, &o->max_series);
			break;
		case OPT_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->tls_key = optarg;
			break;
		case OPT_BASIC_AUTH_FILE:
			o->basic_auth_file = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case OPT_SERVE_BY:
			/* a label per process would grow without bound: not offered */
			if (!strcmp(optarg, "comm"))
				o->common.tracer.group_by = GROUP_COMM;
			else if (!strcmp(optarg, "cgroup"))
				o->common.tracer.group_by = GROUP_CGROUP;
			else
				status = usage_error("--by: expected comm or cgroup (serve has no per-process "
						     "label), got '%s'", optarg);
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
		return usage_error("serve: unexpected argument '%s'", argv[optind]);
	if (!o->tls_cert != !o->tls_key)
		return usage_error("serve: --tls-cert and --tls-key go together%s", "");
	status = check_scope_options(&o->scope, "serve");
	if (status)
		return status;
	/* an exporter watches the host unless told otherwise */
	if (!o->scope.npids && !o->scope.comm && !o->scope.ncgroups)
		o->scope.all = true;
	return 0;
}

/* What the HTTP thread and the main thread share, under lock. */
struct serve_state {
	pthread_mutex_t lock;
	struct tracer *tracer;
	struct series_table *series;
	const char *kernel;
	__u64 collections;
	struct {              /* the last exposition of each format, reused for 1 s */
		char *body;
		size_t len;
		char *gzipped;    /* made on first demand */
		size_t gzipped_len;
		__u64 made_ns;
	} cache[2];
};

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int enabled = 0;

	if (f) {
		if (fscanf(f, "%d", &enabled) != 1)
			enabled = 0;
		fclose(f);
	}
	return enabled == 1;
}

/* A new exposition of format f into the cache: 0 or -1.  Under the lock. */
static int make_exposition(struct serve_state *st, enum exposition_format f)
{
	struct program_stats programs[PROGRAMS_MAX];
	struct exposition_self self = {
		.version = IPCTRACE_VERSION,
		.kernel = st->kernel,
		.started_ns = monotonic_ns(),
		.bpf_stats = bpf_stats_enabled(),
		.programs = programs,
	};
	struct summary s;
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	summary_init(&s);
	err = tracer_collect_counters(st->tracer, &s);
	if (!err)
		err = series_table_update(st->series, &s);
	st->collections++;
	self.collections = st->collections;
	self.traced_tasks = tracer_live_tasks(st->tracer);
	self.nprograms = tracer_program_stats(st->tracer, programs, PROGRAMS_MAX);
	out = err ? NULL : open_memstream(&body, &len);
	if (out) {
		err = exposition_write(out, f, st->series, &s, &self);
		err |= fclose(out);
	}
	summary_free(&s);
	if (err || !out) {
		free(body);
		return -1;
	}
	free(st->cache[f].body);
	free(st->cache[f].gzipped);
	st->cache[f].body = body;
	st->cache[f].len = len;
	st->cache[f].gzipped = NULL;
	st->cache[f].made_ns = self.started_ns;
	return 0;
}

/* The HTTP thread's callback: a copy of the exposition, made or reused. */
static int serve_metrics(void *arg, enum exposition_format f, bool gzip, char **body, size_t *len)
{
	struct serve_state *st = arg;
	const char *from;
	size_t from_len;
	int err = 0;

	pthread_mutex_lock(&st->lock);
	if (!st->cache[f].body || monotonic_ns() - st->cache[f].made_ns > EXPOSITION_REUSE_NS)
		err = make_exposition(st, f);
	if (!err && gzip && !st->cache[f].gzipped)
		err = gzip_buffer(st->cache[f].body, st->cache[f].len, &st->cache[f].gzipped,
				  &st->cache[f].gzipped_len);
	from = gzip ? st->cache[f].gzipped : st->cache[f].body;
	from_len = gzip ? st->cache[f].gzipped_len : st->cache[f].len;
	*body = err ? NULL : malloc(from_len ? from_len : 1);
	if (*body) {
		memcpy(*body, from, from_len);
		*len = from_len;
	}
	pthread_mutex_unlock(&st->lock);
	return *body ? 0 : -1;
}

/* SIGHUP, and every 5 s for --comm: the scope's processes again (those
 * already traced stay so; what they forked meanwhile was followed). */
static void resolve_scope_again(struct serve_state *st, const struct serve_options *o, bool hup)
{
	size_t n;

	pthread_mutex_lock(&st->lock);
	n = trace_scope(st->tracer, &o->scope, NULL, SCOPE_QUIET | (hup ? 0 : SCOPE_NEW_COMM));
	pthread_mutex_unlock(&st->lock);
	if (hup)
		fprintf(stderr, "ipctrace: SIGHUP: %zu process%s in scope\n", n, n == 1 ? "" : "es");
}

/* Until SIGTERM or SIGINT (blocked, taken here); SIGHUP re-resolves. */
static int serve_until_stopped(struct serve_state *st, const struct serve_options *o,
			       const sigset_t *signals)
{
	for (;;) {
		struct timespec wait = { .tv_sec = RESCAN_NS / 1000000000ULL,
					 .tv_nsec = RESCAN_NS % 1000000000ULL };
		int sig = sigtimedwait(signals, NULL, &wait);

		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP)
			resolve_scope_again(st, o, true);
		else if (o->scope.comm) /* processes that took the name since */
			resolve_scope_again(st, o, false);
	}
}

static void free_state(struct serve_state *st)
{
	for (size_t f = 0; f < 2; f++) {
		free(st->cache[f].body);
		free(st->cache[f].gzipped);
	}
	series_table_free(st->series);
	pthread_mutex_destroy(&st->lock);
}

/* The checks that cost nothing to fail: before any BPF is loaded. */
static int check_listen(const struct serve_options *o, struct httpd_address *address)
{
	if (httpd_parse_address(o->listen, address))
		return usage_error("--listen: expected ADDR:PORT ([IPv6]:PORT, :PORT), got '%s'",
				   o->listen);
	if (!address->loopback && !o->tls_cert && !o->basic_auth_file && !o->insecure)
		return usage_error("--listen %s is beyond loopback: give --tls-cert/--tls-key "
				   "and/or --basic-auth-file, or --insecure", o->listen);
	if (o->basic_auth_file && access(o->basic_auth_file, R_OK))
		return fprintf(stderr, "ipctrace: --basic-auth-file %s: %s\n", o->basic_auth_file,
			       strerror(errno)), EXIT_NOINPUT;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_options o = { .common.help = serve_help };
	static struct scope scope; /* 33 KiB of paths: not on the stack */
	struct serve_state st = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct httpd_address address = {};
	struct summary summary;
	struct tracer tracer = {};
	struct timeline *timeline = NULL;
	struct httpd *httpd = NULL;
	sigset_t signals;
	int status, fd;

	status = parse_serve_options(&o, argc, argv);
	if (status)
		return status < 0 ? 0 : status;
	status = check_listen(&o, &address);
	if (!status) /* a cgroup that does not exist is an error, one not yet used is not */
		status = resolve_scope(&o.scope, &scope, &o.common.tracer);
	if (status)
		return status;
	fd = httpd_listen(&address, o.listen);
	if (fd < 0)
		return -fd;
	/* taken by sigtimedwait in this thread only: the HTTP thread inherits
	 * the mask, so no signal lands there */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	summary_init(&summary);
	status = start_tracing(&o.common, "serve", &summary, &tracer, &timeline);
	if (status) {
		close(fd);
		goto out;
	}
	st.tracer = &tracer;
	st.kernel = summary.kernel;
	st.series = series_table_new(o.common.tracer.group_by == GROUP_COMM     ? "comm"
				     : o.common.tracer.group_by == GROUP_CGROUP ? "cgroup"
										: NULL,
				     o.max_series);
	if (!st.series) {
		fprintf(stderr, "ipctrace: out of memory\n");
		close(fd);
		status = EXIT_SOFTWARE;
		goto out;
	}
	scope_command(&o.scope, &summary);
	/* an exporter may start before what it watches: a --comm that names no
	 * process yet, or an empty cgroup, is not an error; -p processes that
	 * are all gone are */
	if (!trace_scope(&tracer, &o.scope, &summary, o.scope.comm ? SCOPE_QUIET : 0) &&
	    !o.scope.comm && !o.scope.scope) {
		fprintf(stderr, "ipctrace: no process to serve metrics of\n");
		close(fd);
		status = EXIT_NOINPUT;
		goto out;
	}
	httpd = httpd_start(&(struct httpd_options){ .listen_fd = fd,
						     .tls_cert = o.tls_cert,
						     .tls_key = o.tls_key,
						     .basic_auth_file = o.basic_auth_file,
						     .metrics = serve_metrics,
						     .arg = &st }, &status);
	if (!httpd)
		goto out;
	fprintf(stderr, "ipctrace: serving %s://%s/metrics\n", o.tls_cert ? "https" : "http",
		o.listen);
	serve_until_stopped(&st, &o, &signals);
	status = 0;
out:
	httpd_stop(httpd); /* no scrape reads the maps from here on */
	timeline_abort(timeline);
	tracer_destroy(&tracer);
	free_state(&st);
	summary_free(&summary);
	return status;
}
