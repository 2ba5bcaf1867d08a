/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel/user contract of ipctrace: everything bpf/ipctrace.bpf.c and
 * user/ must agree on lives here and nowhere else.  Included by BPF code
 * (after vmlinux.h) and by user code (after <linux/types.h>).
 */
#ifndef IPCTRACE_H
#define IPCTRACE_H

/* log2 histogram slots: slot i counts values in [2^(i-1), 2^i) ns. */
#define HIST_SLOTS 36
#define MAX_SYSCALL_NR 512
#define COMM_LEN 16
#define PATH_PREFIX_LEN 16
#define POLL_FDS_EXAMINED 8
#define STACK_DEPTH 16

/* Sized for start-up too: a hash map's buckets are allocated and set up at
 * creation, 3.5 ms here for 65536 entries, 0.5 ms for 16384. */
#define TRACED_TASKS_MAX 16384 /* threads alive at once */
#define PROCESSES_MAX 16384    /* processes of the traced tree, kept after they exit */
#define SYSCALL_STATS_MAX 1024 /* (mechanism, syscall, operation) rows */
/* (waker, wakee, mechanism): an untraced waker is keyed by its process, not
 * its thread, so a server's many untraced clients take one edge each */
#define WAKEUP_EDGES_MAX 16384
#define LOCK_WAITS_MAX 4096    /* (lock, waiter, call site) */
#define SIGNALS_PENDING_MAX 1024 /* (process, signal) generated, not yet delivered */
#define STACKS_MAX 4096        /* with --stacks: futex waiters' user stacks too */
/* Without --stacks: kernel lock call sites only.  Two stacks that hash to one
 * bucket lose the second (counted); creating the map costs 0.4 ms per 1024. */
#define KERNEL_STACKS_MAX 1024
#define SCOPE_CGROUPS_MAX 8     /* attach --cgroup, repeated */
#define SCOPE_WAKEUP_EDGES_MAX 16384 /* attach --all, --cgroup: wake-up edges */
#define THREADS_MOVED_MAX 256   /* threads of one process a cgroup move walks */
#define GROUP_NAMES_MAX 4096    /* --by comm: names of the groups */
#define SYSCALL_STATS_BY_MAX 16384 /* --by: (group, mechanism, syscall, operation) rows */

/* Which tasks are traced.  SCOPE_TREE: the tasks user space names and what
 * they fork (run, attach -p/--comm).  The others also take in, at first
 * sight, any task in scope (attach --all, --cgroup). */
enum scope_kind {
	SCOPE_TREE = 0,
	SCOPE_ALL,     /* every user-space task but ipctrace's */
	SCOPE_CGROUPS, /* the tasks of these cgroup v2 groups and their descendants */
};

/* --by: the key of the group a syscall row belongs to (syscall_key.group). */
enum group_by {
	GROUP_NONE = 0, /* group 0: no breakdown */
	GROUP_PROCESS,  /* the tgid */
	GROUP_COMM,     /* a hash of the comm; group_names maps it back */
	GROUP_CGROUP,   /* the cgroup v2 id's low 32 bits (its kernfs inode number) */
};

/* Every mechanism a syscall, wake-up or wait can be attributed to. */
enum mechanism {
	MECH_NONE = 0, /* not IPC: not counted */
	MECH_PIPE,
	MECH_FIFO,
	MECH_MQ_POSIX,
	MECH_MQ_SYSV,
	MECH_SEM_SYSV,
	MECH_SHM,
	MECH_FUTEX,
	MECH_SIGNAL,
	MECH_UNIX_SOCKET,
	MECH_INET_SOCKET,
	MECH_FILE,
	MECH_OTHER, /* wake-ups by no IPC call or by interrupts; multiplexed waits
		     * that such a wake-up, a timeout or a signal ended */
	MECH_TIMER, /* wake-ups only: timer expiry, idle task */
	MECH__COUNT,
};

