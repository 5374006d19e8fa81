/* Option parsing: values, ranges, common options, errors, generated help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/options.h"

static bool flag;
static int count;
static double ratio;
static const char *name;

static const struct opt_def defs[] = {
	{ "flag", 'f', OPT_FLAG, &flag, NULL, "a flag" },
	{ "count", 'n', OPT_INT, &count, "N", "a count", 1, 100 },
	{ "ratio", 0, OPT_DOUBLE, &ratio, "R", "a ratio", 0.5, 2 },
	{ "name", 0, OPT_STRING, &name, "NAME", "a name" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "demo",
	.summary = "a command for tests",
	.args = "[FILE]",
	.opts = defs,
	.common = COMMON_DURATION | COMMON_OUTPUT | COMMON_PID,
	.max_args = 1,
};

static int reset(void **state)
{
	(void)state;
	flag = false;
	count = 0;
	ratio = 0;
	name = NULL;
	return 0;
}

static int parse(struct common_opts *c, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	memset(c, 0, sizeof(*c));
	return opts_parse(&spec, argc, argv, c);
}

static void test_values(void **state)
{
	struct common_opts c;

	(void)state;
	assert_int_equal(parse(&c, 8, "demo", "-f", "-n", "42", "--ratio=1.5", "--name", "x", "file"),
			 7);
	assert_true(flag);
	assert_int_equal(count, 42);
	assert_true(ratio == 1.5);
	assert_string_equal(name, "x");
}

static void test_common(void **state)
{
	struct common_opts c;
	char pid[16];

	(void)state;
	snprintf(pid, sizeof(pid), "%d", getpid());
	assert_int_equal(parse(&c, 7, "demo", "-d", "2.5", "-o", "json", "-p", pid), 7);
	assert_true(c.duration == 2.5);
	assert_int_equal(c.format, OUT_JSON);
	assert_int_equal(c.pid, getpid());
}

static void test_clustered_short_flags(void **state)
{
	struct common_opts c;

	(void)state;
	assert_int_equal(parse(&c, 3, "demo", "-fn7", "f"), 2);
	assert_true(flag);
	assert_int_equal(count, 7);
}

static void test_errors(void **state)
{
	struct common_opts c;

	(void)state;
	assert_int_equal(parse(&c, 3, "demo", "-n", "abc"), -1);
	assert_int_equal(parse(&c, 3, "demo", "-n", "1000"), -1);  /* out of range */
	assert_int_equal(parse(&c, 3, "demo", "-n", "12x"), -1);   /* trailing junk */
	assert_int_equal(parse(&c, 2, "demo", "--bogus"), -1);
	assert_int_equal(parse(&c, 2, "demo", "-n"), -1);          /* missing value */
	assert_int_equal(parse(&c, 3, "demo", "-o", "xml"), -1);
	assert_int_equal(parse(&c, 3, "demo", "-p", "999999999"), -1);
	assert_int_equal(parse(&c, 3, "demo", "a", "b"), -1);      /* too many args */
	assert_int_equal(parse(&c, 3, "demo", "--name", ""), -1);
	assert_int_equal(parse(&c, 3, "demo", "-i", "1"), -1);     /* not enabled here */
}

static void test_help_generated(void **state)
{
	char buf[4096] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	opts_print_help(f, &spec);
	fclose(f);
	assert_non_null(strstr(buf, "Usage: bpfscope demo [OPTIONS] [FILE]"));
	assert_non_null(strstr(buf, "-n, --count N"));
	assert_non_null(strstr(buf, "--ratio R"));
	assert_non_null(strstr(buf, "-d, --duration SECONDS"));
	assert_non_null(strstr(buf, "-p, --pid PID"));
	assert_null(strstr(buf, "--cgroup")); /* not enabled for this command */
	assert_null(strstr(buf, "--interval"));
}

static void test_strict_numbers(void **state)
{
	long long v;
	double d;

	(void)state;
	assert_int_equal(parse_int("0x10", 0, 0, &v), 0);
	assert_int_equal(v, 16);
	assert_int_not_equal(parse_int("", 0, 0, &v), 0);
	assert_int_not_equal(parse_double("nan", 0, 0, &d), 0);
	assert_int_not_equal(parse_double("1e999", 0, 0, &d), 0);
	assert_int_equal(parse_double("-0.25", -1, 1, &d), 0);
	assert_true(d == -0.25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_values, reset),
		cmocka_unit_test_setup(test_common, reset),
		cmocka_unit_test_setup(test_clustered_short_flags, reset),
		cmocka_unit_test_setup(test_errors, reset),
		cmocka_unit_test(test_help_generated),
		cmocka_unit_test(test_strict_numbers),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
