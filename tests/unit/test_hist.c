/* Histograms: slot arithmetic, estimates, text and JSON rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpf/common.h"
#include "bpf/hist.h"

/* The kernel side's slot functions, renamed: they must agree with core's. */
#define barrier_var(x)	(void)0
#define hist_log2_slot	bpf_hist_log2_slot
#define hist_loglin_slot bpf_hist_loglin_slot
#include "bpf/hist.bpf.h"
#undef hist_log2_slot
#undef hist_loglin_slot

#include "core/hist.h"

static struct hist_view log2_view(const uint64_t *slots, unsigned nslots)
{
	return (struct hist_view){
	    .kind = HIST_LOG2, .slots = slots, .nslots = nslots, .unit = "usecs"};
}

static struct hist_view linear_view(const uint64_t *slots, unsigned nslots, uint64_t min,
				    uint64_t step)
{
	return (struct hist_view){.kind = HIST_LINEAR,
				  .min = min,
				  .step = step,
				  .slots = slots,
				  .nslots = nslots,
				  .unit = "msecs"};
}

static void test_log2_slots(void **state)
{
	(void)state;
	assert_int_equal(hist_log2_slot(0, HIST_SLOTS), 0);
	assert_int_equal(hist_log2_slot(1, HIST_SLOTS), 1);
	assert_int_equal(hist_log2_slot(2, HIST_SLOTS), 2);
	assert_int_equal(hist_log2_slot(3, HIST_SLOTS), 2);
	assert_int_equal(hist_log2_slot(4, HIST_SLOTS), 3);
	assert_int_equal(hist_log2_slot(7, HIST_SLOTS), 3);
	assert_int_equal(hist_log2_slot(8, HIST_SLOTS), 4);
	assert_int_equal(hist_log2_slot((1ULL << 62) - 1, HIST_SLOTS), 62);
	assert_int_equal(hist_log2_slot(1ULL << 62, HIST_SLOTS), 63);
	assert_int_equal(hist_log2_slot(UINT64_MAX, HIST_SLOTS), 63); /* clamped */
	assert_int_equal(hist_log2_slot(1000, 5), 4);
	assert_int_equal(hist_log2_slot(1000, 0), 0);
}

static void test_linear_slots(void **state)
{
	(void)state;
	assert_int_equal(hist_linear_slot(0, 10, 5, 4), 0); /* below min: clamped */
	assert_int_equal(hist_linear_slot(9, 10, 5, 4), 0);
	assert_int_equal(hist_linear_slot(10, 10, 5, 4), 0);
	assert_int_equal(hist_linear_slot(14, 10, 5, 4), 0);
	assert_int_equal(hist_linear_slot(15, 10, 5, 4), 1);
	assert_int_equal(hist_linear_slot(29, 10, 5, 4), 3);
	assert_int_equal(hist_linear_slot(30, 10, 5, 4), 3); /* above: clamped */
	assert_int_equal(hist_linear_slot(UINT64_MAX, 10, 5, 4), 3);
	assert_int_equal(hist_linear_slot(7, 0, 0, 100), 7); /* step 0 acts as 1 */
}

static void assert_range(const struct hist_view *h, unsigned slot, uint64_t low, uint64_t high)
{
	uint64_t l, hi;

	hist_slot_range(h, slot, &l, &hi);
	assert_int_equal(l, low);
	assert_int_equal(hi, high);
}

static void test_slot_ranges(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view lg = log2_view(slots, HIST_SLOTS), ln = linear_view(slots, 4, 10, 5);

	(void)state;
	assert_range(&lg, 0, 0, 0);
	assert_range(&lg, 1, 1, 1);
	assert_range(&lg, 2, 2, 3);
	assert_range(&lg, 3, 4, 7);
	assert_range(&lg, 62, 1ULL << 61, (1ULL << 62) - 1);
	assert_range(&lg, 63, 1ULL << 62, UINT64_MAX); /* catch-all */
	assert_range(&ln, 0, 0, 14);		       /* also holds values below min */
	assert_range(&ln, 1, 15, 19);
	assert_range(&ln, 3, 25, UINT64_MAX);
}

