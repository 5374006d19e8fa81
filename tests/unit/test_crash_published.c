/* crash/published: nothing is kept or counted without --serve; with it,
 * per-signal counters, the ring-event sums and the list bounded to the
 * last CRASH_PUB_KEEP reports, newest first. The server is started on
 * 127.0.0.1 port 0 (only to switch serving on; no request is made). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <signal.h>
#include <string.h>

#include "core/metrics.h"
#include "core/serve.h"
#include "crash/published.h"
#include "crash/report.h"

static struct crash_report *report(uint32_t pid)
{
	static struct crash_report r;

	memset(&r, 0, sizeof(r));
	r.pid = r.tid = pid;
	strcpy(r.comm, "crashy");
	r.sig = SIGSEGV;
	r.code = 1;
	r.ring_total = 10;
	return &r;
}

static int64_t int_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

static void test_off_without_serve(void **state)
{
	double v;

	(void)state;
	crash_pub_start(10);
	crash_pub_report(report(1));
	crash_pub_suppressed(SIGSEGV);
	assert_false(metrics_get("bpfscope_crash_reports_total",
				 &(struct metric_label){"signal", "SIGSEGV"}, 1, &v));
	struct json_object *doc = crash_pub_list();
	assert_int_equal(int_of(doc, "caught"), 0);
	json_object_put(doc);
}

static void test_bounded_newest_first(void **state)
{
	struct json_object *doc, *reports;
	double v;

	(void)state;
	assert_int_equal(serve_start_static("127.0.0.1:0", NULL), 0);
	crash_pub_start(5);
	for (uint32_t i = 0; i < CRASH_PUB_KEEP + 8; i++)
		crash_pub_report(report(1000 + i));
	crash_pub_suppressed(SIGABRT);
	doc = crash_pub_list();
	assert_true(json_object_object_get_ex(doc, "reports", &reports));
	assert_int_equal(json_object_array_length(reports), CRASH_PUB_KEEP);
	assert_int_equal(int_of(json_object_array_get_idx(reports, 0), "pid"), 1000 + CRASH_PUB_KEEP + 7);
	assert_int_equal(int_of(json_object_array_get_idx(reports, CRASH_PUB_KEEP - 1), "pid"), 1008);
	assert_int_equal(int_of(doc, "caught"), CRASH_PUB_KEEP + 8);
	assert_int_equal(int_of(doc, "suppressed"), 1);
	assert_int_equal(int_of(doc, "max_per_minute"), 5);
	json_object_put(doc);
	assert_true(metrics_get("bpfscope_crash_reports_total",
				&(struct metric_label){"signal", "SIGSEGV"}, 1, &v));
	assert_true(v == CRASH_PUB_KEEP + 8);
	assert_true(metrics_get("bpfscope_crash_reports_suppressed_total",
				&(struct metric_label){"signal", "SIGABRT"}, 1, &v));
	assert_true(v == 1);
	assert_true(metrics_get("bpfscope_crash_ring_events_total", NULL, 0, &v));
	assert_true(v == 10 * (CRASH_PUB_KEEP + 8));
	assert_true(metrics_get("bpfscope_crash_ring_events_overwritten_total", NULL, 0, &v));
	assert_true(v == 10 * (CRASH_PUB_KEEP + 8)); /* no event kept of 10 each */
	serve_stop();
	crash_pub_free();
	metrics_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_without_serve),
		cmocka_unit_test(test_bounded_newest_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
