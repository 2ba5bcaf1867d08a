/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ipctrace's own exit statuses (sysexits.h), as the README and the man page
 * document them: any module may fail with one, none needs the tracer for it. */
#ifndef IPCTRACE_EXITCODES_H
#define IPCTRACE_EXITCODES_H

#define EXIT_USAGE 64       /* bad command line */
#define EXIT_DATAERR 65     /* a file to read is not a valid summary */
#define EXIT_NOINPUT 66     /* a file to read, or a process to attach to, does not exist */
#define EXIT_UNAVAILABLE 69 /* the kernel lacks what ipctrace needs (BTF, BPF) */
#define EXIT_SOFTWARE 70    /* BPF load or attach failed */
#define EXIT_NOHOST 68      /* serve: no interface has the --listen address */
#define EXIT_CANTCREAT 73   /* an output file cannot be written */
#define EXIT_TEMPFAIL 75    /* serve: the --listen port is in use (try again, or another) */
#define EXIT_NOPERM 77      /* not root and lacking CAP_BPF/CAP_PERFMON */
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

#endif