/* How sys_enter finds the mechanism of a syscall (one rule per nr). */
enum syscall_kind {
	SK_UNTRACED = 0,
	SK_FIXED,     /* always rule.mechanism */
	SK_FD,        /* args[rule.arg] is an fd: classify its file */
	SK_OPEN,      /* the result is a new fd: classify it at exit */
	SK_SOCKET,    /* args[0] is an address family (socket, socketpair) */
	SK_MKNOD,     /* args[rule.arg] is a mode: S_IFIFO makes it a fifo */
	SK_PATH,      /* args[rule.arg] is a path: /dev/shm/... is shm, else file */
	SK_SPLICE,    /* args[0], else args[2], is the pipe/socket fd */
	SK_MMAP,      /* only MAP_SHARED mappings: anonymous or of a shm fd */
	SK_FCNTL,     /* only record-lock commands; args[0] is the fd */
	SK_FLOCK,     /* flock(2): args[0] is the fd; waits unless LOCK_NB */
	SK_POLL,      /* args[0] is a struct pollfd array of args[1] entries */
	SK_SELECT,    /* args[1]/args[2] are fd_set bitmaps of args[0] fds */
	SK_EPOLL,     /* args[0] is an epoll fd: classify what it watches */
	SK_FUTEX,     /* futex(2): the operation is args[1] & FUTEX_CMD_MASK */
};

/* Where the "bytes" of a successful call come from. */
enum bytes_source {
	BYTES_NONE = 0,
	BYTES_RESULT, /* the return value (read, write, send, ...) */
	BYTES_ARG2,   /* args[2] (mq_timedsend's and msgsnd's length) */
};

struct syscall_rule {
	__u8 kind;      /* enum syscall_kind */
	__u8 mechanism; /* SK_FIXED: the mechanism; SK_FD: count only this one */
	__u8 arg;       /* which argument SK_FD/SK_MKNOD/SK_PATH read */
	__u8 bytes;     /* enum bytes_source */
};

/* Pseudo futex operations for the futex2 syscalls (not futex(2) ops). */
#define FUTEX_OP_NONE 0xffff

struct syscall_key {
	__u32 mechanism;
	__u32 nr;
	__u32 op; /* futex operation, else FUTEX_OP_NONE */
	__u32 group; /* --by: enum group_by's key; 0 without --by */
};

/* Why a multiplexed wait (epoll_wait, poll, select, ...) that slept ended its
 * last sleep: its row counts each.  Only IPC puts the wait on an IPC row. */
enum woken_by {
	WOKEN_BY_IPC = 0,   /* a wake-up through the row's mechanism */
	WOKEN_BY_TIMEOUT,   /* a timer (hrtimer callback, or the idle task) */
	WOKEN_BY_SIGNAL,    /* a signal was sent, or the call ended with EINTR */
	WOKEN_BY_NON_IPC,   /* a task in no IPC call (traced or not), a kernel thread */
	WOKEN_BY_INTERRUPT, /* a hardirq, or a softirq not inside an inet call */
	WOKEN_BY__COUNT,
};

/*
 * The stats structs' fields, one list each: the struct is declared from it,
 * and user space merges per-CPU values, subtracts intervals, and writes and
 * reads the JSON summary by iterating it (user/stats.c), so no function can
 * miss a field.  FIELD(name, merge, group, key): merge is SUM or MAX (a
 * maximum is never subtracted: an interval's is the run's); the JSON summary
 * calls it group.key, or key when group is "".  HIST(name, group, key): a
 * log2 histogram of HIST_SLOTS counts, summed.  COUNTS(name, n, key, name_of):
 * n counts named by name_of(i), summed; in the JSON only when one is not
 * zero, as {name: count}, optional when read.  Adding a field is one line.
 */
#define SYSCALL_STATS_FIELDS(FIELD, HIST, COUNTS) \
	FIELD(count, SUM, "", "count") \
	FIELD(errors, SUM, "", "errors") \
	FIELD(bytes, SUM, "", "bytes") \
	FIELD(total_ns, SUM, "", "total_ns") \
	FIELD(max_ns, MAX, "", "max_ns") \
	FIELD(blocked_count, SUM, "", "blocked_count") /* off-CPU episodes inside the call */ \
	FIELD(blocked_ns, SUM, "", "blocked_ns") \
	FIELD(contention_count, SUM, "", "contention_count") /* waits on a lock another task held */ \
	FIELD(contention_ns, SUM, "", "contention_ns") \
	COUNTS(woken_by, WOKEN_BY__COUNT, "woken_by", woken_by_name) /* multiplexed waits that slept */ \
	HIST(hist, "", "hist_log2_ns")