/* Log-linear slots: exact below 16, then 8 slots per power of two; every
 * value's slot holds it, slots rise with the value and are at most 1/8 of
 * their values wide. */
static void test_loglin_slots(void **state)
{
	uint64_t slots[HIST_LOGLIN_SLOTS] = {0}, low, high;
	struct hist_view h = {.kind = HIST_LOGLIN, .slots = slots, .nslots = HIST_LOGLIN_SLOTS};
	unsigned prev = 0;

	(void)state;
	assert_int_equal(hist_loglin_slot(0, HIST_LOGLIN_SLOTS), 0);
	assert_int_equal(hist_loglin_slot(15, HIST_LOGLIN_SLOTS), 15);
	assert_int_equal(hist_loglin_slot(16, HIST_LOGLIN_SLOTS), 16);
	assert_int_equal(hist_loglin_slot(17, HIST_LOGLIN_SLOTS), 16);
	assert_int_equal(hist_loglin_slot(18, HIST_LOGLIN_SLOTS), 17);
	assert_int_equal(hist_loglin_slot(31, HIST_LOGLIN_SLOTS), 23);
	assert_int_equal(hist_loglin_slot(32, HIST_LOGLIN_SLOTS), 24);
	assert_int_equal(hist_loglin_slot(1ULL << 34, HIST_LOGLIN_SLOTS), 255); /* clamped */
	assert_int_equal(hist_loglin_slot(UINT64_MAX, HIST_LOGLIN_SLOTS), 255);
	for (uint64_t v = 0; v < (1ULL << 34); v = v < 4096 ? v + 1 : v + v / 37) {
		unsigned slot = hist_loglin_slot(v, HIST_LOGLIN_SLOTS);

		assert_true(slot >= prev);
		prev = slot;
		hist_slot_range(&h, slot, &low, &high);
		assert_true(low <= v && v <= high);
		assert_true(slot == HIST_LOGLIN_SLOTS - 1 || high - low <= (v >= 16 ? v / 8 : 0));
	}
	assert_range(&h, 16, 16, 17);
	assert_range(&h, 255, (uint64_t)15 << 30, UINT64_MAX);
	/* 1000 values of 1000 ns: p50 within the slot of 1000 (960..1023) */
	slots[hist_loglin_slot(1000, HIST_LOGLIN_SLOTS)] = 1000;
	assert_true(hist_percentile(&h, 50) >= 960 && hist_percentile(&h, 50) <= 1023);
}

/* The BPF programs and user space put every value in the same slot. */
static void test_bpf_agrees(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < (1ULL << 40); v = v < 4096 ? v + 1 : v + v / 29) {
		assert_int_equal(bpf_hist_loglin_slot(v), hist_loglin_slot(v, HIST_LOGLIN_SLOTS));
		assert_int_equal(bpf_hist_log2_slot(v), hist_log2_slot(v, HIST_SLOTS));
	}
	assert_int_equal(bpf_hist_loglin_slot(UINT64_MAX),
			 hist_loglin_slot(UINT64_MAX, HIST_LOGLIN_SLOTS));
	assert_int_equal(bpf_hist_log2_slot(UINT64_MAX), hist_log2_slot(UINT64_MAX, HIST_SLOTS));
}

/* Every value lands in a slot whose range holds it. */
static void test_add_round_trip(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0}, lin[8] = {0}, low, high;
	struct hist_view lg = log2_view(slots, HIST_SLOTS), ln = linear_view(lin, 8, 100, 10);

	(void)state;
	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t vals[] = {(1ULL << bit) - 1, 1ULL << bit, (1ULL << bit) + 1};

		for (unsigned i = 0; i < 3; i++) {
			unsigned s = hist_log2_slot(vals[i], HIST_SLOTS);

			hist_add(&lg, slots, vals[i]);
			hist_slot_range(&lg, s, &low, &high);
			assert_true(vals[i] >= low && vals[i] <= high);
		}
	}
	assert_int_equal(hist_total(&lg), 64 * 3);
	for (uint64_t v = 0; v < 300; v++) {
		unsigned s = hist_linear_slot(v, 100, 10, 8);

		hist_add(&ln, lin, v);
		hist_slot_range(&ln, s, &low, &high);
		assert_true(v >= low && v <= high);
	}
	assert_int_equal(lin[0], 110); /* 0..109 */
	assert_int_equal(lin[1], 10);
	assert_int_equal(lin[7], 300 - 170);
}

