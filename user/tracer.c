// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF lifecycle: check privileges and BTF, open the skeleton, write the
 * syscall rules into rodata, leave out what the kernel lacks, load, attach;
 * later read every map once into the summary, and destroy.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "classify.h"
#include "mechanisms.h"
#include "corebtf.h"
#include "exitcodes.h"
#include "procfs.h"
#include "scope.h"
#include "ipctrace.skel.h"
#include "stats.h"
#include "symbols.h"
#include "tracer.h"

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* What each program measures: the feature the report marks unavailable
 * when the kernel lacks its tracepoint.  Required ones abort instead. */
struct program_feature {
	const char *tracepoint;
	const char *feature;
	bool required;
};

static const struct program_feature program_features[] = {
	{ "sys_enter", "syscalls", true },
	{ "sys_exit", "syscalls", true },
	{ "sched_process_fork", "follow_forks", true },
	{ "sched_process_exit", "follow_forks", true },
	{ "sched_process_exec", "follow_execs", true },
	{ "sched_waking", "wakeups", false },
	{ "sched_switch", "blocked_time", false },
	{ "signal_generate", "signals", false },
	{ "signal_deliver", "signals", false },
	{ "contention_begin", "kernel_lock_contention", false },
	{ "contention_end", "kernel_lock_contention", false },
	{ "page_fault_user", "shm_page_faults", false },
	{ "hrtimer_expire_entry", "timer_wakeups", false },
	{ "hrtimer_expire_exit", "timer_wakeups", false },
	{ "irq_handler_entry", "interrupt_wakeups", false },
	{ "irq_handler_exit", "interrupt_wakeups", false },
	{ "softirq_entry", "interrupt_wakeups", false },
	{ "softirq_exit", "interrupt_wakeups", false },
	{ "cgroup_attach_task", "cgroup_moves", false }, /* attach --cgroup only */
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int check_privileges(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	bool bpf, perfmon, sys_admin;

	if (syscall(SYS_capget, &header, data))
		return 0; /* cannot tell: let the load say */
#define HAS_CAP(cap) (data[(cap) / 32].effective & (1U << ((cap) % 32)))
	bpf = HAS_CAP(CAP_BPF);
	perfmon = HAS_CAP(CAP_PERFMON);
	sys_admin = HAS_CAP(CAP_SYS_ADMIN);
#undef HAS_CAP
	if (sys_admin || (bpf && perfmon))
		return 0;
	fprintf(stderr, "ipctrace: missing capability %s%s%s: run as root (sudo ipctrace ...)\n",
		bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "", perfmon ? "" : "CAP_PERFMON");
	return EXIT_NOPERM;
}

#define PROC_PID_INIT_INO 0xEFFFFFFCU /* the initial PID namespace's inode */

/* The programs key tasks by global thread ids; user space names them by its
 * own (fork, /proc, -p): the two agree only in the initial PID namespace. */
static int check_pid_namespace(void)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) || st.st_ino == PROC_PID_INIT_INO)
		return 0;
	fprintf(stderr, "ipctrace: runs only in the initial PID namespace (not in a container's): "
		"the kernel side sees host pids\n");
	return EXIT_UNAVAILABLE;
}

static bool pretended_missing(const struct tracer_options *o, const char *tracepoint)
{
	for (size_t i = 0; i < o->npretend_missing; i++)
		if (!strcmp(o->pretend_missing[i], tracepoint))
			return true;
	return false;
}

static bool feature_listed(const struct summary *s, const char *feature)
{
	for (size_t i = 0; i < s->nunavailable; i++)
		if (!strcmp(s->unavailable[i].feature, feature))
			return true;
	return false;
}

static const struct program_feature *feature_of(const char *program)
{
	for (size_t i = 0; i < sizeof(program_features) / sizeof(program_features[0]); i++)
		if (!strcmp(program_features[i].tracepoint, program))
			return &program_features[i];
	return NULL;
}

/* A tracepoint the kernel lacks: a required one is fatal (exit status),
 * another one marks its feature unavailable (0). */
static int tracepoint_missing(const struct program_feature *f, const char *why, struct summary *s)
{
	char reason[160];

	snprintf(reason, sizeof(reason), "tracepoint %s %s", f->tracepoint, why);
	if (f->required) {
		fprintf(stderr, "ipctrace: cannot trace syscalls: %s\n", reason);
		return EXIT_UNAVAILABLE;
	}
	if (!feature_listed(s, f->feature))
		summary_add_unavailable(s, f->feature, reason);
	return 0;
}

