/* /proc/PID/stat parsing: comms with spaces and parentheses, and this
 * process's own entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "core/procstat.h"

static void test_parse_tricky_comm(void **state)
{
	const char *line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			   "987654 1000 10 18446744073709551615\n";
	struct proc_stat st;

	(void)state;
	assert_int_equal(proc_stat_parse(line, &st), 0);
	assert_string_equal(st.comm, "a) b (c)");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.start_ticks, 987654);
}

static void test_parse_bad(void **state)
{
	struct proc_stat st;

	(void)state;
	assert_int_not_equal(proc_stat_parse("", &st), 0);
	assert_int_not_equal(proc_stat_parse("1 (x S 0", &st), 0);
	assert_int_not_equal(proc_stat_parse("1 (x) S", &st), 0);
	/* truncated before the start time */
	assert_int_not_equal(proc_stat_parse("1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0", &st), 0);
}

static void test_read_self(void **state)
{
	struct proc_stat st;
	char exe[4096];

	(void)state;
	assert_int_equal(proc_stat_read(getpid(), &st), 0);
	assert_int_equal(st.ppid, getppid());
	assert_true(st.start_ticks > 0);
	assert_string_equal(st.comm, "test_procstat");
	assert_int_equal(proc_exe_path(getpid(), exe, sizeof(exe)), 0);
	assert_non_null(strstr(exe, "test_procstat"));
	assert_true(proc_stat_read(-5, &st) < 0);
	assert_true(proc_exe_path(-5, exe, sizeof(exe)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tricky_comm),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
