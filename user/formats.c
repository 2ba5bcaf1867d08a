// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The output registry (see formats.h). */
#include <string.h>
#include "formats.h"
#include "render.h"

const struct output_format output_formats[] = {
	{ "text", { ".txt" }, render_text, compare_render_text },
	{ "json", { ".json" }, render_json, compare_render_json },
	{ "csv", { ".csv" }, render_csv, compare_render_csv },
	{ "html", { ".html" }, render_html, NULL },
};
const size_t output_format_count = sizeof(output_formats) / sizeof(output_formats[0]);

const struct output_format *format_by_name(const char *name)
{
	for (size_t i = 0; i < output_format_count; i++)
		if (!strcmp(output_formats[i].name, name))
			return &output_formats[i];
	return NULL;
}

const struct output_format *format_for_path(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < output_format_count; i++)
		for (size_t e = 0; e < FORMAT_EXTENSIONS_MAX && output_formats[i].extensions[e]; e++)
			if (!strcmp(output_formats[i].extensions[e], dot))
				return &output_formats[i];
	return NULL;
}

void format_names(char *buf, size_t len, bool compare)
{
	size_t n = 0, shown = 0, used = 0;

	for (size_t i = 0; i < output_format_count; i++)
		n += !compare || output_formats[i].render_compare;
	buf[0] = '\0';
	for (size_t i = 0; i < output_format_count && used < len; i++) {
		if (compare && !output_formats[i].render_compare)
			continue;
		shown++;
		used += snprintf(buf + used, len - used, "%s%s",
				 shown == 1 ? "" : shown == n ? " or " : ", ", output_formats[i].name);
	}
}
