/* Trigger clauses (src/probe/trigger.h): parsing, defaults, errors with
 * columns, and "trigger" lines taken out of a probe script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "probe/trigger.h"

static void test_full_clause(void **state)
{
	struct trigger_clause c;
	char err[256];

	(void)state;
	assert_int_equal(trigger_parse("trigger rate(p2, 250ms) > 6000 -> capture(p1, 10) "
				       "rearm < 5000 limit 3",
				       3, &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.cfg.source, 2);
	assert_int_equal(c.cfg.target, 1);
	assert_int_equal(c.cfg.window_ns, 250000000);
	assert_int_equal(c.cfg.high, 6000);
	assert_int_equal(c.cfg.low, 5000);
	assert_int_equal(c.cfg.captures, 10);
	assert_int_equal(c.cfg.max_fires, 3);
	assert_int_equal(c.cfg.state, TRIG_ARMED);
}

static void test_defaults(void **state)
{
	struct trigger_clause c;
	char err[256];

	(void)state;
	assert_int_equal(trigger_parse("rate(p0)>100->capture(p0,1)", 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.cfg.window_ns, 100000000);
	assert_int_equal(c.cfg.low, 100); /* no hysteresis unless asked */
	assert_int_equal(c.cfg.max_fires, 0);
	assert_int_equal(
	    trigger_parse("rate(p0, 2s) > 1 -> capture(p0, 1)", 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.cfg.window_ns, 2000000000ULL);
}

static void expect_error(const char *text, int nprobes, const char *want)
{
	struct trigger_clause c;
	char err[256] = "";

	if (trigger_parse(text, nprobes, &c, err, sizeof(err)) != -1 || !strstr(err, want))
		fail_msg("'%s': got '%s', want '%s'", text, err, want);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("rate(p3) > 10 -> capture(p0, 1)", 2, "column 6: expected a probe p0..p1");
	expect_error("rate(x) > 10 -> capture(p0, 1)", 2, "column 6: expected a probe");
	expect_error("rate(p0) < 10 -> capture(p0, 1)", 1, "column 10: expected '>'");
	expect_error("rate(p0) > 10 capture(p0, 1)", 1, "column 15: expected '->'");
	expect_error("rate(p0, 5) > 10 -> capture(p0, 1)", 1, "a unit after the window");
	expect_error("rate(p0, 100us) > 10 -> capture(p0, 1)", 1, "a window from 1ms to 60s");
	expect_error("rate(p0) > 10 -> capture(p0, 0)", 1, "a capture count from 1");
	expect_error("rate(p0) > 10 -> capture(p0, 1) rearm < 11", 1, "at most the firing rate");
	expect_error("rate(p0) > 10 -> capture(p0, 1) again", 1, "expected the end");
	expect_error("ratex(p0) > 10 -> capture(p0, 1)", 1, "column 1: expected 'rate'");
}

static void test_extract_lines(void **state)
{
	char script[] = "u:a:f { count() }\n  trigger rate(p0) > 1 -> capture(p1, 2)\n"
			"u:a:g\ntriggered_not_a_clause\n";
	char *lines[2];
	int n = 0;

	(void)state;
	assert_int_equal(trigger_extract_lines(script, lines, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(lines[0], "trigger rate(p0) > 1 -> capture(p1, 2)");
	assert_null(strstr(script, "trigger rate"));
	assert_non_null(strstr(script, "u:a:g\ntriggered_not_a_clause"));
	free(lines[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_clause),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_extract_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