/* --pretend-missing: leave those programs out as if the kernel lacked them */
static int select_programs(struct tracer *t, const struct tracer_options *o, struct summary *s)
{
	int status = 0;

	for (size_t i = 0; i < sizeof(program_features) / sizeof(program_features[0]); i++) {
		const struct program_feature *f = &program_features[i];

		if (!pretended_missing(o, f->tracepoint))
			continue;
		bpf_program__set_autoload(
			bpf_object__find_program_by_name(t->skel->obj, f->tracepoint), false);
		status = status ? status
				: tracepoint_missing(f, "treated as missing (--pretend-missing)", s);
	}
	return status;
}

/* Each program on its tracepoint; one the kernel lacks (ENOENT) is left
 * out as above.  0 or an exit status. */
static int attach_programs(struct tracer *t, struct summary *s)
{
	struct bpf_object_skeleton *skeleton = t->skel->skeleton;

	for (int i = 0; i < skeleton->prog_cnt; i++) {
		struct bpf_program *prog = *skeleton->progs[i].prog;
		const struct program_feature *f = feature_of(bpf_program__name(prog));
		struct bpf_link *link;
		int err, status;

		if (!f || !bpf_program__autoload(prog))
			continue; /* not a hook: end_call is tail-called */
		link = bpf_program__attach(prog);
		err = link ? 0 : -errno;
		if (!err) {
			*skeleton->progs[i].link = link;
			continue;
		}
		if (err == -ENOENT) {
			status = tracepoint_missing(f, "is not in this kernel", s);
			if (status)
				return status;
			continue;
		}
		fprintf(stderr, "ipctrace: attaching %s failed: %s\n", bpf_program__name(prog),
			strerror(-err));
		return EXIT_SOFTWARE;
	}
	return 0;
}

static const char *yes_no(bool yes)
{
	return yes ? "yes" : "NO";
}

/* Load "return 0" as a BPF_PROG_TYPE_TRACING program of this attach type
 * on target (a BTF type of vmlinux); 0 or -errno. */
static int probe_tracing(struct btf *vmlinux, enum bpf_attach_type type, const char *target,
			 int kind)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id = btf__find_by_name_kind(vmlinux, target, kind), fd;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);

	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ipctrace_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void print_probe(FILE *out, const char *feature, int err, const char *use)
{
	char here[64];

	if (err)
		snprintf(here, sizeof(here), "NO (%s)", strerror(-err));
	else
		snprintf(here, sizeof(here), "yes");
	fprintf(out, "%-24s %-5s %s\n", feature, here, use);
}

/* Load "return 0" as a raw tracepoint program and attach it to tracepoint:
 * 0, or -errno (-ENOENT: no such tracepoint). */
static int probe_raw_tracepoint(const char *tracepoint)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "ipctrace_probe", "GPL", insns, 2,
			       NULL), link, err = 0;

	if (fd < 0)
		return -errno;
	link = bpf_raw_tracepoint_open(tracepoint, fd);
	if (link < 0)
		err = -errno;
	else
		close(link);
	close(fd);
	return err;
}

int tracer_print_features(FILE *out, const char *btf_path)
{
	struct btf *vmlinux;
	const char *path = btf_path ? btf_path : DEFAULT_BTF;
	bool all_required = true;
	int err;

	libbpf_set_print(libbpf_print);
	fprintf(out, "%-24s %-5s %s\n", "FEATURE", "HERE", "WHAT IPCTRACE USES IT FOR");
	vmlinux = btf__parse(path, NULL);
	fprintf(out, "%-24s %-5s %s\n", "kernel BTF", yes_no(vmlinux), path);
	if (!vmlinux)
		return EXIT_UNAVAILABLE;
	err = probe_raw_tracepoint("sys_enter");
	print_probe(out, "raw tracepoints", err == -ENOENT ? 0 : err,
		    "every hook (no tracefs needed)");
	fprintf(out, "%-24s %-5s %s\n", "ring buffer",
		yes_no(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0), "--timeline");
	fprintf(out, "%-24s %-5s %s\n", "bpf_find_vma",
		yes_no(btf__find_by_name_kind(vmlinux, "bpf_find_vma", BTF_KIND_FUNC) >= 0 ||
		       libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_find_vma, NULL) > 0),
		"shm page faults, keys of shared futexes (5.17+)");
	for (size_t i = 0; i < sizeof(program_features) / sizeof(program_features[0]); i++) {
		const struct program_feature *f = &program_features[i];
		char what[96];
		bool here = !probe_raw_tracepoint(f->tracepoint);

		all_required &= here || !f->required;
		snprintf(what, sizeof(what), "%s%s", f->feature, f->required ? " (required)" : "");
		fprintf(out, "%-24s %-5s %s\n", f->tracepoint, yes_no(here), what);
	}
	print_probe(out, "tp_btf", probe_tracing(vmlinux, BPF_TRACE_RAW_TP, "btf_trace_sys_enter",
						  BTF_KIND_TYPEDEF), "not used (needs the whole kernel BTF at each start)");
	print_probe(out, "fentry", probe_tracing(vmlinux, BPF_TRACE_FENTRY, "do_nanosleep",
						  BTF_KIND_FUNC), "not used");
	print_probe(out, "kprobes", access("/sys/bus/event_source/devices/kprobe/type", R_OK) ?
		    -ENOENT : 0, "not used");
	btf__free(vmlinux);
	return all_required ? 0 : EXIT_UNAVAILABLE;
}

