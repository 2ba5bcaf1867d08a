// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ipctrace kernel side: counts, times and buckets every IPC syscall of the
 * traced tasks, their wake-ups, blocked time and lock contention, all in
 * kernel maps.  Every program is a raw tracepoint: no tracefs needed,
 * attach/detach costs a few ms in all where classic syscall tracepoints cost
 * ~70 ms each to detach, and, unlike tp_btf, loading needs no attach BTF ids,
 * so libbpf never parses the kernel's 5 MB BTF (CO-RE uses a small one cut
 * from it, see user/corebtf.c).  Arguments are untyped: other tasks are
 * read with CO-RE probe reads; the current task is a BTF pointer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ipctrace.h"
#include "classify.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Written by user space before load. */
const volatile struct syscall_rule syscall_rules[MAX_SYSCALL_NR] = {};
const volatile __u32 nr_restart_syscall = 219;
const volatile __u32 nr_shmat = 30;
const volatile bool capture_stacks = false;
const volatile bool emit_events = false; /* --timeline */
const volatile bool switch_passes_prev_state = false; /* sched_switch's 4th argument, 5.18+ */
/* attach --all / --cgroup: tested first in every hook, before any map lookup,
 * so that a task out of scope pays that test and nothing else; with the
 * default SCOPE_TREE the verifier drops the tests as dead code */
const volatile __u8 scope = SCOPE_TREE;
const volatile __u32 scope_ncgroups = 0;
const volatile __u64 scope_cgroup_ids[SCOPE_CGROUPS_MAX] = {};
const volatile __u32 scope_cgroup_levels[SCOPE_CGROUPS_MAX] = {};
const volatile __u32 self_tgid = 0; /* ipctrace itself, never in scope */
const volatile __u8 group_by = GROUP_NONE; /* --by */

/* Failure counters: printed as a footer, never hidden. */
struct drop_counters drops = {};
__s64 live_tasks = 0;

/* tid -> state: a raw tracepoint cannot name another task's local storage */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, TRACED_TASKS_MAX);
	__type(key, __u32);
	__type(value, struct task_state);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, SYSCALL_STATS_MAX); /* SYSCALL_STATS_BY_MAX with --by */
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
} syscall_stats SEC(".maps");

/* attach --cgroup: the groups, for bpf_current_task_under_cgroup */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, SCOPE_CGROUPS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} scope_cgroups SEC(".maps");

/* --by comm: group key -> the comm it hashes */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, GROUP_NAMES_MAX);
	__type(key, __u32);
	__type(value, char[COMM_LEN]);
} group_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MECH__COUNT);
	__type(key, __u32);
	__type(value, struct mechanism_stats);
} mechanism_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIGNALS_MAX);
	__type(key, __u32);
	__type(value, struct signal_stats);
} signal_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, WAKEUP_EDGES_MAX);
	__type(key, struct wakeup_edge);
	__type(value, struct edge_stats);
} wakeup_edges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, LOCK_WAITS_MAX);
	__type(key, struct lock_wait_key);
	__type(value, struct lock_wait_stats);
} lock_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, STACKS_MAX);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, PROCESSES_MAX);
	__type(key, __u32);
	__type(value, struct process_info);
} processes SEC(".maps");

/* (tgid << 32 | signo) -> when generated, for generate-to-deliver latency */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* no free-list fill at start-up */
	__uint(max_entries, SIGNALS_PENDING_MAX);
	__type(key, __u64);
	__type(value, __u64);
} signals_pending SEC(".maps");

/*
 * What the CPU runs besides task code, for sched_waking to tell who woke a
 * task: a hardirq or softirq wakes on behalf of no task, whatever task it
 * interrupted.  Set and cleared by the irq_handler_*, softirq_* and
 * hrtimer_expire_* tracepoints.  Why not the per-CPU preempt count: it is
 * reachable only as a typed per-CPU ksym (__preempt_count on 6.18,
 * pcpu_hot.preempt_count on 6.1/6.12), and a typed ksym makes libbpf parse
 * the kernel's whole BTF at load (43 ms here, doubling start+stop); an
 * untyped one needs /proc/kallsyms read (34 ms).  The tracepoints cost each
 * interrupt a few hundred ns host-wide while tracing (bpf_stats: entry
 * ~0.2-0.4 us, exit ~0.1 us, as the hrtimer pair), nothing after.  Not seen: the
 * system vectors other than the timer (IPIs, irq_work), whose rare wake-ups
 * count as the interrupted task's.
 */
struct cpu_context {
	__u32 timer;   /* an hrtimer callback: its wake-ups are "timer" */
	__u32 hardirq; /* a device interrupt handler */
	__u32 softirq; /* a softirq (its vector + 1) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_context);
} cpu_contexts SEC(".maps");

static __always_inline struct cpu_context *cpu_context(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_contexts, &zero);
}

/* The tid of a task inside one of our own map or ring-buffer updates on this
 * CPU: a kernel lock it contends there is the tracer's cost, not the
 * workload's, and would overwrite the wait being timed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} own_locking SEC(".maps");

static __always_inline __u32 *own_locking_enter(__u32 *previous)
{
	__u32 zero = 0, *slot = bpf_map_lookup_elem(&own_locking, &zero);

	if (slot) {
		*previous = *slot; /* an interrupt's hook nests inside ours */
		*slot = (__u32)bpf_get_current_pid_tgid();
	}
	return slot;
}

/* A helper call that may take a kernel lock, marked as ours while it runs. */
#define OWN_LOCKS(call)                                               \
	({                                                            \
		__u32 previous_, *slot_ = own_locking_enter(&previous_); \
		__auto_type result_ = (call);                         \
		if (slot_)                                            \
			*slot_ = previous_;                           \
		result_;                                              \
	})

/* Sized by user space before load; unused unless emit_events. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_DEFAULT_BYTES);
} events SEC(".maps");

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define EINTR 4
#define EEXIST 17
#define SA_RESTART 0x10000000
#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03
#define MAP_ANONYMOUS 0x20
#define VM_SHARED 0x08
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CMD_MASK ~(128 | 256)
#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

static __always_inline struct task_state *task_state_of(__u32 tid)
{
	return bpf_map_lookup_elem(&tasks, &tid);
}

static __always_inline struct task_state *current_state(void)
{
	return task_state_of((__u32)bpf_get_current_pid_tgid());
}

/* ---- scope: attach --all and --cgroup ---------------------------------- */

/* The current task is in one of the --cgroup groups (or a descendant).  In
 * the other scopes the tasks map alone decides. */
static __always_inline bool current_in_scope(void)
{
	if (scope != SCOPE_CGROUPS)
		return true;
	for (__u32 i = 0; i < SCOPE_CGROUPS_MAX && i < scope_ncgroups; i++)
		if (bpf_current_task_under_cgroup(&scope_cgroups, i) == 1)
			return true;
	return false;
}

struct cgroup___pre60 {
	__u64 ancestor_ids[0];
} __attribute__((preserve_access_index));

/* The id of CGRP's ancestor at LEVEL (CGRP's own at its level).  6.0 keeps
 * the ancestors' pointers, before it kept their ids. */
