/* Library name matching and ld.so.cache lookups against the real cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/libpath.h"

static void test_name_matching(void **state)
{
	(void)state;
	assert_true(libpath_name_matches("libmemcached.so.11", "libmemcached"));
	assert_true(libpath_name_matches("libmemcached.so.11", "memcached"));
	assert_true(libpath_name_matches("libc.so.6", "c"));
	assert_true(libpath_name_matches("libc.so.6", "libc"));
	assert_true(libpath_name_matches("libc-2.31.so", "libc"));
	assert_true(libpath_name_matches("libssl.so.3", "libssl.so.3"));
	assert_false(libpath_name_matches("libcrypt.so.1", "libc"));
	assert_false(libpath_name_matches("libmemcachedutil.so.2", "libmemcached"));
	assert_false(libpath_name_matches("libc.so.6", "libcrypto"));
}

static void test_resolve_libc(void **state)
{
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(libpath_resolve("libc", 0, path, sizeof(path)), 0);
	assert_non_null(strstr(path, "libc.so.6"));
	assert_int_equal(access(path, R_OK), 0);
	/* through our own maps: /proc/PID/root prefix, same library */
	assert_int_equal(libpath_resolve("c", getpid(), path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/root/"));
	assert_non_null(strstr(path, "libc.so.6"));
}

static void test_resolve_missing(void **state)
{
	char path[PATH_MAX];

	(void)state;
	assert_int_not_equal(libpath_resolve("libdoesnotexist-xyz", 0, path, sizeof(path)), 0);
	assert_int_not_equal(libpath_resolve("/no/such/file", 0, path, sizeof(path)), 0);
	assert_int_equal(libpath_resolve("sh", 0, path, sizeof(path)), 0); /* on $PATH */
}

static void test_corrupt_cache(void **state)
{
	char buf[256] = "glibc-ld.so.cache1.1";
	char out[64];

	(void)state;
	/* nlibs far larger than the buffer */
	buf[20] = (char)0xff;
	buf[21] = (char)0xff;
	assert_int_not_equal(libpath_ldcache_lookup(buf, sizeof(buf), "c", out, sizeof(out)), 0);
	assert_int_not_equal(libpath_ldcache_lookup("short", 5, "c", out, sizeof(out)), 0);
}

/* Without an ld.so.cache: a directory scan by short name. */
static void test_dir_lookup(void **state)
{
	char dir[] = "/tmp/bpfscope-libdir-XXXXXX", path[PATH_MAX], out[PATH_MAX];
	const char *files[] = {"libfoobar.so.1", "libfoo.so.3", "notalib.txt"};

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		fclose(fopen(path, "w"));
	}
	snprintf(path, sizeof(path), "%s/libfoo.so.3", dir);
	assert_int_equal(libpath_dir_lookup(dir, "libfoo", out, sizeof(out)), 0);
	assert_string_equal(out, path);
	assert_int_equal(libpath_dir_lookup(dir, "foo", out, sizeof(out)), 0);
	assert_string_equal(out, path);
	assert_int_not_equal(libpath_dir_lookup(dir, "libfo", out, sizeof(out)), 0);
	assert_int_not_equal(libpath_dir_lookup("/no/such/dir", "c", out, sizeof(out)), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_matching),
		cmocka_unit_test(test_resolve_libc),
		cmocka_unit_test(test_resolve_missing),
		cmocka_unit_test(test_corrupt_cache),
		cmocka_unit_test(test_dir_lookup),
	};

	return cmocka_run_group_tests_name("libpath", tests, NULL, NULL);
}