/* Per mechanism, per CPU: what is not per syscall. */
#define MECHANISM_STATS_FIELDS(FIELD, HIST, COUNTS) \
	FIELD(wakeups, SUM, "wakeups", "count") \
	FIELD(wakeup_latency_ns, SUM, "wakeups", "latency_total_ns") /* wake-up to running */ \
	FIELD(wakeup_latency_max_ns, MAX, "wakeups", "latency_max_ns") \
	FIELD(blocked_count, SUM, "blocked", "count") \
	FIELD(blocked_ns, SUM, "blocked", "total_ns") \
	FIELD(blocked_max_ns, MAX, "blocked", "max_ns") \
	FIELD(contention_count, SUM, "contention", "count") \
	FIELD(contention_ns, SUM, "contention", "total_ns") \
	FIELD(contention_max_ns, MAX, "contention", "max_ns") \
	FIELD(page_faults, SUM, "", "page_faults") /* shm only: faults on shared mappings */ \
	HIST(wakeup_hist, "wakeups", "latency_hist_log2_ns") \
	HIST(blocked_hist, "blocked", "hist_log2_ns")

#define SIGNALS_MAX 65
#define SIGNAL_STATS_FIELDS(FIELD, HIST, COUNTS) \
	FIELD(generated, SUM, "", "generated") \
	FIELD(delivered, SUM, "", "delivered") \
	FIELD(ignored, SUM, "", "ignored") /* not delivered: ignored, already pending, dropped */ \
	FIELD(latency_ns, SUM, "", "latency_total_ns") /* generate to deliver */ \
	FIELD(latency_max_ns, MAX, "", "latency_max_ns")

#define STATS_DECLARE_FIELD(name, merge, group, key) __u64 name;
#define STATS_DECLARE_HIST(name, group, key) __u64 name[HIST_SLOTS];
#define STATS_NO_HIST(name, group, key)
#define STATS_DECLARE_COUNTS(name, n, key, name_of) __u64 name[n];
#define STATS_NO_COUNTS(name, n, key, name_of)

struct syscall_stats {
	SYSCALL_STATS_FIELDS(STATS_DECLARE_FIELD, STATS_DECLARE_HIST, STATS_DECLARE_COUNTS)
};

struct mechanism_stats {
	MECHANISM_STATS_FIELDS(STATS_DECLARE_FIELD, STATS_DECLARE_HIST, STATS_NO_COUNTS)
};

struct signal_stats {
	SIGNAL_STATS_FIELDS(STATS_DECLARE_FIELD, STATS_NO_HIST, STATS_NO_COUNTS)
};

struct wakeup_edge {
	__u32 waker_pid; /* traced: the thread; untraced: its process; 0: interrupt or timer */
	__u32 wakee_pid;
	__u32 mechanism;
	__u32 waker_untraced; /* 1: a task outside the trace, classified by its own call */
};

struct edge_stats {
	__u64 count;
	char waker_comm[COMM_LEN];
	char wakee_comm[COMM_LEN];
};

enum lock_kind {
	LOCK_FUTEX = 1,
	LOCK_KERNEL,
	LOCK_FLOCK, /* flock and fcntl record locks */
	LOCK_SEMOP,
};

/* One row per (lock, waiter): user space groups rows into locks. */
struct lock_wait_key {
	__u32 kind;      /* enum lock_kind */
	__u32 mechanism;
	__u64 object;    /* futex: inode or mm; kernel: lock address; flock: inode; semop: semid */
	__u64 offset;    /* futex: offset or address; else 0 */
	__u32 waiter_pid;
	__s32 stack_id;  /* user stack (futex) or kernel stack (kernel); -1 none */
};

struct lock_wait_stats {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
};

/* One counted syscall in flight. */
struct call_state {
	__u64 enter_ns;      /* since, 0 if none */
	__u64 exit_ns;       /* when an interrupted call left the kernel */
	__u64 arg;           /* bytes length, futex address, ... kept from entry */
	__u64 lock_object;   /* contention key */
	__u64 blocked_ns;    /* off-CPU inside the call */
	__u64 blocked_count;
	__u64 blocked_max_ns;
	__u64 contention_ns; /* kernel-lock waits inside the call */
	__u64 contention_count;
	__s64 restart_ret;   /* -ERESTART* seen at exit: restarted or EINTR, to be told */
	__u32 nr;
	__u32 op;
	__u16 mechanism;
	__u8 kind;
	__u8 handler_restarts; /* a handler runs first, then the kernel restarts it */
	__u8 wake_mechanism; /* the wake-up that ended the call's last sleep: its mechanism */
	__u8 wake_by;        /* and its enum woken_by */
	__u16 pad;
};