static __always_inline __u64 cgroup_ancestor_id(struct cgroup *cgrp, __u32 level)
{
	__u64 id = 0;

	level &= 63;
	if (bpf_core_field_exists(cgrp->ancestors)) {
		struct cgroup *ancestor = NULL;

		bpf_core_read(&ancestor, sizeof(ancestor), &cgrp->ancestors[level]);
		return BPF_CORE_READ(ancestor, kn, id);
	}
	/* kept from being hoisted above the test: its relocation fails on 6.0+ */
	barrier_var(cgrp);
	bpf_core_read(&id, sizeof(id), &((struct cgroup___pre60 *)cgrp)->ancestor_ids[level]);
	return id;
}

/* "ipctrace\0": never traced by --all, this instance or another */
static __always_inline bool is_ipctrace_comm(const char *comm)
{
	return comm[0] == 'i' && comm[1] == 'p' && comm[2] == 'c' && comm[3] == 't' &&
	       comm[4] == 'r' && comm[5] == 'a' && comm[6] == 'c' && comm[7] == 'e' && !comm[8];
}

/* --all leaves out every ipctrace (a fork of one too, until its exec) */
static __always_inline bool is_ipctrace_task(struct task_struct *task)
{
	char comm[COMM_LEN];

	bpf_probe_read_kernel(comm, sizeof(comm), task->comm);
	return is_ipctrace_comm(comm) || BPF_CORE_READ(task, tgid) == self_tgid;
}

/* Another task than the current one (a wakee, the next task, a signal's
 * target, a fork's child, a task moved between cgroups) is in one of the
 * --cgroup groups: its cgroup v2 ancestry read with CO-RE, since
 * bpf_current_task_under_cgroup only tests the current task.  In the other
 * scopes the tasks map alone decides. */
static __always_inline bool task_in_scope(struct task_struct *task)
{
	struct cgroup *cgrp;
	__u32 level;

	if (scope != SCOPE_CGROUPS)
		return true;
	cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	level = BPF_CORE_READ(cgrp, level);
	for (__u32 i = 0; i < SCOPE_CGROUPS_MAX && i < scope_ncgroups; i++)
		if (scope_cgroup_levels[i] <= level &&
		    cgroup_ancestor_id(cgrp, scope_cgroup_levels[i]) == scope_cgroup_ids[i])
			return true;
	return false;
}

/* Trace TASK from now on (TID of process TGID): the fork hook's child, a
 * task moved into scope, a task in scope met for the first time.  Its
 * process is named for the report.  An exiting task is not added: its exit
 * hook may have run, and nothing would remove the entry. */
static __always_inline struct task_state *adopt_task(struct task_struct *task, __u32 tid,
						     __u32 tgid, __u8 flags)
{
	static const struct task_state zero;
	struct process_info info = {};
	struct task_state *st;
	long err;

	if (BPF_CORE_READ(task, flags) & (PF_EXITING | PF_KTHREAD))
		return NULL;
	err = OWN_LOCKS(bpf_map_update_elem(&tasks, &tid, &zero, BPF_NOEXIST));
	if (err && err != -EEXIST) {
		__sync_fetch_and_add(&drops.traced_tasks_full, 1);
		return NULL;
	}
	st = task_state_of(tid);
	if (!st || err)
		return st; /* already traced: as it was */
	__sync_fetch_and_add(&live_tasks, 1);
	st->flags = flags;
	info.ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_probe_read_kernel_str(info.comm, sizeof(info.comm), BPF_CORE_READ(task, group_leader, comm));
	err = OWN_LOCKS(bpf_map_update_elem(&processes, &tgid, &info, BPF_NOEXIST));
	if (err && err != -EEXIST)
		__sync_fetch_and_add(&drops.processes_full, 1);
	return st;
}

/* sys_enter of a task not traced yet: in scope (the caller tested it), so
 * it started, or moved in, after the walk at start.  What it mapped before
 * is unknown: its page faults are looked at. */
static __always_inline struct task_state *adopt_current(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	char comm[COMM_LEN];

	if (scope == SCOPE_TREE)
		return NULL;
	if (scope == SCOPE_ALL) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (is_ipctrace_comm(comm) || pid_tgid >> 32 == self_tgid)
			return NULL;
	}
	return adopt_task(task, (__u32)pid_tgid, pid_tgid >> 32, TASK_SHARED_MAPPINGS);
}

/* slot = number of significant bits: v in [2^(slot-1), 2^slot) */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0, shift;

	shift = (v > 0xffffffff) << 5; v >>= shift; slot |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; slot |= shift;
	shift = (v > 0xff) << 3; v >>= shift; slot |= shift;
	shift = (v > 0xf) << 2; v >>= shift; slot |= shift;
	shift = (v > 0x3) << 1; v >>= shift; slot |= shift;
	slot |= (v >> 1);
	slot += v ? 1 : 0;
	return slot;
}

/* The histogram bucket of v.  The clamp sits behind a compiler barrier so
 * that the verifier (6.1's too) sees the bound on the very register used. */
static __always_inline void hist_add(__u64 *hist, __u64 v, __u64 n)
{
	__u64 slot = log2_slot(v); /* 64-bit: no zero-extended copy to lose the bound on */

	barrier_var(slot);
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	barrier_var(slot);
	hist[slot] += n;
}

static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero,
					    __u64 *lost_counter)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* -EEXIST: another CPU added it meanwhile.  Full (-E2BIG), no memory, or
	 * the bucket busy (the map updated by a hook this one interrupted): lost,
	 * so counted */
	OWN_LOCKS(bpf_map_update_elem(map, key, zero, BPF_NOEXIST));
	value = bpf_map_lookup_elem(map, key);
	if (!value)
		__sync_fetch_and_add(lost_counter, 1);
	return value;
}

/* No wake-up per event: user space drains the buffer on its own clock, the
 * difference between 1.5x and 4x slowdown when streaming. */
struct event_task {
	__u32 pid;
	__u32 tid;
};

static __always_inline struct event_task current_event_task(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct event_task t = { .pid = pid_tgid >> 32, .tid = (__u32)pid_tgid };

	return t;
}

static __always_inline struct event_task event_task_of(struct task_struct *task)
{
	struct event_task t = { .pid = BPF_CORE_READ(task, tgid), .tid = BPF_CORE_READ(task, pid) };

	return t;
}

