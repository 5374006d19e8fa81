/* bpfscope mysqlnd, pure logic: the built-in layout table checked against
 * the php-dev headers (scripts/mysqlnd-layout.c compiled with offsetof)
 * when they exist, the version lookup and its refusals, and the analysis of
 * Debian's mysqlnd.so (when installed) and of a copy whose version string
 * was changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/mysqlnd_layout.h"
#include "layout_gen.h"

static void test_layout_matches_headers(void **state)
{
	char out[4096];
	const struct mysqlnd_build *b;

	(void)state;
	if (access("/usr/include/php/20220829/ext/mysqlnd/mysqlnd_structs.h", R_OK) ||
	    access("scripts/mysqlnd-layout.c", R_OK))
		skip(); /* no php8.2-dev here, or not run from the source tree */
	layout_gen_run("mysqlnd-layout", out, sizeof(out));
	b = mysqlnd_build_find(strstr(out, "\nversion ") + 9, gen_value(out, "api"), "NTS");
	assert_non_null(b);
#define SAME(f) assert_int_equal(b->layout.f, gen_value(out, #f))
	SAME(conn_error_info);
	SAME(conn_upsert);
	SAME(stmt_data);
	SAME(sd_error_info);
	SAME(sd_upsert);
	SAME(sd_stmt_id);
	SAME(ei_error_no);
	SAME(us_affected);
#undef SAME
#define SAME(f) assert_int_equal(b->f, gen_value(out, #f))
	SAME(conn_methods_size);
	SAME(stmt_methods_size);
	SAME(xetters_size);
	SAME(m_query);
	SAME(m_send_query);
	SAME(m_reap_query);
	SAME(m_prepare);
	SAME(m_execute);
	SAME(xetters_stmt_set);
#undef SAME
}

static void test_build_find(void **state)
{
	(void)state;
	assert_non_null(mysqlnd_build_find("8.2.36", 20220829, "NTS"));
	assert_non_null(mysqlnd_build_find("8.2.0", 20220829, "NTS"));
	assert_null(mysqlnd_build_find("8.3.1", 20220829, "NTS"));
	assert_null(mysqlnd_build_find("8.20.1", 20220829, "NTS"));
	assert_null(mysqlnd_build_find("8.2.36", 20230831, "NTS"));
	assert_null(mysqlnd_build_find("8.2.36", 20220829, "ZTS"));
	assert_null(mysqlnd_build_find("8.2", 20220829, "NTS"));
}

static int debian_library(char *out, size_t len)
{
	glob_t g;
	int found = !glob("/usr/lib/php/20220829/mysqlnd.so", 0, NULL, &g) && g.gl_pathc == 1;

	if (found)
		snprintf(out, len, "%s", g.gl_pathv[0]);
	globfree(&g);
	return found;
}

/* Debian's php8.2-mysql: both tables found, three distinct methods in the
 * code, none of them the table addresses themselves. */
static void test_debian_library(void **state)
{
	struct mysqlnd_lib lib;
	char path[256];
	uint64_t off;

	(void)state;
	if (!debian_library(path, sizeof(path)))
		skip();
	assert_int_equal(mysqlnd_lib_open(path, NULL, &lib), 0);
	assert_string_equal(lib.threads, "NTS");
	assert_int_equal(lib.api, 20220829);
	assert_true(lib.conn_table && lib.stmt_table && lib.conn_table != lib.stmt_table);
	assert_true(lib.query && lib.prepare && lib.execute && lib.send_query && lib.reap_query);
	assert_true(lib.send_query != lib.query && lib.reap_query != lib.send_query);
	assert_true(lib.query != lib.prepare && lib.prepare != lib.execute &&
		    lib.query != lib.execute);
	assert_int_equal(mysqlnd_lib_offset(&lib, lib.query, &off), 0);
	assert_int_equal(mysqlnd_lib_offset(&lib, 1ULL << 60, &off), -ERANGE);
}

/* The same library claiming another version: refused, not guessed. */
static void test_unknown_version(void **state)
{
	char path[256], cmd[700], copy[64];
	struct mysqlnd_lib lib;

	(void)state;
	if (!debian_library(path, sizeof(path)))
		skip();
	snprintf(copy, sizeof(copy), "/tmp/bpfscope-mysqlnd-%d.so", getpid());
	snprintf(cmd, sizeof(cmd),
		 "sed 's/mysqlnd 8\\.2\\./mysqlnd 8.9./g' %s > %s && grep -q 'mysqlnd 8\\.9\\.' %s",
		 path, copy, copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mysqlnd_lib_open(copy, NULL, &lib), -ENOTSUP);
	assert_int_equal(strncmp(lib.version, "8.9.", 4), 0);
	unlink(copy);
	assert_int_equal(mysqlnd_lib_open("/bin/sh", NULL, &lib), -ENOEXEC);
	assert_int_equal(mysqlnd_lib_open("scripts/mysqlnd-layout.c", NULL, &lib), -ENOEXEC);
	assert_int_equal(mysqlnd_lib_open("/nonexistent/mysqlnd.so", NULL, &lib), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_matches_headers),
	    cmocka_unit_test(test_build_find),
	    cmocka_unit_test(test_debian_library),
	    cmocka_unit_test(test_unknown_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
