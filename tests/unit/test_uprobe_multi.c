/* uprobe_multi: the raw link_create layout matches the kernel's uapi
 * (union bpf_attr.link_create with its uprobe_multi member, Linux 6.6), and
 * the fill puts each argument where the kernel reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "core/uprobe_multi.h"

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct uprobe_multi_attr, prog_fd), 0);
	assert_int_equal(offsetof(struct uprobe_multi_attr, attach_type), 8);
	assert_int_equal(offsetof(struct uprobe_multi_attr, flags), 12);
	assert_int_equal(offsetof(struct uprobe_multi_attr, path), 16);
	assert_int_equal(offsetof(struct uprobe_multi_attr, offsets), 24);
	assert_int_equal(offsetof(struct uprobe_multi_attr, ref_ctr_offsets), 32);
	assert_int_equal(offsetof(struct uprobe_multi_attr, cookies), 40);
	assert_int_equal(offsetof(struct uprobe_multi_attr, cnt), 48);
	assert_int_equal(offsetof(struct uprobe_multi_attr, umflags), 52);
	assert_int_equal(offsetof(struct uprobe_multi_attr, pid), 56);
}

static void test_fill(void **state)
{
	uint64_t offs[2] = {0x10, 0x20}, cookies[2] = {1, 2};
	struct uprobe_multi_attr a;

	(void)state;
	uprobe_multi_attr_fill(&a, 7, "/bin/x", offs, cookies, 2, 1234, true);
	assert_int_equal(a.prog_fd, 7);
	assert_int_equal(a.attach_type, UPROBE_MULTI_ATTACH_TYPE);
	assert_string_equal((const char *)(uintptr_t)a.path, "/bin/x");
	assert_ptr_equal((void *)(uintptr_t)a.offsets, offs);
	assert_ptr_equal((void *)(uintptr_t)a.cookies, cookies);
	assert_int_equal(a.ref_ctr_offsets, 0);
	assert_int_equal(a.cnt, 2);
	assert_int_equal(a.umflags, UPROBE_MULTI_RETURN);
	assert_int_equal(a.pid, 1234);
	uprobe_multi_attr_fill(&a, 7, "/bin/x", offs, NULL, 1, -1, false);
	assert_int_equal(a.pid, 0); /* every process */
	assert_int_equal(a.umflags, 0);
	assert_int_equal(a.cookies, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_fill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