static __always_inline void emit_event(__u8 kind, __u8 mech, __u16 op, __u32 nr,
				       struct event_task actor, struct event_task other,
				       __u64 start_ns, __u64 duration_ns, __s64 result, __u64 bytes)
{
	struct event *e = OWN_LOCKS(bpf_ringbuf_reserve(&events, sizeof(*e), 0));

	if (!e) {
		__sync_fetch_and_add(&drops.events_lost, 1);
		return;
	}
	e->kind = kind;
	e->mechanism = mech;
	e->op = op;
	e->nr = nr;
	e->pid = actor.pid;
	e->tid = actor.tid;
	e->other_pid = other.pid;
	e->other_tid = other.tid;
	e->start_ns = start_ns;
	e->duration_ns = duration_ns;
	e->result = result;
	e->bytes = bytes;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* A full stack map, or a hash bucket taken by another stack: counted. */
static __always_inline int stack_id_of(void *ctx, __u64 flags)
{
	int id = OWN_LOCKS(bpf_get_stackid(ctx, &stacks, flags));

	if (id < 0)
		__sync_fetch_and_add(&drops.stacks_lost, 1);
	return id;
}

static __always_inline struct mechanism_stats *mech_stats(__u32 mech)
{
	return bpf_map_lookup_elem(&mechanism_stats, &mech);
}

static __always_inline void record_lock_wait(void *ctx, __u32 kind, __u32 mech, __u64 object,
					     __u64 offset, __u64 wait_ns, int stack_id)
{
	static const struct lock_wait_stats zero;
	struct lock_wait_key key = {
		.kind = kind,
		.mechanism = mech,
		.object = object,
		.offset = offset,
		.waiter_pid = (__u32)bpf_get_current_pid_tgid(),
		.stack_id = stack_id,
	};
	struct lock_wait_stats *w;
	struct mechanism_stats *m;

	w = lookup_or_init(&lock_waits, &key, &zero, &drops.lock_waits_full);
	if (w) {
		__sync_fetch_and_add(&w->count, 1);
		__sync_fetch_and_add(&w->total_ns, wait_ns);
		if (wait_ns > w->max_ns)
			w->max_ns = wait_ns;
	}
	m = mech_stats(mech);
	if (m) {
		m->contention_count++;
		m->contention_ns += wait_ns;
		if (wait_ns > m->contention_max_ns)
			m->contention_max_ns = wait_ns;
	}
}

struct vma_lookup {
	__u64 addr;
	__u64 object;
	__u64 offset;
	__u64 shared;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_lookup *l = data;
	struct file *file = BPF_CORE_READ(vma, vm_file);

	l->shared = BPF_CORE_READ(vma, vm_flags) & VM_SHARED;
	if (file) {
		/* the kernel keys a shared futex by inode and page offset */
		l->object = (__u64)BPF_CORE_READ(file, f_inode);
		l->offset = (BPF_CORE_READ(vma, vm_pgoff) << 12) + l->addr - BPF_CORE_READ(vma, vm_start);
	}
	return 0;
}

static __always_inline int futex_op_sleeps(__u32 op)
{
	return op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET || op == FUTEX_LOCK_PI ||
	       op == FUTEX_LOCK_PI2 || op == FUTEX_WAIT_REQUEUE_PI;
}

/* Contention: a wait on something another task holds, keyed by the object. */
static __always_inline void record_contention(void *ctx, struct call_state *c)
{
	__u64 tgid = bpf_get_current_pid_tgid() >> 32;
	int stack_id = -1;

	if (!c->blocked_ns)
		return;
	if (c->mechanism == MECH_FUTEX && c->kind == SK_FUTEX && futex_op_sleeps(c->op)) {
		struct vma_lookup l = { .addr = c->arg, .object = tgid, .offset = c->arg };

		/* bpf_find_vma is 5.17+: before, shared futexes are keyed by address */
		if (!(c->lock_object & FUTEX_PRIVATE_FLAG) &&
		    bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_find_vma))
			bpf_find_vma(bpf_get_current_task_btf(), c->arg, vma_cb, &l, 0);
		if (capture_stacks)
			stack_id = stack_id_of(ctx, BPF_F_USER_STACK);
		record_lock_wait(ctx, LOCK_FUTEX, MECH_FUTEX, l.object, l.offset, c->blocked_ns,
				 stack_id);
	} else if (c->mechanism == MECH_FILE && c->lock_object) {
		record_lock_wait(ctx, LOCK_FLOCK, MECH_FILE, c->lock_object, 0, c->blocked_ns, -1);
	} else if (c->mechanism == MECH_SEM_SYSV && c->lock_object) {
		record_lock_wait(ctx, LOCK_SEMOP, MECH_SEM_SYSV, c->lock_object - 1, 0,
				 c->blocked_ns, -1);
	} else {
		return;
	}
	c->contention_count++;
	c->contention_ns += c->blocked_ns;
}

/* --by: the group of the current task's calls.  32 bits: the syscall key
 * keeps its size, so that without --by a row costs what it did. */
static __always_inline __u32 current_group(void)
{
	char comm[COMM_LEN];
	__u32 hash = 2166136261u; /* FNV-1a */

	switch (group_by) {
	case GROUP_PROCESS:
		return bpf_get_current_pid_tgid() >> 32;
	case GROUP_CGROUP:
		return (__u32)bpf_get_current_cgroup_id(); /* kernfs inode number */
	case GROUP_COMM:
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < COMM_LEN && comm[i]; i++)
			hash = (hash ^ (__u8)comm[i]) * 16777619u;
		return hash;
	}
	return 0;
}

static __always_inline void name_group(__u32 group)
{
	char comm[COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	OWN_LOCKS(bpf_map_update_elem(&group_names, &group, comm, BPF_NOEXIST));
}

/*
 * A multiplexed wait (epoll_wait, poll, select, ...) belongs to what ended
 * it.  One that slept: to the mechanism of the wake-up that ended its last
 * sleep if that was IPC, else to "other" with the reason.  One that never
 * slept: poll/select to the first IPC fd of the ready sets they return
 * (readable only at exit); epoll, and any that returned nothing IPC, keep
 * the mechanism classified at entry.
 * CALL packs the call's kind | mechanism << 8 | wake_mechanism << 16 |
 * wake_by << 24 | at_exit << 32; returns mechanism | woken_by << 8
 * (WOKEN_BY__COUNT: it never slept).  A global function, so that the
 * verifier checks it once and count_call's paths do not double after it.
 */
__noinline __u32 multiplexed_wait_outcome(__u64 call, __u64 blocked_count, long ret)
{
	__u32 kind = call & 0xff, mech = (call >> 8) & 0xff, wake_by = (call >> 24) & 0xff;
	struct pt_regs *regs;
	int ready;

	if (blocked_count) {
		/* the result says it, even when the wake-up was not seen (a kernel
		 * may skip a sleep's switch-in, see end_unseen_switch_in) */
		if (ret == -EINTR)
			wake_by = WOKEN_BY_SIGNAL;
		else if (ret == 0)
			wake_by = WOKEN_BY_TIMEOUT; /* nothing ready: its timeout */
		return (wake_by == WOKEN_BY_IPC ? (call >> 16) & 0xff : MECH_OTHER) | wake_by << 8;
	}
	if (!(call >> 32) || ret <= 0 || kind == SK_EPOLL)
		return mech | WOKEN_BY__COUNT << 8;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return mech | WOKEN_BY__COUNT << 8;
	if (kind == SK_POLL)
		ready = classify_pollfds(regs->di, regs->si, 1);
	else
		ready = classify_fdsets(regs->di, regs->si, regs->dx);
	return (ready != MECH_NONE ? ready : mech) | WOKEN_BY__COUNT << 8;
}

/* C is the current task's, ST its state; AT_EXIT: called at the call's
 * sys_exit, its arguments still in the registers (not for calls a signal
 * ended).  (As a global function it costs more to verify: ~2.5 ms per
 * program alone, not knowing its caller.) */
static __always_inline void count_call(void *ctx, struct task_state *st, struct call_state *c,
				       long ret, __u64 now, bool at_exit)
{
	static const struct syscall_stats zero;
	struct syscall_key key = { .nr = c->nr, .op = c->op };
	struct syscall_stats *s;
	struct mechanism_stats *m;
	__u64 latency = now - c->enter_ns, bytes = 0;
	__u32 mech = c->mechanism, woken_by = WOKEN_BY__COUNT;

	if (c->kind == SK_OPEN)
		mech = ret >= 0 ? classify_fd(ret) : MECH_NONE;
	c->enter_ns = 0;
	c->restart_ret = 0;
	c->handler_restarts = 0;
	if (mech == MECH_NONE)
		return;
	if (c->kind == SK_POLL || c->kind == SK_SELECT || c->kind == SK_EPOLL) {
		__u32 outcome = multiplexed_wait_outcome(
			c->kind | (__u64)mech << 8 | (__u64)c->wake_mechanism << 16 |
				(__u64)c->wake_by << 24 | (__u64)at_exit << 32,
			c->blocked_count, ret);

		mech = outcome & 0xff;
		woken_by = outcome >> 8;
	}
	c->mechanism = mech;
	if (mech == MECH_SHM && ret >= 0 && (c->kind == SK_MMAP || c->nr == nr_shmat))
		st->flags |= TASK_SHARED_MAPPINGS;
	record_contention(ctx, c);

	key.mechanism = mech;
	key.group = current_group();
	s = lookup_or_init(&syscall_stats, &key, &zero, &drops.syscall_stats_full);
	if (!s)
		return;
	if ((group_by == GROUP_COMM || group_by == GROUP_PROCESS) && !s->count)
		name_group(key.group); /* a new row: its group may be new */
	if (ret >= 0 && syscall_rules[c->nr & (MAX_SYSCALL_NR - 1)].bytes == BYTES_RESULT)
		bytes = ret;
	else if (ret >= 0 && syscall_rules[c->nr & (MAX_SYSCALL_NR - 1)].bytes == BYTES_ARG2)
		bytes = c->arg;
	if (emit_events) {
		struct event_task none = {};

		emit_event(EVENT_SYSCALL, mech, c->op, c->nr, current_event_task(), none,
			   now - latency, latency, ret, bytes);
	}
	s->count++;
	s->errors += ret < 0;
	s->bytes += bytes;
	s->total_ns += latency;
	if (latency > s->max_ns)
		s->max_ns = latency;
	hist_add(s->hist, latency, 1);
	s->blocked_count += c->blocked_count;
	s->blocked_ns += c->blocked_ns;
	s->contention_count += c->contention_count;
	s->contention_ns += c->contention_ns;
	barrier_var(woken_by); /* the bound on the register used (6.1's verifier) */
	if (woken_by < WOKEN_BY__COUNT)
		s->woken_by[woken_by]++;

	if (c->blocked_count) {
		m = mech_stats(mech);
		if (m) {
			m->blocked_count += c->blocked_count;
			m->blocked_ns += c->blocked_ns;
			if (c->blocked_max_ns > m->blocked_max_ns)
				m->blocked_max_ns = c->blocked_max_ns;
			/* one sample per call: the episodes of one call are rarely more than one */
			hist_add(m->blocked_hist, c->blocked_ns / c->blocked_count,
				 c->blocked_count);
		}
	}
}

/*
 * Ending a call runs in a program of its own, end_call, tail-called (through
 * end_call_prog, with its arguments in end_call_args) by the four hooks that
 * end calls: the verifier checks count_call once instead of in each
 * of them (its state count, not the code size, made those a third of the
 * start-up).  The hooks leave their arguments here: only those process-
 * context hooks write it, and a raw tracepoint program runs with migration
 * and preemption off, so nothing on that CPU writes it before the tail call.
 */
struct end_call_args {
	__u64 now;
	__s64 ret;
	__u32 interrupted; /* which call: st->interrupted, else st->call */
	__u32 then_forget; /* the task is exiting: drop its state after */
	struct call_state call; /* a copy: count_call sees one pointer, one path */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct end_call_args);
} end_call_args SEC(".maps");

