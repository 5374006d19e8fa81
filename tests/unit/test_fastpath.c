/* Fast-path selection and reading (src/probe/fastpath.h): which probe
 * shapes take the specialised programs, the forcing environment variable,
 * and the interval difference of per-CPU totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "probe/compile.h"
#include "probe/fastpath.h"

/* Whether the single probe of text (compiled without type information)
 * takes the fast path; *why when not. */
static bool eligible(const char *text, bool spans, const char **why)
{
	static struct compiled_probe cp;
	char err[256];
	struct script *s = probe_parse(text, err, sizeof(err));
	struct probe_target target = {0};
	bool fast;

	assert_non_null(s);
	target.kind = s->probes[0]->kind;
	assert_int_equal(probe_compile(s->probes[0], &target, 64, &cp, err, sizeof(err)), 0);
	fast = probe_fast_eligible(s->probes[0], &cp.cfg, spans, why);
	script_free(s);
	return fast;
}

static void test_fast_shapes(void **state)
{
	static const char *const fast[] = {
	    "r:/bin/true:main { hist(duration) }",
	    "r:/bin/true:main { lhist(duration, 0, 1000, 10) }",
	    "r:/bin/true:main { sum(duration) }",
	    "r:/bin/true:main { count() }",
	    "u:/bin/true:main { count() }",
	    "r:/bin/true:main if retval == 0 { hist(duration) }",
	    "r:/bin/true:main if retval >= 100 { count() }",
	    "r:/bin/true:main if retval { sum(duration) }",
	    "r:/bin/true:main { hist(duration) by (retval) }",
	    "r:/bin/true:main { count() by (arg2) }",
	    "r:/bin/true:main if retval != 0 { hist(duration) by (arg0) }",
	    "r:/bin/true:main if retval { count() by (retval) }",
	};
	const char *why;

	(void)state;
	unsetenv("BPFSCOPE_PROBE_GENERIC");
	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++) {
		if (!eligible(fast[i], false, &why))
			fail_msg("%s: %s", fast[i], why);
		assert_null(why);
	}
}

static void test_generic_shapes(void **state)
{
	static const struct {
		const char *text, *why;
	} generic[] = {
	    {"u:/bin/true:main if arg0 == 0 { count() }", "it has a predicate"},
	    {"r:/bin/true:main if arg0 == 0 { count() }",
	     "its predicate is not 'retval OP constant'"},
	    {"r:/bin/true:main if retval == 0 && pid == 1 { count() }",
	     "its predicate is not 'retval OP constant'"},
	    {"r:/bin/true:main if 3 < retval { count() }",
	     "its predicate is not 'retval OP constant'"},
	    {"r:/bin/true:main if retval + 1 == 0 { count() }",
	     "its predicate is not 'retval OP constant'"},
	    {"r:/bin/true:main { hist(duration) by (arg0, arg1) }",
	     "its key is not one 'retval' or argument"},
	    {"r:/bin/true:main { hist(duration) by (comm) }",
	     "its key is not one 'retval' or argument"},
	    {"r:/bin/true:main { count() by (arg0 + 1) }",
	     "its key is not one 'retval' or argument"},
	    {"r:/bin/true:main { count() by (pid) }", "its key is not one 'retval' or argument"},
	    {"u:/bin/true:main { count() by (arg0) }", "its key is not one 'retval' or argument"},
	    {"r:/bin/true:main { hist(retval) }",
	     "its action is not count(), or hist/lhist/sum of duration"},
	    {"r:/bin/true:main { hist(duration * 2) }",
	     "its action is not count(), or hist/lhist/sum of duration"},
	    {"r:/bin/true:main { print(retval) }",
	     "its action is not count(), or hist/lhist/sum of duration"},
	    {"u:/bin/true:main { hist(arg0) }", "its action is not count()"},
	    {"u:/bin/true:main { print(arg0) }", "its action is not count()"},
	    {"t:sched:sched_switch { count() }", "only u: and r: probes have one"},
	    {"root r:/bin/true:main { count() }", "span probes carry the span hooks"},
	};
	const char *why;

	(void)state;
	unsetenv("BPFSCOPE_PROBE_GENERIC");
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
		assert_false(eligible(generic[i].text, false, &why));
		assert_string_equal(why, generic[i].why);
	}
	/* under a span command every probe keeps the span hooks */
	assert_false(eligible("r:/bin/true:main { count() }", true, &why));
}

static void test_forced_generic(void **state)
{
	const char *why;

	(void)state;
	setenv("BPFSCOPE_PROBE_GENERIC", "1", 1);
	assert_false(eligible("r:/bin/true:main { hist(duration) }", false, &why));
	assert_string_equal(why, "BPFSCOPE_PROBE_GENERIC is set");
	setenv("BPFSCOPE_PROBE_GENERIC", "0", 1); /* "0" and "" do not force */
	assert_true(eligible("r:/bin/true:main { hist(duration) }", false, &why));
	setenv("BPFSCOPE_PROBE_GENERIC", "", 1);
	assert_true(eligible("r:/bin/true:main { hist(duration) }", false, &why));
	unsetenv("BPFSCOPE_PROBE_GENERIC");
}

/* Two CPUs; the second read reports only what came after the first. */
static void test_delta(void **state)
{
	struct probe_agg_value percpu[2], base, delta;

	(void)state;
	memset(percpu, 0, sizeof(percpu));
	memset(&base, 0, sizeof(base));
	percpu[0].count = 3, percpu[0].sum = 30, percpu[0].slots[4] = 3;
	percpu[1].count = 2, percpu[1].sum = 50, percpu[1].slots[5] = 2;
	assert_true(probe_fast_delta(percpu, 2, &base, false, &delta));
	assert_int_equal(delta.count, 5);
	assert_int_equal(delta.sum, 80);
	assert_int_equal(delta.slots[4], 3);
	assert_int_equal(delta.slots[5], 2);
	assert_int_equal(base.count, 0); /* a snapshot leaves the base */
	assert_true(probe_fast_delta(percpu, 2, &base, true, &delta));
	assert_int_equal(base.count, 5);
	assert_false(probe_fast_delta(percpu, 2, &base, true, &delta)); /* nothing new */
	percpu[1].count++, percpu[1].sum += 7, percpu[1].slots[3]++;
	assert_true(probe_fast_delta(percpu, 2, &base, true, &delta));
	assert_int_equal(delta.count, 1);
	assert_int_equal(delta.sum, 7);
	assert_int_equal(delta.slots[3], 1);
	assert_int_equal(delta.slots[4], 0);
	assert_int_equal(delta.slots[5], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fast_shapes),
	    cmocka_unit_test(test_generic_shapes),
	    cmocka_unit_test(test_forced_generic),
	    cmocka_unit_test(test_delta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
