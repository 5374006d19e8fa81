/* Metric registry and Prometheus exposition: escaping, label names,
 * cumulative le buckets, drained + live mirroring, cardinality bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static int reset(void **state)
{
	(void)state;
	metrics_reset();
	metrics_set_series_limit(500);
	return 0;
}

static char *render(void)
{
	size_t len;
	char *text = metrics_render_text(&len);

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_escape_label(void **state)
{
	char buf[64];

	(void)state;
	metrics_escape_label("a\"b\\c\nd", buf, sizeof(buf));
	assert_string_equal(buf, "a\\\"b\\\\c\\nd");
	metrics_escape_help("x\\y\n\"q\"", buf, sizeof(buf));
	assert_string_equal(buf, "x\\\\y\\n\"q\"");
	metrics_escape_label("0123456789", buf, 6); /* truncated, still terminated */
	assert_int_equal(strlen(buf), 3);
}

static void test_sanitize_name(void **state)
{
	char buf[64];

	(void)state;
	metrics_sanitize_name("r->id", buf, sizeof(buf));
	assert_string_equal(buf, "r__id");
	metrics_sanitize_name("9lives", buf, sizeof(buf));
	assert_string_equal(buf, "x9lives");
	metrics_sanitize_name("__name__", buf, sizeof(buf));
	assert_string_equal(buf, "x__name__");
	metrics_sanitize_name("key_str(k.v)", buf, sizeof(buf));
	assert_string_equal(buf, "key_str_k_v_");
}

static void test_counter_text(void **state)
{
	struct metric_label l[2] = {{"probe", "u:/bin/x:f \"q\""}, {"peer", "10.0.0.1:11211"}};
	char *text;

	(void)state;
	assert_int_equal(metrics_family("bpfscope_hits_total", METRIC_COUNTER, "hits\nper probe"),
			 0);
	assert_int_equal(metrics_set("bpfscope_hits_total", l, 2, 42), 0);
	assert_int_equal(metrics_set("no_such_family", l, 2, 1), -ENOENT);
	text = render();
	assert_non_null(strstr(text, "# HELP bpfscope_hits_total hits\\nper probe\n"));
	assert_non_null(strstr(text, "# TYPE bpfscope_hits_total counter\n"));
	assert_non_null(strstr(text, "bpfscope_hits_total{probe=\"u:/bin/x:f \\\"q\\\"\","
				     "peer=\"10.0.0.1:11211\"} 42\n"));
	free(text);
}

/* slots 1 (value 1), 3 (4..7), 10 (512..1023) in ns: le = 2^k ns. */
static void test_histogram_buckets(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 5000, 1e-9};
	struct metric_label l = {"probe", "p"};
	char *text;

	(void)state;
	slots[1] = 2;
	slots[3] = 5;
	slots[10] = 1;
	metrics_family("lat_seconds", METRIC_HISTOGRAM, "latency");
	assert_int_equal(metrics_hist_update("lat_seconds", &l, 1, &h, false), 0);
	text = render();
	assert_non_null(strstr(text, "# TYPE lat_seconds histogram\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"1e-09\"} 0\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"2e-09\"} 2\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"4e-09\"} 2\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"8e-09\"} 7\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"5.12e-07\"} 7\n"));
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"1.024e-06\"} 8\n"));
	assert_null(strstr(text, "le=\"2.048e-06\"")); /* nothing above the last used slot */
	assert_non_null(strstr(text, "lat_seconds_bucket{probe=\"p\",le=\"+Inf\"} 8\n"));
	assert_non_null(strstr(text, "lat_seconds_sum{probe=\"p\"} 5.0000000000000004e-06\n"));
	assert_non_null(strstr(text, "lat_seconds_count{probe=\"p\"} 8\n"));
	free(text);
}

/* The last slot holds everything larger: only +Inf, never a finite le. */
static void test_histogram_last_slot(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 0, 1};
	char *text;

	(void)state;
	slots[METRIC_SLOTS - 1] = 3;
	metrics_family("big", METRIC_HISTOGRAM, "");
	metrics_hist_update("big", NULL, 0, &h, false);
	text = render();
	assert_non_null(strstr(text, "big_bucket{le=\"4.61168602e+18\"} 0\n"));
	assert_non_null(strstr(text, "big_bucket{le=\"+Inf\"} 3\n"));
	assert_null(strstr(text, "9.22337204e+18"));
	assert_non_null(strstr(text, "big_count 3\n"));
	free(text);
}

