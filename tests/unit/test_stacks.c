/* Stack naming helpers and the stack report: merging of stacks that
 * symbolize alike, ordering, folded and JSON output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stackreport.h"
#include "core/stacks.h"

static void test_module_frame(void **state)
{
	char buf[64];

	(void)state;
	stacks_module_frame(buf, sizeof(buf), "/usr/lib/x86_64-linux-gnu/libfoo.so.1");
	assert_string_equal(buf, "[libfoo.so.1]");
	stacks_module_frame(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "[unknown]");
}

static void test_path_append(void **state)
{
	char *path = NULL;
	size_t len = 0, cap = 0;

	(void)state;
	assert_int_equal(stacks_path_append(&path, &len, &cap, "main", ""), 0);
	assert_int_equal(stacks_path_append(&path, &len, &cap, "a;b\nc", ""), 0);
	assert_int_equal(stacks_path_append(&path, &len, &cap, "vfs_read", "_[k]"), 0);
	assert_string_equal(path, "main;a:b c;vfs_read_[k]");
	assert_int_equal(len, strlen(path));
	free(path);
}

static char *print(struct stack_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(stack_report__print(r, out), 0);
	fclose(out);
	return buf;
}

static struct stack_report *sample_report(enum out_format format)
{
	struct stack_report_opts o = {"bytes", "allocations", "t", format};
	struct stack_report *r = stack_report__new(&o);

	/* two stack ids that symbolize alike merge; other pids stay apart */
	stack_report__add_folded(r, 10, "app", "main;leak", 100, 1);
	stack_report__add_folded(r, 10, "app", "main;leak", 50, 2);
	stack_report__add_folded(r, 11, "app", "main;leak", 7, 1);
	stack_report__add_folded(r, 10, "a;p", "main;other", 500, 1);
	return r;
}

static void test_merge_and_order(void **state)
{
	struct stack_report *r = sample_report(OUT_TEXT);
	char *text;

	(void)state;
	assert_int_equal(stack_report__len(r), 3);
	assert_int_equal(stack_report__total(r), 657);
	text = print(r);
	/* heaviest first, leaf first, label sanitized for folded use */
	assert_string_equal(text, "    other\n    main\n    -                a:p (10)\n"
				  "        500 bytes in 1 allocations\n\n"
				  "    leak\n    main\n    -                app (10)\n"
				  "        150 bytes in 3 allocations\n\n"
				  "    leak\n    main\n    -                app (11)\n"
				  "        7 bytes in 1 allocations\n\n");
	free(text);
	stack_report__free(r);
}

static void test_folded_merges_pids(void **state)
{
	struct stack_report *r = sample_report(OUT_TEXT);
	char *text;

	(void)state;
	stack_cli.folded = true;
	text = print(r);
	stack_cli.folded = false;
	assert_string_equal(text, "a:p;main;other 500\napp;main;leak 157\n");
	free(text);
	stack_report__free(r);
}

static void test_json_and_top(void **state)
{
	struct stack_report *r = sample_report(OUT_JSON);
	char *text;

	(void)state;
	stack_cli.top = 1;
	text = print(r);
	stack_cli.top = 0;
	assert_string_equal(text, "{\"pid\":10,\"comm\":\"a:p\",\"value\":500,\"unit\":\"bytes\","
				  "\"allocations\":1,\"frames\":[\"other\",\"main\"]}\n");
	free(text);
	stack_report__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_module_frame),    cmocka_unit_test(test_path_append),
	    cmocka_unit_test(test_merge_and_order), cmocka_unit_test(test_folded_merges_pids),
	    cmocka_unit_test(test_json_and_top),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
