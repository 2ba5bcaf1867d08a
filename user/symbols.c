// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <elfutils/libdwfl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbols.h"

struct ksym {
	unsigned long addr;
	char *name;
};

struct ksyms {
	struct ksym *syms;
	size_t count;
	unsigned long lock_start, lock_end, sched_start, sched_end;
};

static int compare_ksyms(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms_load(void)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	FILE *f = fopen("/proc/kallsyms", "re");
	size_t capacity = 0;
	unsigned long addr;
	char type, name[256];

	if (!k || !f)
		goto fail;
	while (fscanf(f, "%lx %c %255s%*[^\n]", &addr, &type, name) == 3) {
		if (!addr)
			continue;
		if (!strcmp(name, "__lock_text_start"))
			k->lock_start = addr;
		else if (!strcmp(name, "__lock_text_end"))
			k->lock_end = addr;
		else if (!strcmp(name, "__sched_text_start"))
			k->sched_start = addr;
		else if (!strcmp(name, "__sched_text_end"))
			k->sched_end = addr;
		if (type != 't' && type != 'T')
			continue;
		if (k->count == capacity) {
			struct ksym *grown;

			capacity = capacity ? capacity * 2 : 4096;
			grown = realloc(k->syms, capacity * sizeof(*grown));
			if (!grown)
				goto fail;
			k->syms = grown;
		}
		k->syms[k->count].addr = addr;
		k->syms[k->count].name = strdup(name);
		if (!k->syms[k->count].name)
			goto fail;
		k->count++;
	}
	fclose(f);
	if (k->count) /* syms is NULL then, and qsort's base must not be */
		qsort(k->syms, k->count, sizeof(*k->syms), compare_ksyms);
	return k;
fail:
	if (f)
		fclose(f);
	ksyms_free(k);
	return NULL;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->count; i++)
		free(k->syms[i].name);
	free(k->syms);
	free(k);
}

/* the last symbol at or below addr */
static const struct ksym *ksym_find(const struct ksyms *k, unsigned long addr)
{
	size_t low = 0, high;

	if (!k || !k->count || addr < k->syms[0].addr)
		return NULL;
	high = k->count;
	while (high - low > 1) {
		size_t mid = low + (high - low) / 2;

		if (k->syms[mid].addr <= addr)
			low = mid;
		else
			high = mid;
	}
	return &k->syms[low];
}

bool ksym_describe(const struct ksyms *k, unsigned long addr, char *buf, size_t len)
{
	const struct ksym *sym = ksym_find(k, addr);

	if (!sym)
		return false;
	snprintf(buf, len, "%s+0x%lx", sym->name, addr - sym->addr);
	return true;
}

bool ksym_is_not_caller(const struct ksyms *k, unsigned long addr)
{
	/* a stack taken in a tracepoint program starts in the program and the
	 * tracepoint's glue, which differ from kernel to kernel; the spinning
	 * and queueing code of the locks lies outside the lock text */
	static const char *const not_callers[] = {
		"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_", "trace_contention_",
		"native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
		"queued_spin_lock_slowpath", "queued_read_lock_slowpath",
		"queued_write_lock_slowpath", "osq_lock", "mutex_spin_on_owner",
		"rwsem_spin_on_owner", "rwsem_optimistic_spin", "do_raw_spin_lock",
	};
	const struct ksym *sym;

	if (!k)
		return false;
	if ((addr >= k->lock_start && addr < k->lock_end) ||
	    (addr >= k->sched_start && addr < k->sched_end))
		return true;
	sym = ksym_find(k, addr);
	for (size_t i = 0; sym && i < sizeof(not_callers) / sizeof(not_callers[0]); i++)
		if (!strncmp(sym->name, not_callers[i], strlen(not_callers[i])))
			return true;
	return false;
}

/* ---- user space: one libdwfl session per process ---- */

struct usym_process {
	pid_t pid;
	Dwfl *dwfl;
};

struct usyms {
	struct usym_process *procs;
	size_t count;
};

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

struct usyms *usyms_new(void)
{
	return calloc(1, sizeof(struct usyms));
}