static void test_sum_percpu(void **state)
{
	uint64_t percpu[3 * 4] = {1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400};
	uint64_t dst[4] = {9, 9, 9, 9};

	(void)state;
	hist_sum_percpu(dst, percpu, 3, 4);
	assert_int_equal(dst[0], 111);
	assert_int_equal(dst[1], 222);
	assert_int_equal(dst[2], 333);
	assert_int_equal(dst[3], 444);
	hist_sum_percpu(dst, percpu, 0, 4);
	assert_int_equal(dst[2], 0);
}

static void test_empty(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);

	(void)state;
	assert_int_equal(hist_total(&h), 0);
	assert_true(hist_percentile(&h, 50) == 0.0);
	assert_true(hist_mean(&h) == 0.0);
}

static void test_one_slot(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);

	(void)state;
	slots[3] = 10; /* [4, 7] */
	assert_int_equal(hist_total(&h), 10);
	assert_float_equal(hist_percentile(&h, 0), 4.0, 1e-9);
	assert_float_equal(hist_percentile(&h, 50), 5.5, 1e-9);
	assert_float_equal(hist_percentile(&h, 100), 7.0, 1e-9);
	assert_float_equal(hist_percentile(&h, 250), 7.0, 1e-9); /* clamped */
	assert_float_equal(hist_percentile(&h, -5), 4.0, 1e-9);
	assert_float_equal(hist_mean(&h), 5.5, 1e-9);

	slots[3] = 0;
	slots[0] = 7; /* only zeros */
	assert_float_equal(hist_percentile(&h, 99), 0.0, 1e-9);
	assert_float_equal(hist_mean(&h), 0.0, 1e-9);
}

static void test_two_slots(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);

	(void)state;
	slots[1] = 50; /* value 1 */
	slots[4] = 50; /* [8, 15] */
	assert_float_equal(hist_percentile(&h, 50), 1.0, 1e-9);
	assert_float_equal(hist_percentile(&h, 75), 8.0 + 0.5 * 7, 1e-9);
	assert_float_equal(hist_percentile(&h, 99), 8.0 + 0.98 * 7, 1e-9);
	assert_float_equal(hist_mean(&h), (1.0 + 11.5) / 2, 1e-9);
}

static void test_linear_estimates(void **state)
{
	uint64_t slots[10] = {0};
	struct hist_view h = linear_view(slots, 10, 100, 10);

	(void)state;
	slots[2] = 4; /* [120, 129] */
	slots[9] = 1; /* [190, 199] nominally; catch-all */
	assert_float_equal(hist_percentile(&h, 40), 120 + 0.5 * 9, 1e-9);
	assert_float_equal(hist_percentile(&h, 100), 199.0, 1e-9);
	assert_float_equal(hist_mean(&h), (4 * 124.5 + 194.5) / 5, 1e-9);
}

/* The catch-all slot is estimated with its nominal width, not up to 2^64. */
static void test_catch_all_estimate(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);

	(void)state;
	hist_add(&h, slots, UINT64_MAX);
	assert_int_equal(slots[63], 1);
	assert_float_equal(hist_percentile(&h, 100), (double)((1ULL << 63) - 1), 1e3);
	assert_true(hist_mean(&h) < 1e19);
}

static char *render(const struct hist_view *h, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len - 1, "w");

	memset(buf, 0, len);
	assert_non_null(f);
	hist_print(f, h);
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);
	char buf[2048];

	(void)state;
	slots[1] = 3;
	slots[3] = 1;
	/* Leading slot 0 and everything past slot 3 are skipped; slot 2 is not. */
	assert_string_equal(
	    render(&h, buf, sizeof(buf)),
	    "     usecs               : count    distribution\n"
	    "         1 -> 1          : 3        |****************************************|\n"
	    "         2 -> 3          : 0        |                                        |\n"
	    "         4 -> 7          : 1        |*************                           |\n"
	    "count: 4  p50: 1.0  p90: 5.8  p99: 6.9  (usecs)\n");
}