static __u32 dev_shm_kernel_dev(void)
{
	struct stat st;

	if (stat("/dev/shm", &st))
		return 0;
	/* the kernel's MKDEV: 12 bits of major above 20 bits of minor */
	return (major(st.st_dev) << 20) | minor(st.st_dev);
}

/* attach --all/--cgroup and --by, into rodata before load */
static void configure_scope(struct tracer *t, const struct tracer_options *o)
{
	const struct scope *scope = o->scope;

	t->group_by = o->group_by;
	t->skel->rodata->group_by = o->group_by;
	if (o->group_by) /* a row per group: room for many */
		bpf_map__set_max_entries(t->skel->maps.syscall_stats, SYSCALL_STATS_BY_MAX);
	if (o->group_by == GROUP_CGROUP && scope_find_v2_mount(t->v2_mount, sizeof(t->v2_mount)))
		t->v2_mount[0] = '\0';
	/* moves between cgroups matter only to --cgroup: one tracepoint less */
	if (!scope || scope->kind != SCOPE_CGROUPS)
		bpf_program__set_autoload(t->skel->progs.cgroup_attach_task, false);
	if (!scope)
		return;
	/* a host has many more pairs of tasks waking each other than a tree */
	bpf_map__set_max_entries(t->skel->maps.wakeup_edges, SCOPE_WAKEUP_EDGES_MAX);
	t->skel->rodata->scope = scope->kind;
	t->skel->rodata->self_tgid = getpid();
	t->skel->rodata->scope_ncgroups = scope->ncgroups;
	for (size_t i = 0; i < scope->ncgroups; i++) {
		t->skel->rodata->scope_cgroup_ids[i] = scope->cgroups[i].id;
		t->skel->rodata->scope_cgroup_levels[i] = scope->cgroups[i].level;
	}
}

/* The --cgroup groups into the map bpf_current_task_under_cgroup reads: 0
 * or an exit status */
static int fill_scope_cgroups(struct tracer *t, const struct scope *scope)
{
	int map = bpf_map__fd(t->skel->maps.scope_cgroups);

	for (__u32 i = 0; scope && i < scope->ncgroups; i++) {
		int fd = open(scope->cgroups[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

		if (fd < 0 || bpf_map_update_elem(map, &i, &fd, BPF_ANY))
			err = errno;
		if (fd >= 0)
			close(fd);
		if (err) {
			fprintf(stderr, "ipctrace: --cgroup %s: %s\n", scope->cgroups[i].key,
				strerror(err));
			return EXIT_NOINPUT;
		}
	}
	return 0;
}

/* Open, configure and load, resolving CO-RE against core_btf (NULL: the
 * kernel's own BTF): 0, -1 if the load failed, or an exit status. */
static int open_and_load(struct tracer *t, const struct tracer_options *o, const char *core_btf,
			 bool prev_state, struct summary *s, int *load_err)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = core_btf);
	int status;

	t->skel = ipctrace_bpf__open_opts(&open_opts);
	if (!t->skel) {
		fprintf(stderr, "ipctrace: cannot open the BPF object: %s\n", strerror(errno));
		return EXIT_SOFTWARE;
	}
	status = select_programs(t, o, s);
	if (status)
		return status;
	fill_syscall_rules((struct syscall_rule *)t->skel->rodata->syscall_rules);
	t->skel->rodata->nr_restart_syscall = SYS_restart_syscall;
	t->skel->rodata->nr_shmat = SYS_shmat;
	t->skel->rodata->capture_stacks = o->stacks;
	t->skel->rodata->dev_shm_dev = dev_shm_kernel_dev();
	t->skel->rodata->emit_events = o->events;
	t->skel->rodata->switch_passes_prev_state = prev_state;
	configure_scope(t, o);
	/* without --timeline the ring buffer is never written: keep it one page */
	bpf_map__set_max_entries(t->skel->maps.events,
				 o->events ? (o->ringbuf_bytes ? o->ringbuf_bytes : RINGBUF_DEFAULT_BYTES)
					   : (__u32)sysconf(_SC_PAGESIZE));
	/* without --stacks only kernel lock call sites are stored: a few */
	if (!o->stacks)
		bpf_map__set_max_entries(t->skel->maps.stacks, KERNEL_STACKS_MAX);
	*load_err = ipctrace_bpf__load(t->skel);
	return *load_err ? -1 : 0;
}

