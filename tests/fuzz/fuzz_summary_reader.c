// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness of the summary reader: `ipctrace report FILE` and
 * `compare FILE...` read any file a user hands them.  The input goes to
 * summary_read_json_buffer(); what it accepts is rendered in every format,
 * and its JSON must read back: an accepted summary is one ipctrace can
 * write.  Crashes, leaks and undefined behaviour fail (ASan, UBSan).
 *
 * make fuzz FUZZ_SECONDS=60 runs it on tests/fuzz/corpus/summary_reader/.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "formats.h"
#include "summary_json.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct summary s, again;
	char err[512], *json = NULL;
	size_t json_len = 0;
	FILE *memory;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (summary_read_json_buffer((const char *)data, size, "input", &s, err, sizeof(err)))
		return 0;
	for (size_t i = 0; i < output_format_count; i++)
		output_formats[i].render(devnull, &s, true);

	memory = open_memstream(&json, &json_len);
	if (!memory || format_by_name("json")->render(memory, &s, false))
		abort();
	fclose(memory);
	if (summary_read_json_buffer(json, json_len, "rendered", &again, err, sizeof(err))) {
		fprintf(stderr, "an accepted summary rendered as JSON does not read back: %s\n", err);
		abort();
	}
	summary_free(&again);
	free(json);
	summary_free(&s);
	return 0;
}
