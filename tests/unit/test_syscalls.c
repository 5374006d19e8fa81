/* The build-time syscall table agrees with the C library's numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/syscall.h>

#include "core/syscalls.h"

static void test_known_names(void **state)
{
	(void)state;
	assert_string_equal(syscall_name(SYS_read), "read");
	assert_string_equal(syscall_name(SYS_getppid), "getppid");
	assert_string_equal(syscall_name(SYS_openat), "openat");
	assert_int_equal(syscall_number("getppid"), SYS_getppid);
	assert_int_equal(syscall_number("exit_group"), SYS_exit_group);
	assert_true(syscall_count() > 250);
}

static void test_unknown_is_a_number(void **state)
{
	char buf[32];

	(void)state;
	assert_null(syscall_name(99999));
	assert_null(syscall_name(-1));
	assert_int_equal(syscall_number("no_such_call"), -1);
	syscall_format(99999, buf, sizeof(buf));
	assert_string_equal(buf, "99999");
	syscall_format(SYS_write, buf, sizeof(buf));
	assert_string_equal(buf, "write");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_names),
	    cmocka_unit_test(test_unknown_is_a_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