int tracer_start(struct tracer *t, const struct tracer_options *o, struct summary *s)
{
	const char *btf_path = o->btf_path ? o->btf_path : DEFAULT_BTF;
	char core_btf[PATH_MAX];
	bool cached = false, prev_state;
	size_t obj_len;
	const void *obj;
	int err = 0, status;

	memset(t, 0, sizeof(*t));
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	status = check_privileges();
	if (!status)
		status = check_pid_namespace();
	if (status)
		return status;
	if (access(btf_path, R_OK)) {
		fprintf(stderr, "ipctrace: kernel BTF not found at %s: this kernel needs "
			"CONFIG_DEBUG_INFO_BTF=y\n", btf_path);
		return EXIT_UNAVAILABLE;
	}
	obj = ipctrace_bpf__elf_bytes(&obj_len);
	if (o->btf_path) {
		snprintf(core_btf, sizeof(core_btf), "%s", o->btf_path);
		prev_state = corebtf_switch_passes_prev_state(btf_path);
	} else {
		cached = corebtf_path(core_btf, sizeof(core_btf), btf_path, obj, obj_len, o->verbose,
				      &prev_state);
	}
	status = open_and_load(t, o, o->btf_path || cached ? core_btf : NULL, prev_state, s, &err);
	if (status < 0 && cached) {
		/* once more with the whole kernel BTF: if that loads, the cached
		 * one was at fault (not the verifier, lockdown, ...): drop it */
		ipctrace_bpf__destroy(t->skel);
		status = open_and_load(t, o, NULL, prev_state, s, &err);
		if (!status)
			corebtf_forget(core_btf);
	}
	if (status < 0) {
		fprintf(stderr, "ipctrace: loading BPF programs failed: %s%s\n", strerror(-err),
			-err == EPERM ? " (kernel lockdown, or not enough privileges?)"
				      : " (run with -v for the verifier's log)");
		status = EXIT_SOFTWARE;
	}
	if (!status)
		status = fill_scope_cgroups(t, o->scope);
	if (status)
		goto fail;
	status = attach_programs(t, s);
	if (status)
		goto fail;
	if (o->stacks)
		t->stack_symbols = stack_symbols_start(bpf_map__fd(t->skel->maps.processes));
	t->start_ns = now_ns(CLOCK_MONOTONIC);
	s->start_ns = now_ns(CLOCK_REALTIME);
	return 0;
fail:
	ipctrace_bpf__destroy(t->skel);
	t->skel = NULL;
	return status;
}

int tracer_add_task(struct tracer *t, pid_t tid, __u8 flags)
{
	struct task_state initial = { .flags = flags };
	int fd = bpf_map__fd(t->skel->maps.tasks), err;
	__s64 *live = &t->skel->bss->live_tasks;
	__u32 key = tid;

	/* counted in first: its exit hook may count it out at any moment */
	__sync_fetch_and_add(live, 1);
	if (bpf_map_update_elem(fd, &key, &initial, BPF_NOEXIST)) {
		err = errno;
		__sync_fetch_and_add(live, -1);
		return err == EEXIST ? 0 : -err; /* EEXIST: the fork hook was first */
	}
	/* its exit hook may have run before the entry existed: none would
	 * remove it, and a later task given the same tid would be counted */
	if (procfs_has_exited(tid)) {
		if (!bpf_map_delete_elem(fd, &key))
			__sync_fetch_and_add(live, -1);
		return -ESRCH;
	}
	return 0;
}

int tracer_add_process(struct tracer *t, pid_t pid, __u8 flags)
{
	struct process_info info = { .ppid = procfs_ppid(pid) };
	pid_t tids[1024];
	__u32 key = pid;
	int n, err;

	/* a leader that ended with pthread_exit is a zombie while its threads
	 * run on: the process is traced if any of its threads is */
	err = tracer_add_task(t, pid, flags);
	if (err && err != -ESRCH)
		return err;
	/* threads it starts from now on are followed by the fork hook */
	n = procfs_threads(pid, tids, sizeof(tids) / sizeof(tids[0]));
	for (int i = 0; i < n; i++)
		if (tids[i] != pid && !tracer_add_task(t, tids[i], flags))
			err = 0;
	if (err)
		return err;
	procfs_comm(pid, info.comm, sizeof(info.comm));
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.processes), &key, &info, BPF_ANY);
	return 0;
}

