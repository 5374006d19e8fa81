/* bpfscope php, pure logic: zval formatting, call formatting, the request
 * glob, entry/return pairing, call trees and their flame graph, version
 * parsing, and the built-in layout table checked against the php-dev
 * headers (scripts/php-layout.c compiled with offsetof) when they exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpf/php.h"
#include "core/flamegraph.h"
#include "tools/php_calls.h"
#include "tools/php_layout.h"
#include "layout_gen.h"

static const char *fmt(struct php_arg a)
{
	static char buf[256];

	php_arg_format(&a, buf, sizeof(buf));
	return buf;
}

static struct php_arg str_arg(const char *s, unsigned len)
{
	struct php_arg a = {.type = PHP_IS_STRING, .len = len};

	strncpy(a.str, s, sizeof(a.str));
	return a;
}

static void test_zval_format(void **state)
{
	double d = 2.25, whole = 3.0, neg = -0.5;
	struct php_arg a = {.type = PHP_IS_DOUBLE};

	(void)state;
	assert_string_equal(fmt((struct php_arg){.type = PHP_IS_NULL}), "null");
	assert_string_equal(fmt((struct php_arg){.type = PHP_IS_TRUE}), "true");
	assert_string_equal(fmt((struct php_arg){.type = PHP_IS_FALSE}), "false");
	assert_string_equal(fmt((struct php_arg){.type = PHP_IS_LONG, .value = (uint64_t)-42}),
			    "-42");
	memcpy(&a.value, &d, sizeof(d));
	assert_string_equal(fmt(a), "2.25");
	memcpy(&a.value, &whole, sizeof(d));
	assert_string_equal(fmt(a), "3.0");
	memcpy(&a.value, &neg, sizeof(d));
	assert_string_equal(fmt(a), "-0.5");
	assert_string_equal(fmt((struct php_arg){.type = PHP_IS_ARRAY, .len = 3}), "array(3)");
	a = (struct php_arg){.type = PHP_IS_OBJECT};
	strcpy(a.str, "Shop");
	assert_string_equal(fmt(a), "object(Shop)");
	assert_string_equal(fmt((struct php_arg){.type = 99}), "?type99");
}

static void test_string_format(void **state)
{
	(void)state;
	assert_string_equal(fmt(str_arg("abc", 3)), "\"abc\"");
	assert_string_equal(fmt(str_arg("", 0)), "\"\"");
	assert_string_equal(fmt(str_arg("a\"b\\c", 5)), "\"a\\\"b\\\\c\"");
	assert_string_equal(fmt(str_arg("a\nb", 3)), "\"a\\x0ab\"");
	/* the kernel kept 31 bytes of a 100-byte string */
	assert_string_equal(fmt(str_arg("0123456789012345678901234567890", 100)),
			    "\"0123456789012345678901234567890...\"");
	/* a string with a NUL inside: what was kept, marked as cut */
	assert_string_equal(fmt(str_arg("ab", 5)), "\"ab...\"");
}

static void test_call_format(void **state)
{
	struct php_call_event e = {.nargs = 2, .nargs_all = 2};
	char buf[256];

	(void)state;
	strcpy(e.func, "price");
	strcpy(e.cls, "Shop");
	e.args[0] = str_arg("x", 1);
	e.args[1] = (struct php_arg){.type = PHP_IS_LONG, .value = 3};
	php_call_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "Shop->price(\"x\", 3)");
	php_name_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "Shop->price");
	e.is_static = 1;
	php_name_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "Shop::price");
	e.cls[0] = 0;
	e.nargs_all = 9;
	php_call_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "price(\"x\", 3, ...)");
	e.nargs = 0;
	php_call_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "price(...)");
	php_call_format(&e, buf, 6); /* truncation stays terminated */
	assert_string_equal(buf, "price");
}

