/* Histograms (see hist.h and src/bpf/hist.h for the slot layout).
 *
 * A slot has two ranges:
 *  - the range it covers, which hist_slot_range() reports: values are
 *    clamped into the first and last slots, so the last slot reaches
 *    UINT64_MAX and linear slot 0 reaches down to 0 when min > 0;
 *  - its nominal range, the width it would have without clamping, which
 *    the estimates use so one outlier in the catch-all slot does not turn a
 *    percentile or the mean into 1.8e19.
 *
 * Percentiles walk the cumulative counts to the slot holding rank p% of the
 * total and interpolate linearly between that slot's low and high, so an
 * estimate always lies inside a slot that really has samples; the mean uses
 * slot midpoints. Counts are summed in 64 bits and the star bar is scaled in
 * 128 bits so huge counts neither overflow nor round a full bar down. */
#include "core/hist.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include <linux/types.h>

#include "bpf/hist.h"

#define BAR_WIDTH     40
#define MIN_COL_WIDTH 10

unsigned hist_log2_slot(uint64_t value, unsigned nslots)
{
	unsigned slot = value ? 64 - (unsigned)__builtin_clzll(value) : 0;

	if (!nslots)
		return 0;
	return slot < nslots ? slot : nslots - 1;
}

unsigned hist_loglin_slot(uint64_t value, unsigned nslots)
{
	unsigned m, slot;

	if (!nslots)
		return 0;
	if (value < 16)
		slot = (unsigned)value;
	else {
		m = 63 - (unsigned)__builtin_clzll(value);
		slot = 16 + (m - 4) * HIST_LOGLIN_SUB +
		       (unsigned)((value >> (m - 3)) & (HIST_LOGLIN_SUB - 1));
	}
	return slot < nslots ? slot : nslots - 1;
}

unsigned hist_linear_slot(uint64_t value, uint64_t min, uint64_t step, unsigned nslots)
{
	uint64_t slot;

	if (!nslots || value < min)
		return 0;
	slot = (value - min) / (step ? step : 1);
	return slot < nslots ? (unsigned)slot : nslots - 1;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Range of a slot as if no value were clamped into it. */
static void nominal_range(const struct hist_view *h, unsigned slot, uint64_t *low, uint64_t *high)
{
	uint64_t step = h->step ? h->step : 1;

	if (h->kind == HIST_LINEAR) {
		*low = sat_add(h->min, sat_mul(slot, step));
		*high = sat_add(*low, step - 1);
	} else if (h->kind == HIST_LOGLIN) {
		unsigned m = 4 + (slot - 16) / HIST_LOGLIN_SUB, k = (slot - 16) % HIST_LOGLIN_SUB;

		if (slot < 16) {
			*low = *high = slot;
		} else if (m > 62) {
			*low = *high = UINT64_MAX;
		} else {
			*low = (uint64_t)(HIST_LOGLIN_SUB + k) << (m - 3);
			*high = *low + (1ULL << (m - 3)) - 1;
		}
	} else if (slot == 0) {
		*low = *high = 0;
	} else if (slot < 64) {
		*low = 1ULL << (slot - 1);
		*high = (1ULL << slot) - 1;
	} else {
		*low = slot == 64 ? 1ULL << 63 : UINT64_MAX;
		*high = UINT64_MAX;
	}
}

void hist_slot_range(const struct hist_view *h, unsigned slot, uint64_t *low, uint64_t *high)
{
	nominal_range(h, slot, low, high);
	if (h->nslots && slot == h->nslots - 1)
		*high = UINT64_MAX;
	if (h->kind == HIST_LINEAR && slot == 0)
		*low = 0;
}

void hist_add(const struct hist_view *h, uint64_t *slots, uint64_t value)
{
	unsigned slot;

	if (!h->nslots)
		return;
	if (h->kind == HIST_LINEAR)
		slot = hist_linear_slot(value, h->min, h->step, h->nslots);
	else if (h->kind == HIST_LOGLIN)
		slot = hist_loglin_slot(value, h->nslots);
	else
		slot = hist_log2_slot(value, h->nslots);
	slots[slot]++;
}

void hist_sum_percpu(uint64_t *dst, const uint64_t *percpu, unsigned ncpus, unsigned nslots)
{
	for (unsigned i = 0; i < nslots; i++) {
		dst[i] = 0;
		for (unsigned cpu = 0; cpu < ncpus; cpu++)
			dst[i] += percpu[(size_t)cpu * nslots + i];
	}
}

uint64_t hist_total(const struct hist_view *h)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < h->nslots; i++)
		total += h->slots[i];
	return total;
}

double hist_percentile(const struct hist_view *h, double p)
{
	uint64_t total = hist_total(h), low, high;
	double target, cum = 0;

	if (!total)
		return 0;
	if (!(p > 0)) /* also catches NaN */
		p = 0;
	if (p > 100)
		p = 100;
	target = p / 100.0 * (double)total;
	for (unsigned i = 0; i < h->nslots; i++) {
		double count = (double)h->slots[i];

		if (!h->slots[i])
			continue;
		if (cum + count >= target) {
			nominal_range(h, i, &low, &high);
			return (double)low + (target - cum) / count * (double)(high - low);
		}
		cum += count;
	}
	/* Only reached through rounding: answer with the last non-empty slot. */
	for (unsigned i = h->nslots; i-- > 0;)
		if (h->slots[i]) {
			nominal_range(h, i, &low, &high);
			return (double)high;
		}
	return 0;
}