int tracer_events_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}

long tracer_live_tasks(const struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->live_tasks, __ATOMIC_RELAXED);
}

static void *detach_links(void *arg)
{
	struct bpf_object_skeleton *skeleton = arg;

	for (int i = 0; i < skeleton->prog_cnt; i++) {
		bpf_link__destroy(*skeleton->progs[i].link);
		*skeleton->progs[i].link = NULL;
	}
	return NULL;
}

void tracer_mark_stopped(struct tracer *t)
{
	t->stop_ns = now_ns(CLOCK_MONOTONIC);
	/* detaching patches kernel text (ms per tracepoint): done while the maps
	 * are read and the report written; tracer_destroy waits for it */
	if (!t->detaching && !pthread_create(&t->detacher, NULL, detach_links, t->skel->skeleton))
		t->detaching = true;
}

__u64 tracer_elapsed_ns(const struct tracer *t)
{
	return now_ns(CLOCK_MONOTONIC) - t->start_ns;
}

static const char *const group_by_names[] = {
	[GROUP_PROCESS] = "process", [GROUP_COMM] = "comm", [GROUP_CGROUP] = "cgroup",
};

/* --by: the group of a kernel row, named on first sight */
static struct group_row *group_of(struct tracer *t, struct summary *s, __u32 id)
{
	const char *by = group_by_names[t->group_by];
	char key[256] = "", comm[COMM_LEN] = "";
	__u64 cgroup_id = 0;
	struct group_row *g;

	for (size_t i = 0; i < s->ngroups; i++)
		if (s->groups[i].id == id)
			return &s->groups[i];
	/* the name the kernel side noted with the group's first row */
	bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.group_names), &id, comm);
	comm[COMM_LEN - 1] = '\0';
	switch (t->group_by) {
	case GROUP_PROCESS:
		snprintf(key, sizeof(key), "%u", id);
		break;
	case GROUP_COMM:
		snprintf(key, sizeof(key), "%s", comm[0] ? comm : "?");
		break;
	case GROUP_CGROUP:
		if (t->v2_mount[0])
			scope_cgroup_key(t->v2_mount, id, key, sizeof(key), &cgroup_id);
		if (!key[0]) /* removed since */
			snprintf(key, sizeof(key), "(removed cgroup, inode %u)", id);
		break;
	default:
		return NULL;
	}
	g = summary_group(s, by, id, key);
	if (g && t->group_by == GROUP_CGROUP)
		g->cgroup_id = cgroup_id ? cgroup_id : id;
	if (g && t->group_by == GROUP_PROCESS)
		memcpy(g->comm, comm, sizeof(g->comm));
	return g;
}

/* One syscall_stats row as the report names it: its per-CPU VALUES summed. */
static void syscall_row_of(const struct syscall_key *key, const struct syscall_stats *values,
			   int ncpus, struct syscall_row *row)
{
	const char *name = syscall_name(key->nr), *op = futex_op_name(key->op);

	memset(row, 0, sizeof(*row));
	row->mechanism = key->mechanism;
	for (int cpu = 0; cpu < ncpus; cpu++)
		syscall_stats_add(&row->stats, &values[cpu]);
	if (name)
		snprintf(row->syscall, sizeof(row->syscall), "%s", name);
	else
		snprintf(row->syscall, sizeof(row->syscall), "syscall_%u", key->nr);
	if (op)
		snprintf(row->op, sizeof(row->op), "%s", op);
}

static int collect_syscalls(struct tracer *t, struct summary *s, int ncpus)
{
	int fd = bpf_map__fd(t->skel->maps.syscall_stats);
	struct syscall_stats *values = calloc(ncpus, sizeof(*values));
	struct syscall_key key, *prev = NULL;

	if (!values)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct syscall_row row;

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, values))
			continue;
		syscall_row_of(&key, values, ncpus, &row);
		if (t->group_by) {
			struct group_row *g = group_of(t, s, key.group);

			if (g) {
				summary_add_group_syscall(s, g, &row);
				continue;
			}
		}
		summary_add_syscall(s, &row);
	}
	free(values);
	return 0;
}

static void max_into(__u64 *into, __u64 value)
{
	if (value > *into)
		*into = value;
}

static int collect_mechanisms(struct tracer *t, struct summary *s, int ncpus)
{
	int fd = bpf_map__fd(t->skel->maps.mechanism_stats);
	struct mechanism_stats *values = calloc(ncpus, sizeof(*values));

	if (!values)
		return -ENOMEM;
	for (__u32 mech = 0; mech < MECH__COUNT; mech++) {
		struct mechanism_stats *m = &s->mechanisms[mech];

		if (bpf_map_lookup_elem(fd, &mech, values))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			stats_merge(&mechanism_stats_layout, m, &values[cpu]);
	}
	free(values);
	return 0;
}