static int glob(const char *pat, const char *s)
{
	struct php_glob g = {0};

	snprintf(g.pat, sizeof(g.pat), "%s", pat);
	snprintf(g.s, sizeof(g.s), "%s", s);
	for (int i = 0; i < PHP_GLOB_STEPS; i++)
		if (php_glob_step(&g))
			return g.result;
	return -1; /* undecided: the kernel treats it as no match */
}

static void test_glob(void **state)
{
	static const struct {
		const char *pat, *s;
		int match;
	} cases[] = {
	    {"/slow*", "/slow.php?id=1", 1},
	    {"/slow*", "/fast.php", 0},
	    {"*slow*", "/a/slow/b", 1},
	    {"*.php", "/x/index.php", 1},
	    {"*.php", "/x/index.phps", 0},
	    {"/a?c", "/abc", 1},
	    {"/a?c", "/ac", 0},
	    {"GET", "GET", 1},
	    {"GET", "GETX", 0},
	    {"*", "", 1},
	    {"**a**", "bab", 1},
	    {"a*b*c", "a-b-b-c", 1},
	    {"a*b*c", "a-c-b", 0},
	};
	char s[PHP_URI_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (glob(cases[i].pat, cases[i].s) != cases[i].match)
			fail_msg("glob(\"%s\", \"%s\") != %d", cases[i].pat, cases[i].s,
				 cases[i].match);
	/* a full-length subject with a worst-case pattern still decides */
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	assert_int_equal(glob("*a*a*a*a*b", s), 0);
}

static void test_stack_pairing(void **state)
{
	struct php_stack *s = calloc(1, sizeof(*s));

	(void)state;
	assert_non_null(php_stack_push(s, 0x100, 1));
	assert_non_null(php_stack_push(s, 0x200, 2));
	assert_non_null(php_stack_push(s, 0x300, 3));
	assert_int_equal(php_stack_match(s, 0), 2); /* USDT: innermost */
	assert_int_equal(php_stack_match(s, 0x300), 2);
	assert_int_equal(php_stack_match(s, 0x100), 0);	 /* 0x200, 0x300 unwound */
	assert_int_equal(php_stack_match(s, 0x999), -1); /* began before tracing */
	/* recursion reuses no frame address while the callers are live, but a
	 * returned frame's address comes back: the nearest match wins */
	s->depth = 1;
	assert_non_null(php_stack_push(s, 0x100, 4));
	assert_int_equal(php_stack_match(s, 0x100), 1);
	while (s->depth < PHP_STACK_MAX)
		assert_non_null(php_stack_push(s, 0x1000 + s->depth, 6));
	assert_int_equal(s->f[PHP_STACK_MAX - 1].frame, 0x1000 + PHP_STACK_MAX - 1);
	assert_int_equal(s->f[1].frame, 0x100); /* kept across growth */
	assert_null(php_stack_push(s, 0x1, 5));
	assert_int_equal(s->lost, 1);
	php_stack_free(s);
	free(s);
}

static void test_tree(void **state)
{
	struct php_tree *t = php_tree__new();
	const char *main_a[] = {"main", "a"}, *main_b[] = {"main", "b"}, *m[] = {"main"};
	const char *aa[] = {"main", "a", "a"};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct flame *f = flame__new();
	char *folded = NULL;
	size_t flen = 0;
	FILE *fout = open_memstream(&folded, &flen);
	struct json_object *json;

	(void)state;
	assert_true(php_tree__empty(t));
	/* children finish first, as they do at run time */
	assert_int_equal(php_tree__add(t, aa, 3, 1000), 0);
	assert_int_equal(php_tree__add(t, main_a, 2, 3000), 0);
	assert_int_equal(php_tree__add(t, main_b, 2, 2000), 0);
	assert_int_equal(php_tree__add(t, main_a, 2, 1000), 0);
	assert_int_equal(php_tree__add(t, m, 1, 10000), 0);
	php_tree__print(t, out);
	fclose(out);
	assert_string_equal(buf, "    TOTAL_US      SELF_US   CALLS  FUNCTION\n"
				 "        10.0          4.0       1  main\n"
				 "         4.0          3.0       2    a\n"
				 "         1.0          1.0       1      a\n"
				 "         2.0          2.0       1    b\n");
	json = php_tree__json(t);
	assert_string_equal(
	    json_object_to_json_string_ext(json, JSON_C_TO_STRING_PLAIN),
	    "[{\"function\":\"main\",\"calls\":1,\"total_us\":10,\"self_us\":4,\"children\":["
	    "{\"function\":\"a\",\"calls\":2,\"total_us\":4,\"self_us\":3,\"children\":["
	    "{\"function\":\"a\",\"calls\":1,\"total_us\":1,\"self_us\":1,\"children\":[]}]},"
	    "{\"function\":\"b\",\"calls\":1,\"total_us\":2,\"self_us\":2,\"children\":[]}]}]");
	json_object_put(json);
	assert_int_equal(php_tree__flame(t, "req", f), 0);
	flame__write_folded(f, fout);
	fclose(fout);
	assert_string_equal(folded, "req;main 4\nreq;main;a 3\nreq;main;a;a 1\nreq;main;b 2\n");
	free(buf);
	free(folded);
	flame__free(f);
	php_tree__free(t);
}

static void test_version(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(php_parse_version("X-Powered-By: PHP/8.2.36", v, sizeof(v)), 0);
	assert_string_equal(v, "8.2.36");
	assert_int_equal(php_parse_version("X-Powered-By: PHP/8.3.0RC1", v, sizeof(v)), 0);
	assert_string_equal(v, "8.3.0");
	assert_int_equal(php_parse_version("X-Powered-By: PHP/", v, sizeof(v)), -EINVAL);
	assert_int_equal(php_parse_version("PHP 8.2", v, sizeof(v)), -EINVAL);
	assert_non_null(php_build_find("8.2.36", 20220829, "NTS"));
	assert_non_null(php_build_find("8.2.0", 20220829, "NTS"));
	assert_null(php_build_find("8.2.36", 20220829, "ZTS"));
	assert_null(php_build_find("8.3.1", 20230831, "NTS"));
	assert_null(php_build_find("8.20.1", 20220829, "NTS"));
	assert_null(php_build_find("8.2.36", 20210902, "NTS"));
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The generator's comma-separated list and the table's entries are the
 * same set (the table groups them by opcode, the generator by index). */
static void check_list(const char *out, const char *name, const unsigned *table, size_t n)
{
	char key[64];
	const char *p;
	unsigned gen[64], mine[64];
	size_t ngen = 0, nmine = 0;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(out, key);
	assert_non_null(p);
	p += strlen(key);
	while (ngen < 64 && *p >= '0' && *p <= '9') {
		char *end;

		gen[ngen++] = strtoul(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
	}
	for (size_t i = 0; i < n && table[i]; i++)
		mine[nmine++] = table[i];
	qsort(gen, ngen, sizeof(gen[0]), cmp_unsigned);
	qsort(mine, nmine, sizeof(mine[0]), cmp_unsigned);
	assert_int_equal(ngen, nmine);
	assert_memory_equal(gen, mine, ngen * sizeof(gen[0]));
}

static void test_layout_matches_headers(void **state)
{
	char out[4096];
	const struct php_build *b;
	const struct php_layout *l;

	(void)state;
	if (access("/usr/include/php/20220829/main/php.h", R_OK) ||
	    access("scripts/php-layout.c", R_OK))
		skip(); /* no php8.2-dev here, or not run from the source tree */
	layout_gen_run("php-layout", out, sizeof(out));
	b = php_build_find(strstr(out, "\nversion ") + 9, gen_value(out, "api"), "NTS");
	assert_non_null(b);
	l = &b->layout;
#define SAME(f) assert_int_equal(l->f, gen_value(out, #f))
	SAME(ex_call);
	SAME(ex_func);
	SAME(ex_num_args);
	SAME(ex_args);
	SAME(fn_type);
	SAME(fn_name);
	SAME(fn_scope);
	SAME(fn_num_args);
	SAME(op_filename);
	SAME(op_line_start);
	SAME(ce_name);
	SAME(str_len);
	SAME(str_val);
	SAME(zv_type);
	SAME(arr_count);
	SAME(ref_val);
	SAME(obj_ce);
	SAME(eg_current_ex);
	SAME(user_function);
	SAME(fn_flags);
	SAME(acc_static);
	SAME(ex_opline);
	SAME(op_lineno);
	SAME(internal_function);
#undef SAME
	assert_int_equal(b->handlers, gen_value(out, "handlers"));
	assert_int_equal(b->unwind_handler, gen_value(out, "unwind_handler"));
	check_list(out, "call_handlers", b->call_handlers, 12);
	check_list(out, "return_handlers", b->return_handlers, 24);
}

/* Debian's php8.2 (when installed): the handler table is found, and the
 * emulated-branch sites replace exactly the call and RETURN labels. */
static void test_binary_sites(void **state)
{
	struct php_binary pb, labels;

	(void)state;
	if (access("/usr/bin/php8.2", R_OK))
		skip();
	assert_int_equal(php_binary_open("/usr/bin/php8.2", NULL, &pb), 0);
	assert_int_equal(php_binary_open_opts("/usr/bin/php8.2", NULL, true, &labels), 0);
	assert_memory_equal(pb.version, "8.2.", 4);
	assert_int_equal(labels.nfast, 0);
	assert_int_equal(labels.ncallee, 0);
	assert_int_equal(labels.ncall, 9);    /* 12 handlers, OBSERVER variants share */
	assert_int_equal(labels.nreturn, 15); /* 24 handlers */
	if (pb.nfast == 0)
		skip(); /* another build of 8.2: labels only, by design */
	assert_int_equal(pb.nfast, 10);
	assert_int_equal(pb.ncallee, 6); /* DO_UCALL, DO_FCALL, DO_FCALL_BY_NAME */
	assert_int_equal(pb.ncall, 3);	 /* their OBSERVER labels */
	assert_int_equal(pb.nreturn, 15);
	assert_int_equal(pb.unwind_site, labels.unwind_site);
	for (int i = 0; i < pb.ncallee; i++) { /* within 64 bytes after some call label */
		bool near = false;

		for (int j = 0; j < labels.ncall; j++)
			near |= pb.callee_sites[i] > labels.call_sites[j] &&
				pb.callee_sites[i] < labels.call_sites[j] + 64;
		assert_true(near);
	}
}

/* php_icall_find on code built here: the DO_ICALL shape, a store of a
 * register that is not callee-saved, a call with no store before it, the
 * DO_FCALL shape (a je from the store to a direct call whose return jumps
 * to the shared return site), labels out of step, undecodable bytes. */
static void test_icall_sites(void **state)
{
	static const uint8_t code[] = {
	    /* 0: DO_ICALL */
	    0x4c, 0x89, 0xa3, 0xe8, 0x01, 0x00, 0x00, /* mov %r12,0x1e8(%rbx) */
	    0x48, 0x89, 0xc7,			      /* mov %rax,%rdi */
	    0xff, 0x50, 0x48,			      /* 10: call *0x48(%rax) */
	    0x4c, 0x89, 0xb3, 0xe8, 0x01, 0x00, 0x00, /* 13: mov %r14,0x1e8(%rbx) */
	    /* 20: the VM's own register stored: not a callee */
	    0x4c, 0x89, 0xb3, 0xe8, 0x01, 0x00, 0x00, /* mov %r14,0x1e8(%rbx) */
	    0xff, 0xd0,				      /* 27: call *%rax */
	    /* 29: DO_FCALL: store, test, je to the direct path */
	    0x48, 0x89, 0x98, 0xe8, 0x01, 0x00, 0x00, /* mov %rbx,0x1e8(%rax) */
	    0x48, 0x85, 0xc0,			      /* 36: test %rax,%rax */
	    0x74, 0x02,				      /* 39: je 43 */
	    0xff, 0xd0,				      /* 41: call *%rax */
	    0x90,				      /* 43: nop (the shared return site) */
	    0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* 44..53 */
	    0xff, 0x55, 0x48,						/* 54: call *0x48(%rbp) */
	    0xeb, 0xd2,							/* 57: jmp 43 */
	    0xc3,							/* 59: ret */
	};
	struct php_icall_site s[8];
	uint64_t labels[] = {0x1000, 0x1000 + 13, 0x5000};
	char why[160] = "";
	int n;

	(void)state;
	n = php_icall_find(code, sizeof(code), 0x1000, 0x1e8, labels, 3, s, 8, why, sizeof(why));
	assert_int_equal(n, 2);
	assert_int_equal(s[0].call, 0x1000 + 10);
	assert_int_equal(s[0].ret, 0x1000 + 13);
	assert_int_equal(s[0].reg, 12);
	assert_int_equal(s[1].call, 0x1000 + 41);
	assert_int_equal(s[1].ret, 0x1000 + 43);
	assert_int_equal(s[1].reg, 3);
	/* the call at 54 is 11 instructions past the jump: too far, not taken;
	 * with the nops gone it is found and returns through the jmp to 43 */
	uint8_t near[sizeof(code)];
	size_t m = 0;

	for (size_t i = 0; i < sizeof(code); i++)
		if (i < 44 || i > 53)
			near[m++] = code[i];
	near[m - 2] = (uint8_t)(43 - 49); /* the jmp (now at 47) to 43 again */
	n = php_icall_find(near, m, 0x1000, 0x1e8, NULL, 0, s, 8, why, sizeof(why));
	assert_int_equal(n, 3);
	assert_int_equal(s[2].call, 0x1000 + 44);
	assert_int_equal(s[2].ret, 0x1000 + 43);
	assert_int_equal(s[2].reg, 3);
	/* another EG offset: no store matches */
	assert_int_equal(
	    php_icall_find(code, sizeof(code), 0x1000, 0x1f0, NULL, 0, s, 8, why, sizeof(why)), 0);
	labels[1] = 0x1000 + 12; /* inside the call */
	assert_int_equal(
	    php_icall_find(code, sizeof(code), 0x1000, 0x1e8, labels, 3, s, 8, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "not an instruction start"));
}

/* Debian's php8.2: the internal-call sites of DO_ICALL, DO_FCALL and
 * DO_FCALL_BY_NAME (both retval variants) are found. */
static void test_binary_icalls(void **state)
{
	struct php_binary pb;
	int calls_r12 = 0, calls_rbx = 0;

	(void)state;
	if (access("/usr/bin/php8.2", R_OK))
		skip();
	assert_int_equal(php_binary_open("/usr/bin/php8.2", NULL, &pb), 0);
	if (pb.nfast == 0)
		skip(); /* another build of 8.2 */
	assert_int_equal(pb.nicall, 8);
	for (int i = 0; i < pb.nicall; i++) {
		assert_true(pb.icall[i].ret != pb.icall[i].call);
		assert_true(pb.icall[i].call >= pb.execute_ex);
		calls_r12 += pb.icall[i].reg == 12;
		calls_rbx += pb.icall[i].reg == 3;
	}
	assert_int_equal(calls_r12, 3); /* DO_ICALL x2, DO_FCALL_BY_NAME (used) */
	assert_int_equal(calls_rbx, 5); /* DO_FCALL_BY_NAME, DO_FCALL x2 paths x2 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zval_format),	  cmocka_unit_test(test_string_format),
	    cmocka_unit_test(test_call_format),	  cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_stack_pairing), cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_version),	  cmocka_unit_test(test_layout_matches_headers),
	    cmocka_unit_test(test_binary_sites),  cmocka_unit_test(test_icall_sites),
	    cmocka_unit_test(test_binary_icalls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
