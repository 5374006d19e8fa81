/* libprobe: a --lib that cannot be found gives one error line naming it and
 * exit code 1, before the skeleton is touched (so NULL stands in for it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/libprobe.h"

/* Runs libprobe_run with stderr captured into err (one line expected). */
static int run_capturing(const struct libprobe *lp, const struct common_opts *opts, char *err,
			 size_t len)
{
	const struct evtool tool = {NULL, 0, NULL};
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), rc;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = libprobe_run(lp, &tool, NULL, opts);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	if (!fgets(err, len, tmp))
		err[0] = 0;
	assert_null(fgets((char[8]){0}, 8, tmp)); /* exactly one line */
	fclose(tmp);
	return rc;
}

static void test_missing_library(void **state)
{
	const struct libprobe lp = {"libbpfscope-no-such-lib", NULL, 0, "must not be shown"};
	struct common_opts opts = {0};
	char err[256];

	(void)state;
	assert_int_equal(run_capturing(&lp, &opts, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "--lib: cannot find 'libbpfscope-no-such-lib'"));
	assert_null(strstr(err, "in that process"));
}

static void test_missing_in_process(void **state)
{
	const struct libprobe lp = {"libbpfscope-no-such-lib", NULL, 0, NULL};
	struct common_opts opts = {.pid = getpid()};
	char err[256];

	(void)state;
	assert_int_equal(run_capturing(&lp, &opts, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "cannot find 'libbpfscope-no-such-lib' in that process"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_library),
	    cmocka_unit_test(test_missing_in_process),
	};

	return cmocka_run_group_tests_name("libprobe", tests, NULL, NULL);
}