static int collect_signals(struct tracer *t, struct summary *s, int ncpus)
{
	int fd = bpf_map__fd(t->skel->maps.signal_stats);
	struct signal_stats *values = calloc(ncpus, sizeof(*values));

	if (!values)
		return -ENOMEM;
	for (__u32 sig = 0; sig < SIGNALS_MAX; sig++) {
		struct signal_stats *st = &s->signals[sig];

		if (bpf_map_lookup_elem(fd, &sig, values))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			stats_merge(&signal_stats_layout, st, &values[cpu]);
	}
	free(values);
	return 0;
}

static void collect_edges(struct tracer *t, struct summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.wakeup_edges);
	struct wakeup_edge key, *prev = NULL;
	struct edge_stats value;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct edge_row row = {
			.waker_pid = key.waker_pid,
			.waker_untraced = key.waker_untraced,
			.wakee_pid = key.wakee_pid,
			.mechanism = key.mechanism,
		};

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue;
		row.count = value.count;
		memcpy(row.waker_comm, value.waker_comm, COMM_LEN);
		memcpy(row.wakee_comm, value.wakee_comm, COMM_LEN);
		row.waker_comm[COMM_LEN - 1] = row.wakee_comm[COMM_LEN - 1] = '\0';
		summary_add_edge(s, &row);
	}
}

static void describe_lock(const struct lock_wait_key *k, char *buf, size_t len)
{
	if (!k->object && !k->offset && !k->waiter_pid) { /* --all, --cgroup: folded at exit */
		snprintf(buf, len, "(locks of exited tasks)");
		return;
	}
	switch (k->kind) {
	case LOCK_FUTEX:
		if (k->object < (1ULL << 32)) /* private futex: keyed by process */
			snprintf(buf, len, "pid %llu futex 0x%llx", (unsigned long long)k->object,
				 (unsigned long long)k->offset);
		else
			snprintf(buf, len, "shared inode 0x%llx+0x%llx", (unsigned long long)k->object,
				 (unsigned long long)k->offset);
		break;
	case LOCK_KERNEL:
		snprintf(buf, len, "kernel lock 0x%llx", (unsigned long long)k->object);
		break;
	case LOCK_FLOCK:
		snprintf(buf, len, "file inode 0x%llx", (unsigned long long)k->object);
		break;
	case LOCK_SEMOP:
		snprintf(buf, len, "semid %llu", (unsigned long long)k->object);
		break;
	default:
		snprintf(buf, len, "0x%llx", (unsigned long long)k->object);
	}
}

/* The first frame outside lock, scheduler and tracing code: who took the lock. */
static void describe_kernel_caller(struct tracer *t, int stack_id, char *buf, size_t len)
{
	__u64 ips[STACK_DEPTH] = {};
	__u32 id = stack_id;

	buf[0] = '\0';
	if (stack_id < 0 || bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &id, ips))
		return;
	for (int i = 0; i < STACK_DEPTH && ips[i]; i++) {
		if (ksym_is_not_caller(t->ksyms, ips[i]))
			continue;
		if (ksym_describe(t->ksyms, ips[i], buf, len))
			return;
	}
}

/* The waiter's user call chain, innermost first: "f+0x1 <- g+0x2 <- ..." */
static void describe_user_stack(struct tracer *t, __u32 pid, int stack_id, char *buf, size_t len)
{
	__u64 ips[STACK_DEPTH] = {};
	__u32 id = stack_id;
	size_t used = 0;

	buf[0] = '\0';
	if (!t->stack_symbols ||
	    bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &id, ips))
		return;
	for (int i = 0; i < STACK_DEPTH && ips[i] && i < 4 && used < len; i++) {
		char frame[CALLER_LEN];

		if (!stack_symbols_describe(t->stack_symbols, pid, ips[i], frame, sizeof(frame))) {
			if (i)
				break; /* a frame-pointer walk past code without them: noise */
			snprintf(frame, sizeof(frame), "0x%llx", (unsigned long long)ips[i]);
		}
		used += snprintf(buf + used, len - used, "%s%s", i ? " <- " : "", frame);
	}
}

static void add_caller(struct lock_row *l, const char *caller)
{
	if (!caller[0] || l->ncallers == CALLERS_MAX)
		return;
	for (size_t i = 0; i < l->ncallers; i++)
		if (!strcmp(l->callers[i], caller))
			return;
	snprintf(l->callers[l->ncallers++], CALLER_LEN, "%s", caller);
}

