/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the commands share: the tracing options of run, attach and compare,
 * one-line usage errors, the stop signals, and the one path from a traced
 * command to its report.  Each command lives in its own cmd_*.c with its
 * own help; main.c only dispatches.
 */
#ifndef IPCTRACE_CLI_H
#define IPCTRACE_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "formats.h"
#include "scope.h"
#include "summary.h"
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

struct run_options {
	void (*help)(FILE *out); /* the command's --help */
	const char *output;
	const struct output_format *format; /* NULL: text, or by -o's extension */
	bool hist;
	bool quiet;
	const char *user;
	const char *timeline;
	const char *html;
	const char *pretend_missing[MAX_PRETEND];
	struct tracer_options tracer;
};

extern volatile sig_atomic_t stop_signal;   /* the last SIGINT/SIGTERM received */
extern volatile sig_atomic_t stop_requests; /* how many */
/* SIGINT/SIGTERM set the two above (no SA_RESTART: waits return) */
void install_stop_handlers(void);

/* "ipctrace: " fmt (with arg) " (see ipctrace --help)" on stderr: EXIT_USAGE */
int usage_error(const char *fmt, const char *arg);
/* "unknown format 'x': use text, json, csv or html": EXIT_USAGE */
int unknown_format_error(const char *name);

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

/* One tracing option; returns 0, -1 for "exit 0 now" (--help, --version),
 * or an exit status after one line. */
int handle_run_option(struct run_options *o, int opt, const char *arg);

/* The format of an output into path: -f if given, else its extension's, else text. */
const struct output_format *output_format_for(const struct run_options *o, const char *path);
/* The report on stdout (unless -q with an output file), then into -o and
 * --html: 0 or an exit status. */
int emit(const struct run_options *o, const struct summary *s);
/* Read a saved summary for report or compare: 0, or an exit status after
 * one line; a line on stderr too if parts of it were left out. */
int read_summary_file(const char *path, struct summary *s);
/* the tool and host into the summary's header */
void fill_host(struct summary *s);
/* ipctrace-workload beside ipctrace or in PREFIX/libexec; 0 or -1 */
int find_workload_binary(char *path, size_t len);
struct timeline;
/* What run and attach start with: stop handlers, the summary's header (mode
 * "run" or "attach"), the BPF programs, and the --timeline file (into
 * *timeline, else left NULL).  0, or an exit status after one line; the
 * caller destroys t and aborts *timeline either way. */
int start_tracing(struct run_options *o, const char *mode, struct summary *s, struct tracer *t,
		  struct timeline **timeline);
/* Trace the command to its end and emit the report: the command's status,
 * or ipctrace's own.  With result (compare), the summary is handed over
 * there instead, unprinted, and 0 returned (its exit_status is the command's). */
int run_traced(struct run_options *o, const char *workload, char **argv, int argc,
	       struct summary *result);

/* The commands: each parses its own arguments (argv[0] is its name) and
 * returns the exit status; each help is what its --help prints. */
int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_features(int argc, char **argv);
void run_help(FILE *out);
void attach_help(FILE *out);
void report_help(FILE *out);
void compare_help(FILE *out);
void list_help(FILE *out);
void features_help(FILE *out);
/* the options of run and attach that choose the outputs, for their help */
void print_output_options(FILE *out);
/* the options every tracing command has, for their help */
void print_tracing_options(FILE *out);

/* The parsers of run and attach, without side effects but messages (the
 * option fuzzer, tests/fuzz/fuzz_options.c, calls them). */
int parse_run_args(struct run_options *o, int argc, char **argv,
		   const struct workload_info **workload, char **args, int *nargs);

#define ATTACH_MAX 1024

/* Which running processes attach and serve trace: their scope options,
 * parsed and resolved by the same code for both.  --all and --cgroup are
 * filtered in the kernel (scope.h); -p and --comm name a tree. */
struct scope_options {
	pid_t pids[ATTACH_MAX]; /* -p */
	size_t npids;
	const char *comm;       /* --comm */
	bool no_follow;
	bool all;               /* --all */
	const char *cgroups[SCOPE_CGROUPS_MAX]; /* --cgroup, resolved once parsed */
	size_t ncgroups;
	struct scope *scope;    /* resolved --all/--cgroup, NULL for a tree */
};

enum { OPT_COMM = 300, OPT_NO_FOLLOW, OPT_FOLLOW, OPT_ALL, OPT_CGROUP };

#define SCOPE_OPTIONS \
	{ "pid", required_argument, NULL, 'p' }, \
	{ "comm", required_argument, NULL, OPT_COMM }, \
	{ "follow", no_argument, NULL, OPT_FOLLOW }, \
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW }, \
	{ "all", no_argument, NULL, OPT_ALL }, \
	{ "cgroup", required_argument, NULL, OPT_CGROUP }

/* One scope option: 0, an exit status after one line, or SCOPE_NOT_MINE
 * if opt is not one of SCOPE_OPTIONS. */
#define SCOPE_NOT_MINE (-2)
int handle_scope_option(struct scope_options *o, int opt, const char *arg);
/* the scope options, for the commands' help */
void print_scope_options(FILE *out);
/* --all and --cgroup name the scope alone: 0, or EXIT_USAGE after one line
 * naming the command */
int check_scope_options(const struct scope_options *o, const char *command);
/* --all, --cgroup: the groups resolved into scope (before anything is
 * loaded: a bad PATH costs no BPF load) and the tracer told; o->scope set.
 * Nothing for a tree.  0, or an exit status after one line. */
int resolve_scope(struct scope_options *o, struct scope *scope, struct tracer_options *t);
/* "--all" or "--cgroup KEY ..." as the summary's command */
void scope_command(const struct scope_options *o, struct summary *s);

/* Trace the processes in scope now: under --all/--cgroup, every process in
 * it (those that start or move in later are the kernel side's); else the
 * -p processes, those named --comm, and (unless --no-follow) their
 * descendants; with SCOPE_NEW_COMM only
 * processes named --comm (a cheap rescan: what they fork once traced is
 * followed anyway).  Each one that cannot be traced is a line on stderr
 * unless SCOPE_QUIET; s (if not NULL) gets the first one's command line.
 * How many were traced (already traced ones count). */
enum { SCOPE_QUIET = 1, SCOPE_NEW_COMM = 2 };
size_t trace_scope(struct tracer *t, const struct scope_options *o, struct summary *s, int flags);

struct attach_options {
	struct run_options common;
	struct scope_options scope;
	double duration_s;
	double interval_s;
};
int parse_attach_options(struct attach_options *o, int argc, char **argv);

/* ipctrace serve: the options that are its own */
struct serve_options {
	struct run_options common; /* the tracing options: --btf, -v, ... */
	struct scope_options scope;
	const char *listen;        /* ADDR:PORT */
	size_t max_series;
	const char *tls_cert;
	const char *tls_key;
	const char *basic_auth_file;
	bool insecure;
};
int parse_serve_options(struct serve_options *o, int argc, char **argv);
int cmd_serve(int argc, char **argv);
void serve_help(FILE *out);

#endif