static __always_inline void forget_task(__u32 tid)
{
	if (!OWN_LOCKS(bpf_map_delete_elem(&tasks, &tid)))
		__sync_fetch_and_add(&live_tasks, -1);
}

/*
 * --all and --cgroup run for as long as processes come and go: every map
 * keyed by a task or a process is cleaned at its exit, so that memory stays
 * bounded.  What was counted stays counted: the rows of the exiting task
 * are folded into rows of no task (waker and wakee 0, "exited"; waiter 0)
 * before they go.  The tree scope keeps them for the report instead.
 */
struct fold_ctx {
	__u32 tid;
	__u32 tgid;
};

static long fold_edge(struct bpf_map *map, struct wakeup_edge *key, struct edge_stats *value,
		      struct fold_ctx *ctx)
{
	static const struct edge_stats exited = { .waker_comm = "(exited)", .wakee_comm = "(exited)" };
	struct wakeup_edge folded = { .mechanism = key->mechanism };
	struct edge_stats *into;

	if (key->waker_pid != ctx->tid && key->wakee_pid != ctx->tid)
		return 0;
	into = lookup_or_init(&wakeup_edges, &folded, &exited, &drops.edges_full);
	if (into)
		__sync_fetch_and_add(&into->count, value->count);
	OWN_LOCKS(bpf_map_delete_elem(&wakeup_edges, key));
	return 0;
}

static long fold_lock_wait(struct bpf_map *map, struct lock_wait_key *key,
			   struct lock_wait_stats *value, struct fold_ctx *ctx)
{
	static const struct lock_wait_stats zero;
	struct lock_wait_key folded = *key;
	struct lock_wait_stats *into;

	if (key->waiter_pid != ctx->tid)
		return 0;
	/* locks too are often the task's own (its private futexes, its pipe's
	 * mutex): only their kind and mechanism are kept */
	folded.waiter_pid = 0;
	folded.stack_id = -1;
	folded.object = folded.offset = 0;
	into = lookup_or_init(&lock_waits, &folded, &zero, &drops.lock_waits_full);
	if (into) {
		__sync_fetch_and_add(&into->count, value->count);
		__sync_fetch_and_add(&into->total_ns, value->total_ns);
		if (value->max_ns > into->max_ns)
			into->max_ns = value->max_ns;
	}
	OWN_LOCKS(bpf_map_delete_elem(&lock_waits, key));
	return 0;
}

/* TID of process TGID is no longer traced (it exits, left the scope, became
 * an ipctrace): in --all and --cgroup, its rows fold first */
static __always_inline void clean_up_task(__u32 tid, __u32 tgid)
{
	struct fold_ctx ctx = { .tid = tid, .tgid = tgid };

	bpf_for_each_map_elem(&wakeup_edges, fold_edge, &ctx, 0);
	bpf_for_each_map_elem(&lock_waits, fold_lock_wait, &ctx, 0);
}

/* ...and if it is the leader, its process's name and pending signals */
static __always_inline void clean_up_after(__u32 tid, __u32 tgid)
{
	clean_up_task(tid, tgid);
	if (tid != tgid)
		return;
	OWN_LOCKS(bpf_map_delete_elem(&processes, &tgid));
	for (__u64 signo = 1; signo < SIGNALS_MAX; signo++) {
		__u64 key = ((__u64)tgid << 32) | signo;

		OWN_LOCKS(bpf_map_delete_elem(&signals_pending, &key));
	}
}

/* The exiting task TID of process TGID is traced no more: in --all and
 * --cgroup, once everything it did is counted, its rows fold first. */
static __always_inline void forget_exited_task(__u32 tid, __u32 tgid)
{
	if (scope != SCOPE_TREE)
		clean_up_after(tid, tgid);
	forget_task(tid);
}

SEC("raw_tp")
int end_call(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 zero = 0, tid = (__u32)pid_tgid;
	struct end_call_args *a = bpf_map_lookup_elem(&end_call_args, &zero);
	struct task_state *st = task_state_of(tid);
	struct call_state *c;

	if (!a || !st)
		return 0;
	c = a->interrupted ? &st->interrupted : &st->call;
	__builtin_memcpy(&a->call, c, sizeof(a->call));
	c->enter_ns = 0; /* ended */
	count_call(ctx, st, &a->call, a->ret, a->now, !a->interrupted);
	if (a->then_forget) /* its last call counted (its contention too): now it goes */
		forget_exited_task(tid, pid_tgid >> 32);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32)); /* a size, not a BTF type: prog arrays take none */
	__array(values, int(void *));
} end_call_prog SEC(".maps") = {
	.values = { [0] = (void *)&end_call },
};