static void test_print_wide(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);
	char buf[2048], *line2;

	(void)state;
	slots[40] = 5; /* [2^39, 2^40 - 1]: 13 digits */
	render(&h, buf, sizeof(buf));
	line2 = strchr(buf, '\n') + 1;
	assert_memory_equal(buf, "        usecs                  : count", 38);
	assert_memory_equal(line2, " 549755813888 -> 1099511627775 : 5        |*****", 48);
}

static void test_print_linear_catch_all(void **state)
{
	uint64_t slots[4] = {0, 2, 0, 1};
	struct hist_view h = linear_view(slots, 4, 0, 10);
	char buf[2048];

	(void)state;
	render(&h, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\n        10 -> 19         : 2        |*****"));
	assert_non_null(strstr(buf, "\n        30 -> inf        : 1        |*****"));
	assert_non_null(strstr(buf, "(msecs)\n"));
}

static void test_print_empty(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);
	char buf[1024];

	(void)state;
	assert_string_equal(render(&h, buf, sizeof(buf)),
			    "     usecs               : count    distribution\n"
			    "count: 0  p50: 0.0  p90: 0.0  p99: 0.0  (usecs)\n");
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void assert_bucket(struct json_object *b, uint64_t low, uint64_t high, uint64_t count)
{
	assert_int_equal(json_object_get_uint64(get(b, "low")), low);
	assert_int_equal(json_object_get_uint64(get(b, "high")), high);
	assert_int_equal(json_object_get_uint64(get(b, "count")), count);
}

static void test_json(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);
	struct json_object *o, *parsed, *buckets;

	(void)state;
	slots[1] = 50;
	slots[4] = 50;
	slots[63] = 0;
	o = hist_to_json(&h);
	assert_non_null(o);
	/* Round trip through text, as a consumer would see it. */
	parsed = json_tokener_parse(json_object_to_json_string(o));
	assert_non_null(parsed);
	assert_string_equal(json_object_get_string(get(parsed, "unit")), "usecs");
	assert_int_equal(json_object_get_uint64(get(parsed, "count")), 100);
	assert_float_equal(json_object_get_double(get(parsed, "p50")), 1.0, 1e-9);
	assert_float_equal(json_object_get_double(get(parsed, "p90")), 8 + 0.8 * 7, 1e-9);
	assert_float_equal(json_object_get_double(get(parsed, "p99")), 8 + 0.98 * 7, 1e-9);
	buckets = get(parsed, "buckets");
	assert_int_equal(json_object_array_length(buckets), 2); /* empty slots left out */
	assert_bucket(json_object_array_get_idx(buckets, 0), 1, 1, 50);
	assert_bucket(json_object_array_get_idx(buckets, 1), 8, 15, 50);
	json_object_put(parsed);
	json_object_put(o);
}

static void test_json_catch_all(void **state)
{
	uint64_t slots[HIST_SLOTS] = {0};
	struct hist_view h = log2_view(slots, HIST_SLOTS);
	struct json_object *o, *parsed;

	(void)state;
	slots[63] = 2;
	o = hist_to_json(&h);
	parsed = json_tokener_parse(json_object_to_json_string(o));
	assert_non_null(parsed);
	assert_bucket(json_object_array_get_idx(get(parsed, "buckets"), 0), 1ULL << 62, UINT64_MAX,
		      2);
	json_object_put(parsed);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log2_slots),
	    cmocka_unit_test(test_linear_slots),
	    cmocka_unit_test(test_slot_ranges),
	    cmocka_unit_test(test_loglin_slots),
	    cmocka_unit_test(test_bpf_agrees),
	    cmocka_unit_test(test_add_round_trip),
	    cmocka_unit_test(test_sum_percpu),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_one_slot),
	    cmocka_unit_test(test_two_slots),
	    cmocka_unit_test(test_linear_estimates),
	    cmocka_unit_test(test_catch_all_estimate),
	    cmocka_unit_test(test_print),
	    cmocka_unit_test(test_print_wide),
	    cmocka_unit_test(test_print_linear_catch_all),
	    cmocka_unit_test(test_print_empty),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_catch_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
