/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel symbols from /proc/kallsyms and user symbols through libdwfl. */
#ifndef IPCTRACE_SYMBOLS_H
#define IPCTRACE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ksyms;

struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *k);
/* "func+0x1a" into buf; false if the address is in no symbol */
bool ksym_describe(const struct ksyms *k, unsigned long addr, char *buf, size_t len);
/* true inside lock, scheduler and tracing text (the BPF program, the
 * tracepoint's glue): not who took the lock */
bool ksym_is_not_caller(const struct ksyms *k, unsigned long addr);

struct usyms;

/* symbolise addresses of a process that may have exited by then: the
 * mappings are read at registration time */
struct usyms *usyms_new(void);
void usyms_free(struct usyms *u);
int usyms_add_process(struct usyms *u, pid_t pid);
bool usym_describe(struct usyms *u, pid_t pid, unsigned long addr, char *buf, size_t len);

/*
 * User stacks are symbolised after the run, when their processes may be
 * gone: a thread snapshots the address space (libdwfl) of every traced
 * process soon after it appears in the processes map.  A process that lived
 * less than a snapshot period is symbolised with another traced process's
 * snapshot, right for forks of the same program.
 */
struct stack_symbols;

struct stack_symbols *stack_symbols_start(int processes_map_fd);
/* stop snapshotting (before reading), keeping what was taken */
void stack_symbols_pause(struct stack_symbols *s);
bool stack_symbols_describe(struct stack_symbols *s, pid_t pid, unsigned long addr, char *buf,
			    size_t len);
void stack_symbols_stop(struct stack_symbols *s);

#endif