/*
 * Per traced task, keyed by tid: its presence is what "traced" means.  The
 * fork hook adds children, the exit hook removes every traced task, so a
 * reused tid is never mistaken for a traced one.  User space creates
 * entries (zeroed but for flags) for the tasks it starts or attaches to.
 */
struct task_state {
	struct call_state call;        /* the call in flight */
	struct call_state interrupted; /* a call a signal interrupted, while its handler runs */
	__u64 off_cpu_ns;    /* went to sleep inside a counted call at */
	__u64 woken_ns;      /* last wake-up, for run-queue latency */
	__u64 kernel_lock_ns;
	__u64 kernel_lock_addr;
	__u16 woken_mechanism;
	__u8 flags; /* TASK_* */
	__u8 woken_by; /* enum woken_by of the last wake-up */
	__u8 pad[4];
};

/* Held by ipctrace before exec: counting starts at its exec. */
#define TASK_AWAIT_EXEC 0x1
/* attach --no-follow: processes it forks are not traced (threads are) */
#define TASK_NO_FOLLOW 0x2
/* it mapped (or inherited, or was attached with) shared memory: its page
 * faults are looked at */
#define TASK_SHARED_MAPPINGS 0x4
/* its exit hook is folding its rows (--all, --cgroup): an interrupt's
 * wake-up meanwhile must not make new ones */
#define TASK_GONE 0x8

/* Every process of the traced tree, kept after it exits for the report. */
struct process_info {
	__u32 ppid;
	char comm[COMM_LEN];
};

/* Timeline events (--timeline only): one record per ring buffer entry. */
enum event_kind {
	EVENT_SYSCALL = 1, /* a counted call completed: [start, start + duration) */
	EVENT_BLOCKED,     /* off-CPU inside a counted call */
	EVENT_WAKEUP,      /* pid/tid woke other_pid/other_tid at start */
	EVENT_SIGNAL_GENERATE, /* signal op sent to other_pid/other_tid */
	EVENT_SIGNAL_DELIVER,  /* signal op delivered to pid/tid */
};

struct event {
	__u8 kind;       /* enum event_kind */
	__u8 mechanism;
	__u16 op;        /* futex operation, or signal number */
	__u32 nr;        /* syscall */
	__u32 pid;       /* the acting task's process */
	__u32 tid;
	__u32 other_pid; /* wakee, signal target */
	__u32 other_tid;
	__u64 start_ns;  /* CLOCK_MONOTONIC */
	__u64 duration_ns;
	__s64 result;
	__u64 bytes;
};

#define RINGBUF_DEFAULT_BYTES (16 << 20)

/*
 * Failure counters, kept as BPF globals and printed as a footer, one list
 * like the stats structs': LOSS(name, label) is data a map could not record,
 * NOTE(name, label, heading) a count kept beside the losses that is not a
 * loss, said under its heading.  label is the text report's; the JSON
 * summary calls each by its name (user/summary.c makes the tables).
 */
#define DROP_COUNTERS(LOSS, NOTE) \
	LOSS(traced_tasks_full, "tasks not followed") \
	LOSS(processes_full, "processes unnamed") \
	LOSS(syscall_stats_full, "syscall rows") \
	LOSS(edges_full, "wake-up edges") \
	LOSS(lock_waits_full, "lock waits") \
	LOSS(stacks_lost, "stacks") \
	LOSS(events_lost, "events") \
	/* a hook interrupted itself on a CPU: filled by user space */ \
	LOSS(recursion_misses, "hook runs skipped by the kernel") \
	/* waits inside our own map updates: the tracer's cost, not the workload's */ \
	NOTE(own_lock_waits, \
	     "kernel lock waits inside ipctrace's own map updates (the tracer's cost)", \
	     "not counted") \
	/* the kernel reported no switch-in: ended at the task's next event */ \
	NOTE(switch_ins_unseen, \
	     "sleeps whose switch-in the kernel did not report, ended at the task's next event", \
	     "inferred")

#define DROP_DECLARE_LOSS(name, label) __u64 name;
#define DROP_DECLARE_NOTE(name, label, heading) __u64 name;

struct drop_counters {
	DROP_COUNTERS(DROP_DECLARE_LOSS, DROP_DECLARE_NOTE)
};

#endif /* IPCTRACE_H */
