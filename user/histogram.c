// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "histogram.h"

#define BAR_WIDTH 40

static void print_bar(FILE *out, __u64 value, __u64 max)
{
	int filled = max ? (int)(value * BAR_WIDTH / max) : 0;

	fputc('|', out);
	for (int i = 0; i < BAR_WIDTH; i++)
		fputc(i < filled ? '*' : ' ', out);
	fputc('|', out);
}

bool hist_range(const __u64 *slots, int nslots, int *first, int *last, __u64 *max)
{
	*first = *last = -1;
	*max = 0;
	for (int i = 0; i < nslots; i++) {
		if (!slots[i])
			continue;
		if (*first < 0)
			*first = i;
		*last = i;
		if (slots[i] > *max)
			*max = slots[i];
	}
	return *last >= 0;
}

void print_log2_hist(FILE *out, const __u64 *slots, int nslots, const char *unit)
{
	int first, last;
	__u64 max;

	if (!hist_range(slots, nslots, &first, &last, &max))
		return;
	fprintf(out, "%24s : %-10s distribution\n", unit, "count");
	for (int i = first; i <= last; i++) {
		unsigned long long low = i ? 1ULL << (i - 1) : 0;
		unsigned long long high = i ? (1ULL << i) - 1 : 0;

		if (i == nslots - 1)
			fprintf(out, "%10llu -> %-10s : %-10llu ", low, "inf", (unsigned long long)slots[i]);
		else
			fprintf(out, "%10llu -> %-10llu : %-10llu ", low, high,
				(unsigned long long)slots[i]);
		print_bar(out, slots[i], max);
		fputc('\n', out);
	}
}