/* Buckets start one empty slot below the first used one. */
static void test_histogram_low_end(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 0, 1e-9};
	char *text;

	(void)state;
	slots[20] = 4; /* [2^19, 2^20) ns */
	metrics_family("low_seconds", METRIC_HISTOGRAM, "");
	metrics_hist_update("low_seconds", NULL, 0, &h, false);
	text = render();
	assert_non_null(strstr(text, "low_seconds_bucket{le=\"0.000524288\"} 0\n"));
	assert_non_null(strstr(text, "low_seconds_bucket{le=\"0.001048576\"} 4\n"));
	assert_null(strstr(text, "le=\"0.000262144\""));
	free(text);
}

/* Linear slots: le is the slot's largest integer value. */
static void test_histogram_linear(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 9, 1, 0, 1};
	char *text;

	(void)state;
	slots[0] = 2; /* value 0 */
	slots[3] = 3; /* value 3 */
	metrics_family("qlen", METRIC_HISTOGRAM, "");
	metrics_hist_update("qlen", NULL, 0, &h, false);
	text = render();
	assert_non_null(strstr(text, "qlen_bucket{le=\"0\"} 2\n"));
	assert_non_null(strstr(text, "qlen_bucket{le=\"2\"} 2\n"));
	assert_non_null(strstr(text, "qlen_bucket{le=\"3\"} 5\n"));
	assert_non_null(strstr(text, "qlen_sum 9\n"));
	free(text);
}

/* Drained counts accumulate; live counts are replaced each publish. */
static void test_drained_plus_live(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 10, 1};
	double v;

	(void)state;
	metrics_family("h", METRIC_HISTOGRAM, "");
	slots[2] = 4;
	metrics_hist_update("h", NULL, 0, &h, false); /* live 4 */
	slots[2] = 6;
	metrics_hist_update("h", NULL, 0, &h, true); /* drained 6 (incl. the 4) */
	assert_true(metrics_get("h", NULL, 0, &v));
	assert_true(v == 6);
	slots[2] = 3;
	metrics_hist_update("h", NULL, 0, &h, false); /* live again */
	assert_true(metrics_get("h", NULL, 0, &v));
	assert_true(v == 9);
	metrics_family("c_total", METRIC_COUNTER, "");
	metrics_counter_update("c_total", NULL, 0, 5, true);
	metrics_counter_update("c_total", NULL, 0, 2, false);
	metrics_counter_update("c_total", NULL, 0, 3, false);
	assert_true(metrics_get("c_total", NULL, 0, &v));
	assert_true(v == 8);
}

static void test_cardinality_bound(void **state)
{
	char val[16], *text;
	double v;

	(void)state;
	metrics_set_series_limit(3);
	metrics_family("k_total", METRIC_COUNTER, "");
	for (int i = 0; i < 5; i++) {
		struct metric_label l = {"key", val};

		snprintf(val, sizeof(val), "k%d", i);
		assert_int_equal(metrics_set("k_total", &l, 1, i), i < 3 ? 0 : -E2BIG);
	}
	assert_true(metrics_get("bpfscope_metric_series_overflow_total",
				&(struct metric_label){"metric", "k_total"}, 1, &v));
	assert_true(v == 2);
	text = render();
	assert_null(strstr(text, "k_total{key=\"k3\"}"));
	assert_non_null(
	    strstr(text, "bpfscope_metric_series_overflow_total{metric=\"k_total\"} 2\n"));
	free(text);
}

static void test_json(void **state)
{
	uint64_t slots[METRIC_SLOTS] = {0};
	struct metric_hist h = {slots, 0, 1e-9};
	struct json_object *doc, *fam, *series, *b;

	(void)state;
	slots[5] = 7;
	metrics_family("j_seconds", METRIC_HISTOGRAM, "");
	metrics_hist_update("j_seconds", &(struct metric_label){"probe", "x"}, 1, &h, false);
	doc = metrics_to_json();
	fam = json_object_array_get_idx(json_object_object_get(doc, "families"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(fam, "name")),
			    "j_seconds");
	series = json_object_array_get_idx(json_object_object_get(fam, "series"), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(series, "count")), 7);
	b = json_object_array_get_idx(json_object_object_get(series, "buckets"), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(b, "slot")), 5);
	assert_true(json_object_get_double(json_object_object_get(b, "le")) == 32e-9);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_escape_label, reset),
	    cmocka_unit_test_setup(test_sanitize_name, reset),
	    cmocka_unit_test_setup(test_counter_text, reset),
	    cmocka_unit_test_setup(test_histogram_buckets, reset),
	    cmocka_unit_test_setup(test_histogram_last_slot, reset),
	    cmocka_unit_test_setup(test_histogram_low_end, reset),
	    cmocka_unit_test_setup(test_histogram_linear, reset),
	    cmocka_unit_test_setup(test_drained_plus_live, reset),
	    cmocka_unit_test_setup(test_cardinality_bound, reset),
	    cmocka_unit_test_setup(test_json, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