/* Ends the program: the slot is filled at load and the chain is one deep,
 * so the tail call cannot fail. */
static __always_inline int tail_end_call(void *ctx, bool interrupted, long ret, __u64 now,
					 bool then_forget)
{
	__u32 zero = 0;
	struct end_call_args *a = bpf_map_lookup_elem(&end_call_args, &zero);

	if (!a)
		return 0;
	a->now = now;
	a->ret = ret;
	a->interrupted = interrupted;
	a->then_forget = then_forget;
	bpf_tail_call(ctx, &end_call_prog, 0);
	return 0;
}

/* Classify the call at entry; MECH_NONE means "not IPC, do not count". */
static __always_inline int classify_call(struct syscall_rule rule, struct call_state *c)
{
	/* the user registers as a BTF pointer: direct loads, not probe reads */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	unsigned long args[8] = {};
	char path[PATH_PREFIX_LEN];

	if (!regs)
		return MECH_NONE;
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	c->arg = args[2];
	c->op = FUTEX_OP_NONE;
	c->lock_object = 0;

	switch (rule.kind) {
	case SK_FIXED:
		if (rule.mechanism == MECH_SEM_SYSV)
			c->lock_object = args[0] + 1; /* semid, +1 so that 0 means none */
		return rule.mechanism;
	case SK_FUTEX:
		c->op = args[1] & FUTEX_CMD_MASK;
		c->arg = args[0];
		c->lock_object = args[1] & FUTEX_PRIVATE_FLAG;
		return MECH_FUTEX;
	case SK_FD: {
		int mech = classify_fd(args[rule.arg & 7]);

		/* a rule naming a mechanism counts the call only for that one */
		return rule.mechanism && rule.mechanism != mech ? MECH_NONE : mech;
	}
	case SK_FLOCK: {
		struct file *file = fd_to_file(args[0]);

		/* flock(2) waits unless LOCK_NB (4) */
		if (!(args[1] & 4))
			c->lock_object = (__u64)BPF_CORE_READ(file, f_inode);
		return classify_file(file);
	}
	case SK_OPEN:
		return MECH_NONE; /* decided at exit from the new fd */
	case SK_SOCKET:
		return classify_family(args[0]);
	case SK_MKNOD:
		return (args[rule.arg & 7] & S_IFMT) == S_IFIFO ? MECH_FIFO : MECH_NONE;
	case SK_PATH:
		if (bpf_probe_read_user_str(path, sizeof(path), (void *)args[rule.arg & 7]) < 0)
			return MECH_FILE;
		if (path[0] == '/' && path[1] == 'd' && path[2] == 'e' && path[3] == 'v' &&
		    path[4] == '/' && path[5] == 's' && path[6] == 'h' && path[7] == 'm' &&
		    path[8] == '/')
			return MECH_SHM;
		return MECH_FILE;
	case SK_SPLICE: {
		int mech = classify_fd(args[0]);

		return mech != MECH_NONE ? mech : classify_fd(args[2]);
	}
	case SK_MMAP:
		if ((args[3] & MAP_SHARED_VALIDATE) == 0 || (args[3] & MAP_SHARED_VALIDATE) == 2)
			return MECH_NONE;
		if (args[3] & MAP_ANONYMOUS)
			return MECH_SHM;
		return classify_fd(args[4]) == MECH_SHM ? MECH_SHM : MECH_NONE;
	case SK_FCNTL: {
		struct file *file;

		if (args[1] != F_GETLK && args[1] != F_SETLK && args[1] != F_SETLKW &&
		    args[1] != F_OFD_GETLK && args[1] != F_OFD_SETLK && args[1] != F_OFD_SETLKW)
			return MECH_NONE;
		file = fd_to_file(args[0]);
		if (args[1] == F_SETLKW || args[1] == F_OFD_SETLKW)
			c->lock_object = (__u64)BPF_CORE_READ(file, f_inode);
		return classify_file(file);
	}
	case SK_POLL:
		return classify_pollfds(args[0], args[1], 0);
	case SK_SELECT:
		return classify_fdsets(args[0], args[1], args[2]);
	case SK_EPOLL:
		return classify_epoll(args[0]);
	}
	return MECH_NONE;
}

/*
 * A signal interrupted a call (-ERESTART* at exit).  The kernel either
 * restarts it (same syscall again, or restart_syscall) -- possibly after a
 * handler ran and made calls of its own -- or returns EINTR.  Either way
 * it is one call, as the program sees it.  True: it ended with EINTR, for
 * the caller to tail_end_call().
 */
static __always_inline bool resolve_interrupted(struct task_state *st, long id)
{
	struct call_state *c = &st->interrupted;

	if (!c->enter_ns)
		return false;
	if (id == c->nr || id == nr_restart_syscall) {
		/* restarted: the same call goes on */
		__builtin_memcpy(&st->call, c, sizeof(*c));
		st->call.restart_ret = 0;
		st->call.handler_restarts = 0;
		c->enter_ns = 0;
		return false;
	}
	/* with handler_restarts, a call of the handler: the restart comes after rt_sigreturn */
	return !c->handler_restarts;
}

/* Classify the call now entering and keep it, if it is one to count. */
static __always_inline void start_call(struct task_state *st, long id)
{
	struct syscall_rule rule;
	struct call_state *c;
	__u32 nr;
	int mech;

	if (id < 0 || id >= MAX_SYSCALL_NR)
		return;
	/* an unsigned, masked index: the 6.1 verifier loses the signed bounds */
	nr = (__u32)id & (MAX_SYSCALL_NR - 1);
	rule.kind = syscall_rules[nr].kind;
	rule.mechanism = syscall_rules[nr].mechanism;
	rule.arg = syscall_rules[nr].arg;
	rule.bytes = syscall_rules[nr].bytes;
	if (rule.kind == SK_UNTRACED)
		return;
	c = &st->call;
	mech = classify_call(rule, c);
	if (mech == MECH_NONE && rule.kind != SK_OPEN)
		return;
	c->nr = nr;
	c->kind = rule.kind;
	c->mechanism = mech;
	c->blocked_ns = 0;
	c->blocked_count = 0;
	c->blocked_max_ns = 0;
	c->contention_ns = 0;
	c->contention_count = 0;
	c->restart_ret = 0;
	c->handler_restarts = 0;
	c->wake_mechanism = MECH_NONE;
	c->wake_by = WOKEN_BY_NON_IPC;
	c->enter_ns = bpf_ktime_get_ns();
}

