// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The mechanism table (user/mechanisms.c) against every other list of
 * mechanisms: the BPF enum in bpf/ipctrace.h, the JSON schemas and the e2e
 * oracle.  A mechanism added to one and not the others fails here.
 * Run from the repository's top directory (make test-unit does). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mechanisms.h"

#define NAMES_MAX 64

struct names {
	char *name[NAMES_MAX];
	size_t n;
};

static void add_name(struct names *l, const char *name, size_t len)
{
	assert_true(l->n < NAMES_MAX);
	l->name[l->n++] = strndup(name, len);
}

static void free_names(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->name[i]);
	l->n = 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (!f)
		fail_msg("%s: cannot read it (run from the repository's top directory)", path);
	assert_int_equal(getdelim(&text, &len, '\0', f) > 0, 1);
	fclose(f);
	return text;
}

static void assert_same(const struct names *got, const struct names *want, const char *what)
{
	for (size_t i = 0; i < got->n || i < want->n; i++) {
		const char *g = i < got->n ? got->name[i] : "(none)";
		const char *w = i < want->n ? want->name[i] : "(none)";

		if (strcmp(g, w))
			fail_msg("%s: mechanism %zu is '%s', the table (user/mechanisms.c) says '%s'",
				 what, i, g, w);
	}
}

/* the table's names, in its order: all of them, or only the IPC ones */
static void table_names(struct names *l, bool ipc_only)
{
	for (int m = 0; m < MECH__COUNT; m++)
		if (!ipc_only || mechanism_table[m].ipc)
			add_name(l, mechanism_table[m].name, strlen(mechanism_table[m].name));
}

static void test_every_enum_value_has_a_complete_row(void **state)
{
	(void)state;
	for (int m = 0; m < MECH__COUNT; m++) {
		assert_non_null(mechanism_table[m].name);
		assert_non_null(mechanism_table[m].label);
		assert_non_null(mechanism_table[m].color);
		assert_int_equal(mechanism_from_name(mechanism_table[m].name), m);
		for (int other = 0; other < m; other++)
			assert_string_not_equal(mechanism_table[other].color, mechanism_table[m].color);
	}
	assert_false(mechanism_table[MECH_NONE].ipc);
	assert_false(mechanism_table[MECH_OTHER].ipc);
	assert_false(mechanism_table[MECH_TIMER].ipc);
}

/* MECH_PIPE ... in enum mechanism, lower-cased, are the table's names */
static void test_bpf_enum_matches_the_table(void **state)
{
	char *header = slurp("bpf/ipctrace.h"), *p, *end;
	struct names from_enum = {}, table = {};

	(void)state;
	p = strstr(header, "enum mechanism {");
	assert_non_null(p);
	end = strchr(p, '}');
	while ((p = strstr(p, "MECH_")) && p < end) {
		size_t len = strspn(p + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (strncmp(p + 5, "_COUNT", 6)) {
			add_name(&from_enum, p + 5, len);
			for (char *c = from_enum.name[from_enum.n - 1]; *c; c++)
				*c = tolower(*c);
		}
		p = strchr(p, '\n');
	}
	table_names(&table, false);
	assert_same(&from_enum, &table, "bpf/ipctrace.h enum mechanism");
	free_names(&from_enum);
	free_names(&table);
	free(header);
}

static void json_names(struct names *l, json_t *array)
{
	size_t i;
	json_t *v;

	assert_true(json_is_array(array));
	json_array_foreach(array, i, v)
		add_name(l, json_string_value(v), strlen(json_string_value(v)));
}

static void test_schemas_match_the_table(void **state)
{
	json_t *summary = json_load_file("schema/ipctrace.summary-1.json", 0, NULL);
	json_t *compare = json_load_file("schema/ipctrace.compare-1.json", 0, NULL);
	json_t *known, *compared;
	struct names got = {}, want = {};

	(void)state;
	assert_non_null(summary);
	assert_non_null(compare);
	/* the summary knows every mechanism but none (and accepts later ones);
	 * compare the IPC ones */
	known = json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
		summary, "$defs"), "mechanism_name"), "anyOf"), 0), "enum");
	json_names(&got, known);
	table_names(&want, false);
	free(want.name[0]); /* "none" is never written */
	memmove(want.name, want.name + 1, --want.n * sizeof(want.name[0]));
	assert_same(&got, &want, "schema/ipctrace.summary-1.json $defs.mechanism_name");
	free_names(&got);
	free_names(&want);
	compared = json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(compare, "properties"), "table"), "items"), "properties"), "mechanism");
	json_names(&got, json_object_get(json_array_get(json_object_get(compared, "oneOf"), 0),
					 "enum"));
	table_names(&want, true);
	assert_same(&got, &want, "schema/ipctrace.compare-1.json table[].mechanism");
	free_names(&got);
	free_names(&want);
	json_decref(summary);
	json_decref(compare);
}

/* MECHANISMS = ("pipe", "fifo", ...) in tests/e2e/oracle.py */
static void test_oracle_matches_the_table(void **state)
{
	char *oracle = slurp("tests/e2e/oracle.py"), *p, *end;
	struct names got = {}, want = {};

	(void)state;
	p = strstr(oracle, "\nMECHANISMS = (");
	assert_non_null(p);
	end = strchr(p, ')');
	while ((p = strchr(p, '"')) && p < end) {
		char *close = strchr(p + 1, '"');

		add_name(&got, p + 1, close - p - 1);
		p = close + 1;
	}
	table_names(&want, true);
	assert_same(&got, &want, "tests/e2e/oracle.py MECHANISMS");
	free_names(&got);
	free_names(&want);
	free(oracle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_enum_value_has_a_complete_row),
		cmocka_unit_test(test_bpf_enum_matches_the_table),
		cmocka_unit_test(test_schemas_match_the_table),
		cmocka_unit_test(test_oracle_matches_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
