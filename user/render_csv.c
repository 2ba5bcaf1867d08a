// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One RFC 4180 row per (mechanism, syscall, operation); with --by, a first
 * column names the group of each row ("" for the whole run's rows). */
#include <string.h>
#include "mechanisms.h"
#include "render.h"

void csv_field(FILE *out, const char *text)
{
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static void csv_rows(FILE *out, const struct summary *s, const char *group)
{
	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_row *row = &s->syscalls[i];
		const struct syscall_stats *st = &row->stats;

		if (group) {
			csv_field(out, group);
			fputc(',', out);
		}
		csv_field(out, mechanism_name(row->mechanism));
		fputc(',', out);
		csv_field(out, row->syscall);
		fputc(',', out);
		csv_field(out, row->op);
		fprintf(out, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\r\n",
			(unsigned long long)st->count, (unsigned long long)st->errors,
			(unsigned long long)st->bytes, (unsigned long long)st->total_ns,
			(unsigned long long)(st->count ? st->total_ns / st->count : 0),
			(unsigned long long)st->max_ns, (unsigned long long)st->blocked_count,
			(unsigned long long)st->blocked_ns, (unsigned long long)st->contention_count,
			(unsigned long long)st->contention_ns);
	}
}

int render_csv(FILE *out, const struct summary *s, bool hist)
{
	(void)hist; /* one row per syscall: no room for histograms */
	/* the column only with --by: files without a breakdown keep their shape */
	fputs(s->ngroups ? "group," : "", out);
	fputs("mechanism,syscall,op,count,errors,bytes,total_ns,avg_ns,max_ns,"
	      "blocked_count,blocked_ns,contention_count,contention_ns\r\n", out);
	csv_rows(out, s, s->ngroups ? "" : NULL);
	for (size_t i = 0; i < s->ngroups; i++)
		csv_rows(out, s->groups[i].detail, s->groups[i].key);
	return ferror(out) ? -1 : 0;
}