/* One row of the lock_waits map: a (lock, waiter, call site) and its waits. */
struct lock_wait {
	struct lock_wait_key key;
	struct lock_wait_stats stats;
};

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* The lock a wait was on, whoever waited: (kind, mechanism, object, offset). */
static int compare_locks(const struct lock_wait_key *a, const struct lock_wait_key *b)
{
	if (a->kind != b->kind)
		return CMP(a->kind, b->kind);
	if (a->mechanism != b->mechanism)
		return CMP(a->mechanism, b->mechanism);
	if (a->object != b->object)
		return CMP(a->object, b->object);
	return CMP(a->offset, b->offset);
}

/* by lock, then waiter: a lock's rows and each waiter's are adjacent */
static int compare_lock_waits(const void *a, const void *b)
{
	const struct lock_wait_key *x = &((const struct lock_wait *)a)->key;
	const struct lock_wait_key *y = &((const struct lock_wait *)b)->key;
	int c = compare_locks(x, y);

	if (c)
		return c;
	if (x->waiter_pid != y->waiter_pid)
		return CMP(x->waiter_pid, y->waiter_pid);
	return CMP(x->stack_id, y->stack_id);
}

static void add_lock_wait(struct tracer *t, struct lock_row *row, const struct lock_wait *w)
{
	char caller[CALLER_LEN];

	row->count += w->stats.count;
	row->total_ns += w->stats.total_ns;
	max_into(&row->max_ns, w->stats.max_ns);
	if (w->key.kind == LOCK_KERNEL) {
		describe_kernel_caller(t, w->key.stack_id, caller, sizeof(caller));
		add_caller(row, caller);
	} else if (w->key.kind == LOCK_FUTEX && w->key.stack_id >= 0) {
		describe_user_stack(t, w->key.waiter_pid, w->key.stack_id, caller, sizeof(caller));
		add_caller(row, caller);
	}
}

/* The map's rows are per (lock, waiter, call site): sorted, each lock's are
 * adjacent and become one row of the summary. */
static void collect_locks(struct tracer *t, struct summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.lock_waits);
	struct lock_wait_key key, *prev = NULL;
	struct lock_wait *waits = NULL, w;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		w.key = key;
		if (bpf_map_lookup_elem(fd, &key, &w.stats))
			continue;
		if (array_append((void **)&waits, &n, sizeof(w), &w))
			break; /* out of memory: the locks read so far */
	}
	if (n)
		qsort(waits, n, sizeof(*waits), compare_lock_waits);
	/* /proc/kallsyms takes long to read (a second under emulation): once a
	 * run, and only for kernel locks */
	for (size_t i = 0; i < n && !t->ksyms && !t->ksyms_failed; i++) {
		if (waits[i].key.kind != LOCK_KERNEL)
			continue;
		t->ksyms = ksyms_load();
		t->ksyms_failed = !t->ksyms;
	}
	for (size_t first = 0, i; first < n; first = i) {
		struct lock_row row = { .mechanism = waits[first].key.mechanism,
					.kind = waits[first].key.kind };

		describe_lock(&waits[first].key, row.key, sizeof(row.key));
		for (i = first; i < n && !compare_locks(&waits[i].key, &waits[first].key); i++) {
			if (i == first || waits[i].key.waiter_pid != waits[i - 1].key.waiter_pid)
				row.waiters++;
			add_lock_wait(t, &row, &waits[i]);
		}
		summary_add_lock(s, &row);
	}
	free(waits);
}

static void collect_processes(struct tracer *t, struct summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.processes);
	__u32 key, *prev = NULL;
	struct process_info info;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct process_row row = { .pid = key };

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &info))
			continue;
		row.ppid = info.ppid;
		memcpy(row.comm, info.comm, COMM_LEN);
		row.comm[COMM_LEN - 1] = '\0';
		summary_add_process(s, &row);
	}
}

/* A hook that fires while the same program runs on that CPU (an interrupt
 * inside it) is skipped by the kernel: count those, never hide them. */
static __u64 recursion_misses(struct tracer *t)
{
	struct bpf_program *prog;
	__u64 misses = 0;

	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			misses += info.recursion_misses;
	}
	return misses;
}

#define EXITED_PROCESSES "(exited processes)"