void usyms_free(struct usyms *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->count; i++)
		dwfl_end(u->procs[i].dwfl);
	free(u->procs);
	free(u);
}

int usyms_add_process(struct usyms *u, pid_t pid)
{
	struct usym_process *grown;
	Dwfl *dwfl = dwfl_begin(&proc_callbacks);

	if (!dwfl)
		return -1;
	if (dwfl_linux_proc_report(dwfl, pid) || dwfl_report_end(dwfl, NULL, NULL)) {
		dwfl_end(dwfl);
		return -1;
	}
	grown = realloc(u->procs, (u->count + 1) * sizeof(*grown));
	if (!grown) {
		dwfl_end(dwfl);
		return -1;
	}
	u->procs = grown;
	u->procs[u->count].pid = pid;
	u->procs[u->count].dwfl = dwfl;
	u->count++;
	return 0;
}

static bool usyms_has(const struct usyms *u, pid_t pid)
{
	for (size_t i = 0; i < u->count; i++)
		if (u->procs[i].pid == pid)
			return true;
	return false;
}

bool usym_describe(struct usyms *u, pid_t pid, unsigned long addr, char *buf, size_t len)
{
	/* another process's snapshot: same program, forked, same layout */
	if (u && u->count && !usyms_has(u, pid))
		pid = u->procs[0].pid;
	for (size_t i = 0; u && i < u->count; i++) {
		Dwfl_Module *mod;
		GElf_Off offset;
		GElf_Sym sym;
		const char *name, *module;

		if (u->procs[i].pid != pid)
			continue;
		mod = dwfl_addrmodule(u->procs[i].dwfl, addr);
		if (!mod)
			return false;
		module = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		name = dwfl_module_addrinfo(mod, addr, &offset, &sym, NULL, NULL, NULL);
		if (name)
			snprintf(buf, len, "%s+0x%lx (%s)", name, (unsigned long)offset,
				 module ? strrchr(module, '/') ? strrchr(module, '/') + 1 : module : "?");
		else
			snprintf(buf, len, "0x%lx (%s)", addr, module ? module : "?");
		return true;
	}
	return false;
}

/* ---- snapshots of traced processes, taken while they live ---- */

#define SNAPSHOT_PERIOD_NS 20000000 /* 20 ms */

struct stack_symbols {
	struct usyms *usyms;
	int processes_fd;
	pthread_t thread;
	atomic_bool stop;
	bool running;
};

static void snapshot_new_processes(struct stack_symbols *s)
{
	__u32 key, *prev = NULL;

	while (!bpf_map_get_next_key(s->processes_fd, prev, &key)) {
		prev = &key;
		if (!usyms_has(s->usyms, key))
			usyms_add_process(s->usyms, key); /* fails if gone: nothing lost but names */
	}
}

static void *snapshot_loop(void *arg)
{
	struct stack_symbols *s = arg;
	struct timespec period = { .tv_nsec = SNAPSHOT_PERIOD_NS };

	while (!atomic_load(&s->stop)) {
		snapshot_new_processes(s);
		nanosleep(&period, NULL);
	}
	return NULL;
}

struct stack_symbols *stack_symbols_start(int processes_map_fd)
{
	struct stack_symbols *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->usyms = usyms_new();
	s->processes_fd = processes_map_fd;
	if (!s->usyms || pthread_create(&s->thread, NULL, snapshot_loop, s)) {
		usyms_free(s->usyms);
		free(s);
		return NULL;
	}
	s->running = true;
	return s;
}

void stack_symbols_pause(struct stack_symbols *s)
{
	if (!s || !s->running)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	s->running = false;
	snapshot_new_processes(s); /* those still alive at the end */
}

bool stack_symbols_describe(struct stack_symbols *s, pid_t pid, unsigned long addr, char *buf,
			    size_t len)
{
	return s && usym_describe(s->usyms, pid, addr, buf, len);
}

void stack_symbols_stop(struct stack_symbols *s)
{
	if (!s)
		return;
	stack_symbols_pause(s);
	usyms_free(s->usyms);
	free(s);
}
