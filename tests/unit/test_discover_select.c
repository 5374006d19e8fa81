/* discover's choice of functions (src/tools/discover_select.h): what is
 * skipped and why, aliases, the limit, and which returns are probed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "tools/discover_select.h"

static struct disc_func fn(const char *name, uint64_t vaddr, uint64_t size, const char *insn)
{
	struct disc_func f = {name, name, vaddr, size, vaddr};
	/* push %rbp, or the given bytes' classification */
	static const uint8_t push[] = {0x55}, vzeroupper[] = {0xc5, 0xf8, 0x77}, int3[] = {0xcc},
			     vex_bad[] = {0xc4};

	if (!insn || !strcmp(insn, "push"))
		uprobe_site_classify(push, sizeof(push), &f.site);
	else if (!strcmp(insn, "vzeroupper"))
		uprobe_site_classify(vzeroupper, sizeof(vzeroupper), &f.site);
	else if (!strcmp(insn, "int3"))
		uprobe_site_classify(int3, sizeof(int3), &f.site);
	else
		uprobe_site_classify(vex_bad, sizeof(vex_bad), &f.site);
	return f;
}

static const struct disc_func *named(const struct disc_func *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].raw, name))
			return &f[i];
	fail_msg("no %s", name);
	return NULL;
}

static void test_skips(void **state)
{
	struct disc_func f[] = {
	    fn("b_alias", 0x1000, 16, NULL), fn("a_first", 0x1000, 16, NULL),
	    fn("nosize", 0x1100, 0, NULL),   fn("avx", 0x1200, 16, "vzeroupper"),
	    fn("trap", 0x1300, 16, "int3"),  fn("garbage", 0x1400, 16, "bad"),
	    fn("root", 0x1500, 16, NULL),    fn("outside", 0x1600, 16, NULL),
	    fn("fine", 0x1700, 16, NULL),
	};
	size_t n = sizeof(f) / sizeof(f[0]);

	(void)state;
	f[7].offset = UINT64_MAX;
	assert_int_equal(disc_select(f, n, 100, false, 0x1500), 2);
	assert_null(named(f, n, "a_first")->skip); /* sorted by address, then name */
	assert_string_equal(named(f, n, "b_alias")->skip, "alias of another symbol");
	assert_string_equal(named(f, n, "nosize")->skip, "no size (not a function body)");
	assert_string_equal(named(f, n, "avx")->skip,
			    "first instruction mis-emulated by the kernel");
	assert_string_equal(named(f, n, "trap")->skip,
			    "first instruction refused by the kernel's uprobe code");
	assert_string_equal(named(f, n, "garbage")->skip, "first instruction not decoded");
	assert_string_equal(named(f, n, "root")->skip, "the --within root itself");
	assert_string_equal(named(f, n, "outside")->skip, "outside the executable segments");
	assert_null(named(f, n, "fine")->skip);
	assert_false(named(f, n, "fine")->timed); /* no --time: entries only */
}

static void test_public_alias_kept(void **state)
{
	struct disc_func f[] = {fn("__GI___nanosleep", 0x1000, 16, NULL),
				fn("__nanosleep", 0x1000, 16, NULL),
				fn("nanosleep", 0x1000, 16, NULL)};

	(void)state;
	assert_int_equal(disc_select(f, 3, 100, false, 0), 1);
	assert_null(named(f, 3, "nanosleep")->skip);
	assert_non_null(named(f, 3, "__nanosleep")->skip);
}

static void test_alias_of_skipped(void **state)
{
	/* the first symbol at an address has no size: its sized alias is kept */
	struct disc_func f[] = {fn("a_nosize", 0x1000, 0, NULL), fn("b_real", 0x1000, 16, NULL)};

	(void)state;
	assert_int_equal(disc_select(f, 2, 100, false, 0), 1);
	assert_null(named(f, 2, "b_real")->skip);
}

static void test_limit_and_returns(void **state)
{
	struct disc_func f[] = {
	    fn("f1", 0x1000, 8, NULL),	    fn("_ZN3srv6handleEv", 0x1010, 8, NULL),
	    fn("_setjmp", 0x1020, 8, NULL), fn("memcached_clone", 0x1030, 8, NULL),
	    fn("f5", 0x1040, 8, NULL),
	};

	(void)state;
	assert_int_equal(disc_select(f, 5, 4, true, 0), 4);
	assert_true(named(f, 5, "f1")->timed);
	assert_false(named(f, 5, "_ZN3srv6handleEv")->timed);
	assert_false(named(f, 5, "_setjmp")->timed);
	assert_true(named(f, 5, "memcached_clone")->timed); /* not clone(2) */
	assert_string_equal(named(f, 5, "f5")->skip, "--limit");
	assert_non_null(disc_return_unsafe("__longjmp_chk"));
	assert_non_null(disc_return_unsafe("_Unwind_Resume"));
	assert_non_null(disc_return_unsafe("vfork"));
	assert_null(disc_return_unsafe("exit_handler"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skips),
	    cmocka_unit_test(test_alias_of_skipped),
	    cmocka_unit_test(test_public_alias_kept),
	    cmocka_unit_test(test_limit_and_returns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
