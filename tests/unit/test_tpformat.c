/* tpformat: real format texts copied from this machine's tracefs (6.18),
 * including __data_loc strings and arrays, char arrays and signedness;
 * malformed texts are errors; the live sched:sched_switch when tracefs is
 * readable (root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tpformat.h"
#include "core/tracefs.h"

#define COMMON_FIELDS                                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"             \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

static const char sched_switch[] =
    "name: sched_switch\nID: 372\nformat:\n" COMMON_FIELDS
    "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
    "\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
    "\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
    "\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
    "\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
    "\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
    "\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n\n"
    "print fmt: \"prev_comm=%s prev_pid=%d\", REC->prev_comm, REC->prev_pid\n";

static const char process_exec[] =
    "name: sched_process_exec\nID: 365\nformat:\n" COMMON_FIELDS
    "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
    "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
    "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n\n"
    "print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, REC->old_pid\n";

/* Shapes seen elsewhere in tracefs: byte arrays, pointers, __data_loc arrays
 * of integers, unsigned types. */
static const char mixed[] = "name: mixed\nID: 7\nformat:\n" COMMON_FIELDS
			    "\tfield:__u8 saddr[28];\toffset:8;\tsize:28;\tsigned:0;\n"
			    "\tfield:const char * name;\toffset:40;\tsize:8;\tsigned:0;\n"
			    "\tfield:__data_loc u64[] phys_addrs;\toffset:48;\tsize:4;\tsigned:0;\n"
			    "\tfield:unsigned long long bytes;\toffset:56;\tsize:8;\tsigned:0;\n"
			    "\tfield:unsigned char addr[6];\toffset:64;\tsize:6;\tsigned:0;\n"
			    "\tfield:s64 delta;\toffset:72;\tsize:8;\tsigned:1;\n\n"
			    "print fmt: \"\"\n";

static void test_sched_switch(void **state)
{
	struct tp_format f;
	const struct tp_field *fld;

	(void)state;
	assert_int_equal(tpformat_parse(sched_switch, &f), 0);
	assert_string_equal(f.name, "sched_switch");
	assert_int_equal(f.id, 372);
	assert_int_equal(f.nfields, 7); /* common_* left out */
	fld = tpformat_field(&f, "prev_comm");
	assert_non_null(fld);
	assert_string_equal(fld->type, "char[16]");
	assert_int_equal(fld->offset, 8);
	assert_int_equal(fld->size, 16);
	assert_int_equal(fld->array_len, 16);
	assert_true(fld->is_string);
	assert_false(fld->is_signed);
	assert_false(fld->is_data_loc);
	fld = tpformat_field(&f, "prev_pid");
	assert_string_equal(fld->type, "pid_t");
	assert_int_equal(fld->offset, 24);
	assert_true(fld->is_signed);
	assert_false(fld->is_string);
	assert_int_equal(fld->array_len, 0);
	assert_int_equal(tpformat_field(&f, "next_prio")->offset, 60);
	assert_null(tpformat_field(&f, "common_pid"));
	assert_null(tpformat_field(&f, "nosuch"));
}

static void test_data_loc(void **state)
{
	struct tp_format f;
	const struct tp_field *fld;

	(void)state;
	assert_int_equal(tpformat_parse(process_exec, &f), 0);
	assert_int_equal(f.nfields, 3);
	fld = tpformat_field(&f, "filename");
	assert_string_equal(fld->type, "__data_loc char[]");
	assert_true(fld->is_data_loc);
	assert_true(fld->is_string);
	assert_int_equal(fld->size, 4);
	assert_int_equal(fld->array_len, 0);
}

static void test_mixed_shapes(void **state)
{
	struct tp_format f;
	const struct tp_field *fld;

	(void)state;
	assert_int_equal(tpformat_parse(mixed, &f), 0);
	assert_int_equal(f.nfields, 6);
	fld = tpformat_field(&f, "saddr");
	assert_string_equal(fld->type, "__u8[28]");
	assert_int_equal(fld->array_len, 28);
	assert_false(fld->is_string); /* bytes, not text */
	fld = tpformat_field(&f, "name");
	assert_string_equal(fld->type, "const char *");
	assert_false(fld->is_string); /* a pointer into kernel memory */
	fld = tpformat_field(&f, "phys_addrs");
	assert_true(fld->is_data_loc);
	assert_false(fld->is_string);
	fld = tpformat_field(&f, "bytes");
	assert_string_equal(fld->type, "unsigned long long");
	assert_false(fld->is_signed);
	fld = tpformat_field(&f, "addr");
	assert_string_equal(fld->type, "unsigned char[6]");
	assert_false(fld->is_string); /* a MAC address */
	assert_true(tpformat_field(&f, "delta")->is_signed);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "name: x\nformat:\n", /* no ID */
	    "name: x\nID: 1\n",	  /* no format: */
	    "name: x\nID: 1\nformat:\n\tfield:int;\toffset:0;\tsize:4;\tsigned:1;\n", /* no name */
	    "name: x\nID: 1\nformat:\n\tfield:int a;\toffset:x;\tsize:4;\tsigned:1;\n",
	    "name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\n",
	    "name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:7;\n",
	    "name: x\nID: 1\nformat:\n\tfield:char a[zz];\toffset:0;\tsize:4;\tsigned:0;\n",
	    "name: x\nID: -3\nformat:\n",
	};
	struct tp_format f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tpformat_parse(bad[i], &f) != -EINVAL)
			fail_msg("accepted malformed format #%zu", i);
}

static void test_too_many_fields(void **state)
{
	size_t cap = 128 * 80, used;
	char *text = malloc(cap);
	struct tp_format f;

	(void)state;
	used = (size_t)snprintf(text, cap, "name: wide\nID: 9\nformat:\n");
	for (int i = 0; i <= TPFORMAT_MAX_FIELDS; i++)
		used += (size_t)snprintf(text + used, cap - used,
					 "\tfield:int f%d;\toffset:%d;\tsize:4;\tsigned:1;\n", i,
					 8 + 4 * i);
	assert_int_equal(tpformat_parse(text, &f), -E2BIG);
	free(text);
}

/* The live kernel's sched_switch agrees with the text above (same kernel). */
static void test_load_live(void **state)
{
	struct tp_format f;

	(void)state;
	if (geteuid() != 0 || !tracefs_root())
		skip();
	assert_int_equal(tpformat_load("sched", "sched_switch", &f), 0);
	assert_string_equal(f.category, "sched");
	assert_string_equal(f.name, "sched_switch");
	assert_true(f.id > 0);
	assert_non_null(tpformat_field(&f, "prev_pid"));
	assert_true(tpformat_field(&f, "prev_pid")->is_signed);
	assert_int_equal(tpformat_load("sched", "no_such_event", &f), -ENOENT);
	assert_int_equal(tpformat_load("..", "sched_switch", &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sched_switch),    cmocka_unit_test(test_data_loc),
	    cmocka_unit_test(test_mixed_shapes),    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_too_many_fields), cmocka_unit_test(test_load_live),
	};

	return cmocka_run_group_tests_name("tpformat", tests, NULL, NULL);
}