/* ST's task is on a CPU again at NOW: end its sleep and its wake-up's wait. */
static __always_inline void switched_in(struct task_state *st, struct event_task task, __u64 now)
{
	struct mechanism_stats *m;

	if (st->off_cpu_ns) {
		__u64 blocked = now - st->off_cpu_ns;

		if (emit_events) {
			struct event_task none = {};

			emit_event(EVENT_BLOCKED, st->call.mechanism, 0, st->call.nr, task, none,
				   st->off_cpu_ns, blocked, 0, 0);
		}
		st->off_cpu_ns = 0;
		/* what ended this sleep (a sleep with no wake-up seen: not IPC) */
		st->call.wake_mechanism = st->woken_ns ? st->woken_mechanism : MECH_OTHER;
		st->call.wake_by = st->woken_ns ? st->woken_by : WOKEN_BY_NON_IPC;
		st->call.blocked_ns += blocked;
		st->call.blocked_count++;
		if (blocked > st->call.blocked_max_ns)
			st->call.blocked_max_ns = blocked;
	}
	if (st->woken_ns) {
		__u64 latency = now - st->woken_ns;

		st->woken_ns = 0;
		m = mech_stats(st->woken_mechanism);
		if (m) {
			m->wakeup_latency_ns += latency;
			if (latency > m->wakeup_latency_max_ns)
				m->wakeup_latency_max_ns = latency;
			hist_add(m->wakeup_hist, latency, 1);
		}
	}
}

/*
 * A kernel may run a task again without a sched_switch naming it as next
 * (a 6.18 host did, about once in 40,000 switch-ins; bpftrace saw the same).
 * The current task's own next event (its sys_exit, or its next switch-out)
 * proves it runs: the sleep left open ends there, counted as inferred.
 */
static __always_inline void end_unseen_switch_in(struct task_state *st, __u64 now)
{
	if (!st->off_cpu_ns)
		return;
	__sync_fetch_and_add(&drops.switch_ins_unseen, 1);
	switched_in(st, current_event_task(), now);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_state *st;
	bool interrupted_ended = false;

	if (!current_in_scope())
		return 0;
	st = current_state();
	if (!st)
		st = adopt_current(); /* NULL in the tree scope */
	if (!st || st->flags & TASK_AWAIT_EXEC)
		return 0;
	if (st->interrupted.enter_ns) {
		interrupted_ended = resolve_interrupted(st, id);
		if (!interrupted_ended && st->call.enter_ns)
			return 0; /* resumed */
	}
	start_call(st, id);
	if (interrupted_ended)
		return tail_end_call(ctx, true, -EINTR, st->interrupted.exit_ns, false);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_state *st;
	__u64 now;

	if (!current_in_scope())
		return 0;
	st = current_state();
	if (!st || !st->call.enter_ns)
		return 0;
	now = bpf_ktime_get_ns();
	end_unseen_switch_in(st, now);
	if ((ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
	     ret == -ERESTART_RESTARTBLOCK) && !st->interrupted.enter_ns) {
		/* set aside until signal_deliver or the next sys_enter tells its fate */
		st->call.restart_ret = ret;
		st->call.exit_ns = now;
		__builtin_memcpy(&st->interrupted, &st->call, sizeof(st->call));
		st->call.enter_ns = 0;
		return 0;
	}
	return tail_end_call(ctx, false, ret, now, false);
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct task_state *st;
	struct call_state *c;
	struct signal_stats *s;
	__u32 signo = sig;
	__u64 key, *generated_ns;
	unsigned long handler, flags;

	if (!current_in_scope())
		return 0;
	st = current_state();
	if (!st)
		return 0;
	s = bpf_map_lookup_elem(&signal_stats, &signo);
	if (emit_events) {
		struct event_task none = {};

		emit_event(EVENT_SIGNAL_DELIVER, MECH_SIGNAL, sig, 0, current_event_task(), none,
			   bpf_ktime_get_ns(), 0, 0, 0);
	}
	if (s) {
		s->delivered++;
		key = (bpf_get_current_pid_tgid() & ~0xffffffffULL) | signo;
		generated_ns = bpf_map_lookup_elem(&signals_pending, &key);
		if (generated_ns) {
			__u64 latency = bpf_ktime_get_ns() - *generated_ns;

			s->latency_ns += latency;
			if (latency > s->latency_max_ns)
				s->latency_max_ns = latency;
			OWN_LOCKS(bpf_map_delete_elem(&signals_pending, &key));
		}
	}
	c = &st->interrupted;
	if (!c->enter_ns)
		return 0;
	/* mirror the kernel's restart decision (arch handle_signal) */
	handler = (unsigned long)BPF_CORE_READ(ka, sa.sa_handler);
	flags = BPF_CORE_READ(ka, sa.sa_flags);
	if (handler <= 1)
		return 0; /* no handler: the kernel restarts the call */
	if (c->restart_ret == -ERESTARTNOINTR ||
	    (c->restart_ret == -ERESTARTSYS && (flags & SA_RESTART))) {
		c->handler_restarts = 1;
		return 0;
	}
	return tail_end_call(ctx, true, -EINTR, c->exit_ns, false);
}

SEC("raw_tp/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *target,
	     int group, int result)
{
	struct signal_stats *s;
	__u32 signo = sig;
	__u64 key, now;

	if (!task_in_scope(target) || !task_state_of(BPF_CORE_READ(target, pid)))
		return 0;
	s = bpf_map_lookup_elem(&signal_stats, &signo);
	if (!s)
		return 0;
	s->generated++;
	if (emit_events)
		emit_event(EVENT_SIGNAL_GENERATE, MECH_SIGNAL, sig, 0, current_event_task(),
			   event_task_of(target), bpf_ktime_get_ns(), 0, result, 0);
	if (result != 0) { /* TRACE_SIGNAL_DELIVERED is 0: queued for delivery */
		s->ignored++;
		return 0;
	}
	key = ((__u64)BPF_CORE_READ(target, tgid) << 32) | signo;
	now = bpf_ktime_get_ns();
	OWN_LOCKS(bpf_map_update_elem(&signals_pending, &key, &now, BPF_NOEXIST));
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	static const struct task_state zero;
	struct task_state *parent_st, *child_st;
	__u32 pid, tgid;
	bool new_process;
	long err;

	/* the child's own cgroup: CLONE_INTO_CGROUP may place it elsewhere */
	if (scope != SCOPE_TREE) {
		if (!task_in_scope(child) || (scope == SCOPE_ALL && is_ipctrace_task(child)))
			return 0;
		pid = BPF_CORE_READ(child, pid);
		tgid = BPF_CORE_READ(child, tgid);
		parent_st = current_state();
		adopt_task(child, pid, tgid,
			   parent_st ? parent_st->flags & TASK_SHARED_MAPPINGS : TASK_SHARED_MAPPINGS);
		return 0;
	}
	parent_st = current_state();
	pid = BPF_CORE_READ(child, pid);
	new_process = pid == BPF_CORE_READ(child, tgid);
	if (!parent_st || (new_process && parent_st->flags & TASK_NO_FOLLOW))
		return 0;
	err = OWN_LOCKS(bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST));
	if (err && err != -EEXIST) {
		__sync_fetch_and_add(&drops.traced_tasks_full, 1);
		return 0;
	}
	child_st = task_state_of(pid);
	if (!child_st)
		return 0;
	if (err) /* user space, attaching, added it first: already counted */
		__builtin_memcpy(child_st, &zero, sizeof(zero));
	else
		__sync_fetch_and_add(&live_tasks, 1);
	child_st->flags = parent_st->flags & (TASK_NO_FOLLOW | TASK_SHARED_MAPPINGS);
	if (new_process) {
		struct process_info info = { .ppid = bpf_get_current_pid_tgid() >> 32 };

		bpf_probe_read_kernel_str(info.comm, sizeof(info.comm), child->comm);
		if (OWN_LOCKS(bpf_map_update_elem(&processes, &pid, &info, BPF_ANY)))
			__sync_fetch_and_add(&drops.processes_full, 1);
	}
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32, old_tid = old_pid;
	struct task_state *st;
	struct process_info *info;

	if (!current_in_scope())
		return 0;
	st = task_state_of(tid);
	if (old_tid != tid) {
		/* a thread's exec: it took the leader's tid (whose exit dropped that
		 * entry); its state moves from the tid it had, one entry either way */
		struct task_state *old = task_state_of(old_tid);

		if (old && !st && !OWN_LOCKS(bpf_map_update_elem(&tasks, &tid, old, BPF_NOEXIST)))
			OWN_LOCKS(bpf_map_delete_elem(&tasks, &old_tid));
		else if (old)
			forget_task(old_tid); /* no room, or tid already known: not twice */
		st = task_state_of(tid);
	}
	if (!st)
		return 0;
	st->flags &= ~(TASK_AWAIT_EXEC | TASK_SHARED_MAPPINGS); /* a new address space */
	info = bpf_map_lookup_elem(&processes, &tgid);
	if (info)
		bpf_get_current_comm(info->comm, sizeof(info->comm));
	if (scope == SCOPE_ALL && info && is_ipctrace_comm(info->comm)) {
		clean_up_after(tid, tgid); /* it became an ipctrace: never traced */
		forget_task(tid);
	}
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32;
	/* no scope test: a thread that left the scope may still have an entry
	 * (a move walks at most THREADS_MOVED_MAX threads), and it must go */
	struct task_state *st = task_state_of(tid);

	if (!st)
		return 0;
	if (tid == tgid) {
		/* the name it ends with (prctl may have renamed it since exec) */
		struct process_info *info = bpf_map_lookup_elem(&processes, &tgid);

		if (info)
			bpf_get_current_comm(info->comm, sizeof(info->comm));
	}
	if (scope != SCOPE_TREE)
		st->flags |= TASK_GONE;
	if (st->interrupted.enter_ns)
		return tail_end_call(ctx, true, -EINTR, st->interrupted.exit_ns, true);
	forget_exited_task(tid, tgid);
	return 0;
}

