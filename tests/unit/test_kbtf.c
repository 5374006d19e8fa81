/* --btf file checks: a kernel's BTF is accepted, other files get a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kbtf.h"

/* Writes raw BTF with one struct named struct_name to a temporary file. */
static void write_btf(char *path, const char *struct_name)
{
	struct btf *btf = btf__new_empty();
	const void *raw;
	__u32 size;
	int fd = mkstemp(path);
	int int_id;

	assert_non_null(btf);
	assert_true(fd >= 0);
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	assert_true(btf__add_struct(btf, struct_name, 4) > 0);
	assert_int_equal(btf__add_field(btf, "pid", int_id, 0, 0), 0);
	raw = btf__raw_data(btf, &size);
	assert_int_equal(write(fd, raw, size), (ssize_t)size);
	close(fd);
	btf__free(btf);
}

static void test_kernel_btf_accepted(void **state)
{
	char path[] = "/tmp/bpfscope-kbtf-XXXXXX", why[256] = "";

	(void)state;
	write_btf(path, "task_struct");
	assert_int_equal(kbtf_check_file(path, why, sizeof(why)), 0);
	unlink(path);
}

static void test_other_btf_rejected(void **state)
{
	char path[] = "/tmp/bpfscope-kbtf-XXXXXX", why[256] = "";

	(void)state;
	write_btf(path, "not_a_task");
	assert_int_equal(kbtf_check_file(path, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no struct task_struct"));
	unlink(path);
}

static void test_missing_and_garbage(void **state)
{
	char path[] = "/tmp/bpfscope-kbtf-XXXXXX", why[256] = "";
	int fd;

	(void)state;
	assert_int_equal(kbtf_check_file("/nonexistent/btf", why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "cannot read /nonexistent/btf"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, not BTF\n", 15), 15);
	close(fd);
	assert_true(kbtf_check_file(path, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "is not a BTF file"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kernel_btf_accepted),
	    cmocka_unit_test(test_other_btf_rejected),
	    cmocka_unit_test(test_missing_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
