/* toptable: one report sorts the rows, keeps the first N, and frames them
 * as text (time line + header, or header + blank line when rows carry their
 * own time) or as bare JSON lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/output.h"
#include "core/toptable.h"

struct row {
	uint32_t id;
	uint64_t bytes;
};

static const struct out_col cols[] = {{"id", "ID", 4}, {"bytes", "BYTES", 0}};

static int most_bytes_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void print(const struct toptable_ctx *c, const void *row)
{
	const struct row *r = row;

	out__row_begin(c->out);
	out__u64(c->out, r->id);
	out__u64(c->out, r->bytes);
	out__row_end(c->out);
}

/* One report of rows[n] into buf. */
static void report(enum out_format format, int top, bool time_column, struct row *rows, int n,
		   char *buf, size_t len)
{
	const struct toptable t = {.row_size = sizeof(struct row),
				   .cmp = most_bytes_first,
				   .print = print,
				   .top = top,
				   .time_column = time_column};
	FILE *f = fmemopen(buf, len - 1, "w");
	struct toptable_ctx c = {out__new(f, format, cols, 2), NULL, NULL, 0, f};

	memset(buf, 0, len);
	toptable_print_rows(&t, &c, rows, n);
	out__free(c.out);
	fclose(f);
}

static void test_json_sorted_and_cut(void **state)
{
	struct row rows[] = {{1, 10}, {2, 300}, {3, 20}, {4, 4000}};
	char buf[512];

	(void)state;
	report(OUT_JSON, 2, false, rows, 4, buf, sizeof(buf));
	assert_string_equal(buf, "{\"id\":4,\"bytes\":4000}\n{\"id\":2,\"bytes\":300}\n");
}

static void test_text_time_column(void **state)
{
	struct row rows[] = {{7, 5}, {8, 50}};
	char buf[512];

	(void)state;
	report(OUT_TEXT, 0, true, rows, 2, buf, sizeof(buf));
	assert_string_equal(buf, "  ID BYTES\n   8 50\n   7 5\n\n");
}

static void test_text_time_line(void **state)
{
	struct row rows[] = {{9, 1}};
	char buf[512];
	const char *header;

	(void)state;
	report(OUT_TEXT, 0, false, rows, 1, buf, sizeof(buf));
	assert_int_equal(buf[0], '\n'); /* a blank line, then HH:MM:SS.us */
	assert_int_equal(buf[3], ':');
	header = strchr(buf + 1, '\n');
	assert_non_null(header);
	assert_string_equal(header, "\n  ID BYTES\n   9 1\n");
}

static void test_empty_report(void **state)
{
	char buf[512];

	(void)state;
	report(OUT_JSON, 0, false, NULL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_sorted_and_cut),
	    cmocka_unit_test(test_text_time_column),
	    cmocka_unit_test(test_text_time_line),
	    cmocka_unit_test(test_empty_report),
	};

	return cmocka_run_group_tests_name("toptable", tests, NULL, NULL);
}