/*
 * The mechanism of the call an untraced task is in, classified by the rules
 * sys_enter applies to a traced task's: the syscall number and arguments
 * from its saved user registers.  Only a real syscall frame counts: SYSCALL saved the
 * return address in rcx and the flags in r11, which an interrupt or fault
 * frame (whose orig_ax is a vector or error code) matches only by chance.
 * Kernel threads have no syscall.
 */
__noinline __u32 untraced_call_mechanism(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned long args[8] = {};
	struct pt_regs *regs;
	__u32 nr, kind, rule_mech;
	int mech;

	if (task->flags & PF_KTHREAD)
		return MECH_NONE;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs || regs->cx != regs->ip || regs->r11 != regs->flags ||
	    regs->orig_ax >= MAX_SYSCALL_NR)
		return MECH_NONE;
	nr = (__u32)regs->orig_ax & (MAX_SYSCALL_NR - 1);
	kind = syscall_rules[nr].kind;
	rule_mech = syscall_rules[nr].mechanism;
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	/* the calls that wake: sends, writes, unlocks, posts, signals */
	switch (kind) {
	case SK_FIXED:
		return rule_mech;
	case SK_FUTEX:
		return MECH_FUTEX;
	case SK_FD:
		mech = classify_fd(args[syscall_rules[nr].arg & 7]);
		return rule_mech && rule_mech != mech ? MECH_NONE : mech;
	case SK_FLOCK:
	case SK_FCNTL:
		return classify_fd(args[0]);
	case SK_SPLICE:
		mech = classify_fd(args[0]);
		return mech != MECH_NONE ? mech : classify_fd(args[2]);
	}
	return MECH_NONE; /* waits, opens, paths, mappings: they wake no one */
}

/* The mechanism of the call the current task is in: a traced one's from its
 * call in flight, an untraced one's from its registers. */
static __always_inline __u32 current_call_mechanism(struct task_state *st)
{
	if (st)
		return st->call.enter_ns ? st->call.mechanism : MECH_NONE;
	return untraced_call_mechanism();
}

struct waker {
	__u32 mechanism;
	__u32 woken_by; /* enum woken_by */
	bool task;      /* a task woke it (not an interrupt, timer or the idle task) */
};

/*
 * Who released the wakee, through what.  Interrupt context first: a timer
 * callback is "timer"; a hardirq, or a softirq, is "other" (interrupt),
 * except that a softirq run inside a task's call on an inet socket is that
 * call's: loopback TCP/UDP delivers to the receiver from the NET_RX softirq
 * the sender's own send runs at its end, on its CPU.  In task context, the
 * waker's call decides (for an untraced waker too); no IPC call: "other".
 */
static __always_inline struct waker classify_waker(struct task_state *waker_st)
{
	struct cpu_context *cpu = cpu_context();
	struct waker w = { .mechanism = MECH_OTHER, .woken_by = WOKEN_BY_NON_IPC };
	__u32 mech;

	if (cpu && cpu->timer) {
		w.mechanism = MECH_TIMER;
		w.woken_by = WOKEN_BY_TIMEOUT;
		return w;
	}
	if (cpu && (cpu->hardirq || cpu->softirq)) {
		w.woken_by = WOKEN_BY_INTERRUPT;
		if (cpu->hardirq || current_call_mechanism(waker_st) != MECH_INET_SOCKET)
			return w;
		w.mechanism = MECH_INET_SOCKET;
		w.woken_by = WOKEN_BY_IPC;
		w.task = true;
		return w;
	}
	if ((__u32)bpf_get_current_pid_tgid() == 0) { /* the idle task: a timer */
		w.mechanism = MECH_TIMER;
		w.woken_by = WOKEN_BY_TIMEOUT;
		return w;
	}
	w.task = true;
	mech = current_call_mechanism(waker_st);
	if (mech == MECH_NONE)
		return w;
	w.mechanism = mech;
	w.woken_by = mech == MECH_SIGNAL ? WOKEN_BY_SIGNAL : WOKEN_BY_IPC;
	return w;
}