double hist_mean(const struct hist_view *h)
{
	uint64_t total = hist_total(h), low, high;
	double sum = 0;

	if (!total)
		return 0;
	for (unsigned i = 0; i < h->nslots; i++) {
		if (!h->slots[i])
			continue;
		nominal_range(h, i, &low, &high);
		sum += (double)h->slots[i] * ((double)low + (double)(high - low) / 2.0);
	}
	return sum / (double)total;
}

/* First and last non-empty slots; false for an empty histogram. */
static bool used_slots(const struct hist_view *h, unsigned *first, unsigned *last)
{
	bool any = false;

	for (unsigned i = 0; i < h->nslots; i++) {
		if (!h->slots[i])
			continue;
		if (!any)
			*first = i;
		*last = i;
		any = true;
	}
	return any;
}

static const char *unit_of(const struct hist_view *h)
{
	return h->unit ? h->unit : "value";
}

/* A bound as text; the open end of the catch-all slot reads "inf". */
static void fmt_bound(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "inf");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static int column_width(const struct hist_view *h, unsigned first, unsigned last)
{
	char buf[32];
	uint64_t low, high;
	int width = MIN_COL_WIDTH;

	for (unsigned i = first; i <= last; i++) {
		hist_slot_range(h, i, &low, &high);
		fmt_bound(buf, sizeof(buf), high);
		if ((int)strlen(buf) > width)
			width = (int)strlen(buf);
	}
	return width;
}

static void print_row(FILE *out, const struct hist_view *h, unsigned slot, int width, uint64_t max)
{
	char lo[32], hi[32], bar[BAR_WIDTH + 1];
	uint64_t low, high, count = h->slots[slot];
	unsigned stars = (unsigned)((unsigned __int128)count * BAR_WIDTH / max);

	hist_slot_range(h, slot, &low, &high);
	fmt_bound(lo, sizeof(lo), low);
	fmt_bound(hi, sizeof(hi), high);
	memset(bar, '*', stars);
	memset(bar + stars, ' ', BAR_WIDTH - stars);
	bar[BAR_WIDTH] = '\0';
	fprintf(out, "%*s -> %-*s : %-8" PRIu64 " |%s|\n", width, lo, width, hi, count, bar);
}

static void print_summary(FILE *out, const struct hist_view *h)
{
	fprintf(out, "count: %" PRIu64 "  p50: %.1f  p90: %.1f  p99: %.1f  (%s)\n", hist_total(h),
		hist_percentile(h, 50), hist_percentile(h, 90), hist_percentile(h, 99), unit_of(h));
}

void hist_print(FILE *out, const struct hist_view *h)
{
	unsigned first = 0, last = 0;
	uint64_t max = 0;
	int width;

	if (!used_slots(h, &first, &last)) {
		fprintf(out, "%*s%-*s : count    distribution\n", MIN_COL_WIDTH - 5, "",
			MIN_COL_WIDTH + 9, unit_of(h));
		print_summary(out, h);
		return;
	}
	width = column_width(h, first, last);
	for (unsigned i = first; i <= last; i++)
		max = h->slots[i] > max ? h->slots[i] : max;
	fprintf(out, "%*s%-*s : count    distribution\n", width - 5, "", width + 9, unit_of(h));
	for (unsigned i = first; i <= last; i++)
		print_row(out, h, i, width, max);
	print_summary(out, h);
}

static struct json_object *bucket_json(const struct hist_view *h, unsigned slot)
{
	struct json_object *b = json_object_new_object();
	uint64_t low, high;

	if (!b)
		return NULL;
	hist_slot_range(h, slot, &low, &high);
	json_object_object_add(b, "low", json_object_new_uint64(low));
	json_object_object_add(b, "high", json_object_new_uint64(high));
	json_object_object_add(b, "count", json_object_new_uint64(h->slots[slot]));
	return b;
}

struct json_object *hist_to_json(const struct hist_view *h)
{
	struct json_object *o = json_object_new_object();
	struct json_object *buckets = json_object_new_array();

	if (!o || !buckets) {
		json_object_put(o);
		json_object_put(buckets);
		return NULL;
	}
	json_object_object_add(o, "unit", json_object_new_string(unit_of(h)));
	json_object_object_add(o, "count", json_object_new_uint64(hist_total(h)));
	json_object_object_add(o, "p50", json_object_new_double(hist_percentile(h, 50)));
	json_object_object_add(o, "p90", json_object_new_double(hist_percentile(h, 90)));
	json_object_object_add(o, "p99", json_object_new_double(hist_percentile(h, 99)));
	for (unsigned i = 0; i < h->nslots; i++)
		if (h->slots[i])
			json_object_array_add(buckets, bucket_json(h, i));
	json_object_object_add(o, "buckets", buckets);
	return o;
}
