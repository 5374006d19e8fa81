/* Output: the same rows as aligned text and as JSON lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/output.h"

static const struct out_col cols[] = {
	{ "pid", "PID", 6 },
	{ "comm", "COMM", -8 },
	{ "argv", "ARGS", 0 },
};

static void emit(struct out *o)
{
	const char *argv[] = { "/bin/echo", "a \"quoted\" arg", "tab\there" };

	out__header(o);
	out__row_begin(o);
	out__u64(o, 42);
	out__str(o, "echo");
	out__strv(o, argv, 3);
	out__row_end(o);
}

static void test_text(void **state)
{
	char buf[1024] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct out *o = out__new(f, OUT_TEXT, cols, 3);

	(void)state;
	emit(o);
	out__free(o);
	fclose(f);
	assert_string_equal(buf, "   PID COMM     ARGS\n"
				 "    42 echo     /bin/echo a \"quoted\" arg tab\there\n");
}

static void test_json(void **state)
{
	char buf[1024] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct out *o = out__new(f, OUT_JSON, cols, 3);
	struct json_object *obj, *v;

	(void)state;
	emit(o);
	out__free(o);
	fclose(f);
	assert_non_null(strchr(buf, '\n'));
	assert_null(strchr(strchr(buf, '\n') + 1, '\n')); /* exactly one line, no header */
	obj = json_tokener_parse(buf);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "pid", &v));
	assert_int_equal(json_object_get_int64(v), 42);
	assert_true(json_object_object_get_ex(obj, "argv", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "a \"quoted\" arg");
	json_object_put(obj);
}

static void test_time_formats(void **state)
{
	char buf[64];

	(void)state;
	clock_format_iso(1764106801123456789ull, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-25T21:40:01.123456789Z");
	/* monotonic -> wall: now in both clocks must agree within 10 ms */
	uint64_t wall = clock_mono_to_wall(clock_mono_ns());
	int64_t diff = (int64_t)(wall - clock_wall_ns());
	assert_true(diff < 10000000 && diff > -10000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_time_formats),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