/* The work is done only when the wakee is traced. */
SEC("raw_tp/sched_waking")
int BPF_PROG(sched_waking, struct task_struct *wakee)
{
	static const struct edge_stats zero;
	__u32 wakee_tid;
	struct task_state *wakee_st, *waker_st;
	struct wakeup_edge edge = {};
	struct mechanism_stats *m;
	struct edge_stats *e;
	struct waker w;

	if (!task_in_scope(wakee))
		return 0;
	wakee_tid = BPF_CORE_READ(wakee, pid);
	wakee_st = task_state_of(wakee_tid);
	if (!wakee_st || wakee_st->flags & (TASK_AWAIT_EXEC | TASK_GONE))
		return 0;
	waker_st = current_in_scope() ? current_state() : NULL;
	if (waker_st && waker_st->flags & TASK_GONE)
		waker_st = NULL; /* as after its exit */
	w = classify_waker(waker_st);
	edge.mechanism = w.mechanism;
	wakee_st->woken_ns = bpf_ktime_get_ns();
	wakee_st->woken_mechanism = w.mechanism;
	wakee_st->woken_by = w.woken_by;
	m = mech_stats(w.mechanism);
	if (m)
		m->wakeups++;
	if (emit_events)
		emit_event(EVENT_WAKEUP, w.mechanism, 0, 0, current_event_task(),
			   event_task_of(wakee), wakee_st->woken_ns, 0, 0, 0);
	/* a traced waker by thread; an untraced one by process (a server's
	 * clients: one edge each); interrupts and timers are waker 0.  A traced
	 * task past its sched_process_exit (waking its parent) has no state
	 * left, but its process is still named.  Under a scope an exiting
	 * waker's process entry is gone: it is waker 0, not a lasting edge per
	 * exited process. */
	if (w.task && (scope == SCOPE_TREE ||
		       !(bpf_get_current_task_btf()->flags & PF_EXITING))) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		__u32 tgid = pid_tgid >> 32;

		if (waker_st || bpf_map_lookup_elem(&processes, &tgid)) {
			edge.waker_pid = (__u32)pid_tgid;
		} else {
			edge.waker_pid = tgid;
			edge.waker_untraced = 1;
		}
	}
	edge.wakee_pid = wakee_tid;
	e = lookup_or_init(&wakeup_edges, &edge, &zero, &drops.edges_full);
	if (!e)
		return 0;
	if (!e->count) {
		if (edge.waker_pid)
			bpf_get_current_comm(e->waker_comm, sizeof(e->waker_comm));
		bpf_probe_read_kernel_str(e->wakee_comm, sizeof(e->wakee_comm), wakee->comm);
	}
	__sync_fetch_and_add(&e->count, 1);
	return 0;
}

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state_bits(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* The state the scheduler acted on.  prev->__state read now may already be a
 * concurrent wake-up's: why 5.18 passes it as sched_switch's 4th argument. */
static __always_inline bool prev_sleeps(const unsigned long long *ctx, struct task_struct *prev)
{
	if (switch_passes_prev_state)
		return ctx[3] != 0;
	return task_state_bits(prev) != 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_state *prev_st = NULL, *next_st; /* prev is current */
	__u64 now = 0;

	if (current_in_scope())
		prev_st = current_state();
	if (prev_st) {
		/* blocked: a voluntary sleep inside a counted call (not a preemption) */
		bool sleeps = prev_st->call.enter_ns && !preempt && prev_sleeps(ctx, prev);

		if (sleeps || prev_st->off_cpu_ns) { /* the clock only when it is needed */
			now = bpf_ktime_get_ns();
			end_unseen_switch_in(prev_st, now);
			if (sleeps)
				prev_st->off_cpu_ns = now;
		}
	}
	if (!task_in_scope(next))
		return 0;
	next_st = task_state_of(BPF_CORE_READ(next, pid));
	if (!next_st)
		return 0;
	if (!now)
		now = bpf_ktime_get_ns();
	switched_in(next_st, event_task_of(next), now);
	return 0;
}

SEC("raw_tp/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	struct task_state *st;
	__u32 zero = 0, *marked_tid;

	if (!current_in_scope())
		return 0;
	st = current_state();
	if (!st || !st->call.enter_ns)
		return 0;
	marked_tid = bpf_map_lookup_elem(&own_locking, &zero);
	if (marked_tid && *marked_tid == (__u32)bpf_get_current_pid_tgid()) {
		__sync_fetch_and_add(&drops.own_lock_waits, 1);
		return 0;
	}
	st->kernel_lock_ns = bpf_ktime_get_ns();
	st->kernel_lock_addr = (__u64)lock;
	return 0;
}

SEC("raw_tp/contention_end")
int BPF_PROG(contention_end, void *lock, int ret)
{
	struct task_state *st;
	__u64 wait;

	if (!current_in_scope())
		return 0;
	st = current_state();
	if (!st || !st->kernel_lock_ns || st->kernel_lock_addr != (__u64)lock)
		return 0;
	wait = bpf_ktime_get_ns() - st->kernel_lock_ns;
	st->kernel_lock_ns = 0;
	st->call.contention_count++;
	st->call.contention_ns += wait;
	/* the kernel stack names the IPC path that took the lock */
	record_lock_wait(ctx, LOCK_KERNEL,
			 st->call.mechanism != MECH_NONE ? st->call.mechanism : MECH_OTHER,
			 (__u64)lock, 0, wait, stack_id_of(ctx, 0));
	return 0;
}

SEC("raw_tp/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	struct vma_lookup l = { .addr = address };
	struct mechanism_stats *m;
	struct task_state *st;

	if (!current_in_scope())
		return 0;
	st = current_state();
	/* bpf_find_vma costs microseconds: only where a shared mapping may be */
	if (!st || !(st->flags & TASK_SHARED_MAPPINGS) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_find_vma))
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), address, vma_cb, &l, 0);
	if (!l.shared)
		return 0;
	m = mech_stats(MECH_SHM);
	if (m)
		m->page_faults++;
	return 0;
}

SEC("raw_tp/hrtimer_expire_entry")
int BPF_PROG(hrtimer_expire_entry)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->timer = 1;
	return 0;
}

SEC("raw_tp/hrtimer_expire_exit")
int BPF_PROG(hrtimer_expire_exit)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->timer = 0;
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(irq_handler_entry)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->hardirq = 1;
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(irq_handler_exit)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->hardirq = 0;
	return 0;
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->softirq = vec + 1;
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(softirq_exit)
{
	struct cpu_context *cpu = cpu_context();

	if (cpu)
		cpu->softirq = 0;
	return 0;
}

/* A task that moved between cgroups: traced from now on if it is in scope,
 * no longer if it is not. */
static __always_inline void follow_move(struct task_struct *task, bool leader)
{
	__u32 tid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);

	if (task_in_scope(task)) {
		adopt_task(task, tid, tgid, TASK_SHARED_MAPPINGS);
	} else if (task_state_of(tid)) {
		if (leader)
			clean_up_after(tid, tgid);
		else /* the loop of threads stays small for the verifier */
			clean_up_task(tid, tgid);
		forget_task(tid);
	}
}

struct thread_walk {
	struct list_head *pos;
	struct list_head *head;
	struct task_struct *leader;
};

/* one thread of a moved process per call: bpf_loop has the verifier check
 * the body once, not once per thread */
static long follow_thread(__u32 index, struct thread_walk *walk)
{
	struct list_head *pos = walk->pos; /* a local: no CO-RE access to walk itself */
	struct task_struct *thread;

	if (!pos || pos == walk->head)
		return 1;
	thread = (void *)pos - bpf_core_field_offset(struct task_struct, thread_node);
	if (thread != walk->leader)
		follow_move(thread, false);
	walk->pos = BPF_CORE_READ(pos, next);
	return 0;
}

/*
 * attach --cgroup: a move fires no syscall or scheduler hook of the task
 * moved, so it is followed here (once per move, after it is committed, with
 * the leader; its threads move with it when threadgroup).  The thread list
 * is stable: the move holds cgroup_threadgroup_rwsem, which fork and exit
 * take too.  Moves in v1 hierarchies fire it as well: the v2 group is then
 * unchanged and so is the answer.
 */
SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	struct signal_struct *signal;
	struct thread_walk walk = { .leader = task };

	if (scope != SCOPE_CGROUPS)
		return 0;
	follow_move(task, true);
	/* bpf_loop is 5.17+: before, the other threads are left to their next
	 * hook (each tests its scope first) */
	if (!threadgroup || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		return 0;
	signal = BPF_CORE_READ(task, signal);
	walk.head = &signal->thread_head;
	walk.pos = BPF_CORE_READ(signal, thread_head.next);
	bpf_loop(THREADS_MOVED_MAX, follow_thread, &walk, 0);
	return 0;
}
