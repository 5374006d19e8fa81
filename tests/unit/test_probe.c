/* Probe language: parsing (targets, C++ names, offsets, actions, errors with
 * columns) and compilation without types (operations, layouts, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "probe/ast.h"
#include "probe/compile.h"

static char err[1024];

static void test_targets(void **state)
{
	struct script *s = probe_parse("u:/bin/x:ns::Class::method\n"
				       "r:libc:malloc if retval == 0\n"
				       "usdt:./app:prov:name { print(arg0) }\n"
				       "usdt:./app:name\n"
				       "t:sched:sched_switch { count() by (comm) }\n"
				       "u:libfoo.so:0xfb70+4 # comment\n",
				       err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->nprobes, 6);
	assert_int_equal(s->probes[0]->kind, TARGET_UPROBE);
	assert_string_equal(s->probes[0]->function, "ns::Class::method");
	assert_int_equal(s->probes[1]->kind, TARGET_URETPROBE);
	assert_non_null(s->probes[1]->predicate);
	assert_string_equal(s->probes[2]->provider, "prov");
	assert_string_equal(s->probes[2]->function, "name");
	assert_null(s->probes[3]->provider);
	assert_int_equal(s->probes[4]->action, ACT_COUNT);
	assert_int_equal(s->probes[4]->nkeys, 1);
	assert_string_equal(s->probes[5]->function, "0xfb70");
	assert_int_equal(s->probes[5]->offset, 4);
	script_free(s);
}

static void test_expression_text_and_precedence(void **state)
{
	struct script *s = probe_parse("u:b:f { print(a->b.c[2], 1 + 2 * 3, (struct x *)arg0, str(p, n)) }",
				       err, sizeof(err));
	struct node *mul;

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->probes[0]->nexprs, 4);
	assert_string_equal(s->probes[0]->exprs[0]->text, "a->b.c[2]");
	assert_int_equal(s->probes[0]->exprs[1]->op, '+');
	mul = s->probes[0]->exprs[1]->b;
	assert_int_equal(mul->op, '*');
	assert_int_equal(s->probes[0]->exprs[2]->kind, N_CAST);
	assert_string_equal(s->probes[0]->exprs[2]->name, "struct x");
	assert_int_equal(s->probes[0]->exprs[2]->stars, 1);
	assert_int_equal(s->probes[0]->exprs[3]->nargs, 2);
	script_free(s);
}

static void expect_error(const char *text, const char *want)
{
	struct script *s = probe_parse(text, err, sizeof(err));

	assert_null(s);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("u:b:f { print(a }", "column 17: expected ')'");
	expect_error("x:b:f", "unknown probe kind 'x'");
	expect_error("u:b", "expected a probe like");
	expect_error("u:b:f { print(\"abc) }", "unterminated string");
	expect_error("u:b:f { count(x) }", "count() takes no argument");
	expect_error("u:b:f { print(a) by (b) }", "'by' groups aggregations");
	expect_error("u:b:f { lhist(a, 10, 5, 1) }", "min < max");
	expect_error("u:b:f { frob() }", "expected an action");
	expect_error("u:b:f+zz", "bad offset");
	expect_error("u:b:f\nu:c:g }", "probe 2");
	expect_error("   ", "no probe given");
}

static int compile_one(const char *text, struct compiled_probe *cp)
{
	struct script *s = probe_parse(text, err, sizeof(err));
	struct probe_target t;
	int ret;

	assert_non_null(s);
	t = (struct probe_target){ .kind = s->probes[0]->kind };
	ret = probe_compile(s->probes[0], &t, 64, cp, err, sizeof(err));
	script_free(s);
	return ret;
}

static void test_compile_layout(void **state)
{
	struct compiled_probe cp;

	(void)state;
	assert_int_equal(compile_one("u:b:f if arg0 > 3 { print(arg1, str(arg2), comm, arg3) }", &cp), 0);
	assert_int_equal(cp.cfg.ops[cp.cfg.nops - 1].code, POP_STORE);
	assert_int_equal(cp.nfields, 4);
	assert_int_equal(cp.fields[0].off, sizeof(struct probe_event));
	assert_int_equal(cp.fields[1].fmt, FMT_STR);
	assert_int_equal(cp.fields[1].size, 64);
	assert_int_equal(cp.fields[2].fmt, FMT_COMM);
	assert_int_equal(cp.fields[3].off % 8, 0); /* scalars aligned */
	assert_int_equal(cp.cfg.record_size, cp.fields[3].off + 8);
	/* the predicate comes first: FILTER before any store */
	for (unsigned i = 0; i < cp.cfg.nops; i++)
		if (cp.cfg.ops[i].code == POP_FILTER) {
			for (unsigned j = 0; j < i; j++)
				assert_int_not_equal(cp.cfg.ops[j].code, POP_STORE);
			break;
		}
}

static void test_compile_aggregation_and_errors(void **state)
{
	struct compiled_probe cp;

	(void)state;
	assert_int_equal(compile_one("r:b:f { hist(duration) by (str(arg0), retval) }", &cp), 0);
	assert_int_equal(cp.cfg.output, OUTPUT_HIST);
	assert_int_equal(cp.cfg.kind, PROBE_URETPROBE);
	assert_int_equal(cp.nkeys, 2);
	assert_true(cp.cfg.key_size <= PROBE_KEY);
	assert_int_equal(cp.cfg.ops[cp.cfg.nops - 1].code, POP_AGG_VALUE);
	assert_int_not_equal(compile_one("u:b:f { print(retval) }", &cp), 0);
	assert_non_null(strstr(err, "retval exists only in return probes"));
	assert_int_not_equal(compile_one("u:b:f { print(arg0->x) }", &cp), 0);
	assert_non_null(strstr(err, "no type information"));
	assert_int_not_equal(compile_one("u:b:f { print(nosuch) }", &cp), 0);
	assert_non_null(strstr(err, "unknown name 'nosuch'"));
	/* string keys share the 64-byte key: two strings get 32 bytes each */
	assert_int_equal(compile_one("u:b:f { count() by (str(arg0), str(arg1)) }", &cp), 0);
	assert_int_equal(cp.keys[0].size, 32);
	assert_int_equal(cp.keys[1].off, 32);
	assert_int_not_equal(compile_one("u:b:f { count() by (arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8) }", &cp), 0);
	if (!strstr(err, "too much data for one key"))
		fail_msg("%s", err);
	assert_int_not_equal(compile_one("r:b:f { print(arg7) }", &cp), 0);
	assert_non_null(strstr(err, "first 6 arguments"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_expression_text_and_precedence),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_compile_layout),
		cmocka_unit_test(test_compile_aggregation_and_errors),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
