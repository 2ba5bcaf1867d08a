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
/* true for addresses inside the lock and scheduler text: not a caller */
bool ksym_is_lock_text(const struct ksyms *k, unsigned long addr);

struct usyms;

/* symbolise addresses of a process that may have exited by then: the
 * mappings are read at registration time */
struct usyms *usyms_new(void);
void usyms_free(struct usyms *u);
int usyms_add_process(struct usyms *u, pid_t pid);
bool usym_describe(struct usyms *u, pid_t pid, unsigned long addr, char *buf, size_t len);

#endif