int tracer_fold_exited_processes(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.syscall_stats), ncpus = libbpf_num_possible_cpus();
	struct syscall_key key, next;
	struct syscall_stats *values;
	const char *fold_at = getenv("IPCTRACE_FOLD_AT"); /* testing: rows to start at */
	size_t rows = 0, threshold = fold_at ? strtoul(fold_at, NULL, 10) : SYSCALL_STATS_BY_MAX / 2;
	struct group_row *exited;
	bool more;

	if (t->group_by != GROUP_PROCESS || ncpus < 0)
		return 0;
	/* each process keeps its own rows while there is room */
	for (more = !bpf_map_get_next_key(fd, NULL, &key); more && rows < threshold; rows++)
		more = !bpf_map_get_next_key(fd, &key, &key);
	if (rows < threshold)
		return 0;
	if (!t->folded) {
		t->folded = malloc(sizeof(*t->folded));
		if (!t->folded)
			return -ENOMEM;
		summary_init(t->folded);
	}
	exited = summary_group(t->folded, "process", 0, EXITED_PROCESSES);
	values = calloc(ncpus, sizeof(*values));
	if (!exited || !values) {
		free(values);
		return -ENOMEM;
	}
	/* the next key is taken before this one may be deleted */
	more = !bpf_map_get_next_key(fd, NULL, &key);
	while (more) {
		struct syscall_row row;

		more = !bpf_map_get_next_key(fd, &key, &next);
		/* gone, and reaped: its pid can name no row but its own until reused */
		if (kill((pid_t)key.group, 0) && errno == ESRCH &&
		    !bpf_map_lookup_elem(fd, &key, values) && !bpf_map_delete_elem(fd, &key)) {
			syscall_row_of(&key, values, ncpus, &row);
			summary_add_group_syscall(t->folded, exited, &row);
			bpf_map_delete_elem(bpf_map__fd(t->skel->maps.group_names), &key.group);
		}
		key = next;
	}
	free(values);
	return 0;
}

/* a total row made from operation rows (futex's): not one the kernel wrote */
static bool has_op_rows(const struct summary *s, const struct syscall_row *total)
{
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (s->syscalls[i].op[0] && s->syscalls[i].mechanism == total->mechanism &&
		    !strcmp(s->syscalls[i].syscall, total->syscall))
			return true;
	return false;
}

/* the rows folded so far, into the summary as the kernel's are */
static void collect_folded(struct tracer *t, struct summary *s)
{
	const struct summary *from;
	struct group_row *into;

	if (!t->folded || !t->folded->ngroups)
		return;
	from = t->folded->groups[0].detail;
	into = summary_group(s, "process", 0, EXITED_PROCESSES);
	for (size_t i = 0; into && i < from->nsyscalls; i++)
		if (from->syscalls[i].op[0] || !has_op_rows(from, &from->syscalls[i]))
			summary_add_group_syscall(s, into, &from->syscalls[i]);
}

/* The counters: syscall rows, mechanisms, signals and drops (no edges,
 * locks or processes: no symbols to load, nothing that grows per task). */
static int collect_counters(struct tracer *t, struct summary *s, __u64 until_ns)
{
	int ncpus = libbpf_num_possible_cpus();
	int err;

	if (ncpus < 0)
		return ncpus;
	s->duration_ns = (until_ns ? until_ns : now_ns(CLOCK_MONOTONIC)) - t->start_ns;
	err = collect_syscalls(t, s, ncpus);
	collect_folded(t, s);
	if (!err)
		err = collect_mechanisms(t, s, ncpus);
	if (!err)
		err = collect_signals(t, s, ncpus);
	if (err)
		return err;
	s->drops = t->skel->bss->drops;
	s->drops.recursion_misses = recursion_misses(t);
	s->lost_events = s->drops.events_lost;
	return 0;
}

int tracer_collect(struct tracer *t, struct summary *s, __u64 until_ns)
{
	stack_symbols_pause(t->stack_symbols);
	int err = collect_counters(t, s, until_ns);

	if (err)
		return err;
	collect_edges(t, s);
	collect_locks(t, s);
	collect_processes(t, s);
	summary_finish(s);
	return 0;
}

int tracer_collect_counters(struct tracer *t, struct summary *s)
{
	int err = collect_counters(t, s, 0);

	if (!err)
		summary_finish(s);
	return err;
}

size_t tracer_program_stats(const struct tracer *t, struct program_stats *out, size_t max)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (n == max || fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		out[n].name = bpf_program__name(prog);
		out[n].run_ns = info.run_time_ns;
		out[n].runs = info.run_cnt;
		n++;
	}
	return n;
}

void tracer_destroy(struct tracer *t)
{
	if (t->detaching)
		pthread_join(t->detacher, NULL);
	t->detaching = false;
	stack_symbols_stop(t->stack_symbols);
	t->stack_symbols = NULL;
	ksyms_free(t->ksyms);
	t->ksyms = NULL;
	if (t->folded)
		summary_free(t->folded);
	free(t->folded);
	t->folded = NULL;
	t->ksyms_failed = false;
	ipctrace_bpf__destroy(t->skel);
	t->skel = NULL;
}
