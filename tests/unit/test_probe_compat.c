/* probe/compat.c: what the probe engine refuses on kernels without BPF
 * cookies or bpf_loop (the feature table says so through
 * BPFSCOPE_DISABLE_FEATURES, set before anything is probed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/probe_compat.h"
#include "probe/compat.h"
#include "probe/trace_run.h"

static struct probe_ast asts[PROBE_COMPAT_PROBES + 1];
static struct traced_probe probes[PROBE_COMPAT_PROBES + 1];
static struct common_opts opts;

/* n uprobes on this test's own executable (a PIE) */
static struct trace_run run_of(int n)
{
	struct trace_run tr = {.opts = &opts, .probes = probes, .nprobes = n};

	for (int i = 0; i < n; i++) {
		asts[i] = (struct probe_ast){.kind = TARGET_UPROBE, .text = "u:x:f"};
		probes[i] = (struct traced_probe){.ast = &asts[i]};
		strcpy(probes[i].res.path, "/proc/self/exe");
	}
	return tr;
}

static void test_active(void **state)
{
	(void)state;
	assert_true(probe_compat_active());
}

static void test_probe_count(void **state)
{
	struct trace_run tr = run_of(PROBE_COMPAT_PROBES);

	(void)state;
	assert_int_equal(probe_compat_check(&tr), 0);
	tr = run_of(PROBE_COMPAT_PROBES + 1);
	assert_int_equal(probe_compat_check(&tr), -1);
}

static void test_triggers(void **state)
{
	struct trace_run tr = run_of(2);

	(void)state;
	tr.ntrigger_texts = 1;
	assert_int_equal(probe_compat_check(&tr), -1);
}

/* libbpf finds a USDT spec by absolute address without cookies: a PIE
 * needs the process (-p), an address fixed per process */
static void test_usdt_pie_needs_pid(void **state)
{
	struct trace_run tr = run_of(1);

	(void)state;
	asts[0].kind = TARGET_USDT;
	opts.pid = 0;
	assert_int_equal(probe_compat_check(&tr), -1);
	opts.pid = 1;
	assert_int_equal(probe_compat_check(&tr), 0);
	opts.pid = 0;
	asts[0].kind = TARGET_UPROBE; /* uprobes attach by file offset */
	assert_int_equal(probe_compat_check(&tr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_active),
	    cmocka_unit_test(test_probe_count),
	    cmocka_unit_test(test_triggers),
	    cmocka_unit_test(test_usdt_pie_needs_pid),
	};

	setenv("BPFSCOPE_DISABLE_FEATURES", "bpf_loop,bpf_cookie,task_storage", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
