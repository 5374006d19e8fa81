/* Histograms: slot arithmetic shared with the BPF side (src/bpf/hist.h),
 * summing of per-CPU copies, percentile estimates and the familiar text
 * rendering (BCC style star bars) plus a JSON form. */
#ifndef BPFSCOPE_HIST_H
#define BPFSCOPE_HIST_H

#include <stdint.h>
#include <stdio.h>

struct json_object;

enum hist_kind { HIST_LOG2, HIST_LINEAR, HIST_LOGLIN /* src/bpf/hist.h */ };

struct hist_view {
	enum hist_kind kind;
	uint64_t min;  /* linear only: lower bound of slot 0 */
	uint64_t step; /* linear only: width of each slot (>= 1) */
	const uint64_t *slots;
	unsigned nslots;
	const char *unit; /* "usecs", "nsecs", "bytes", ... */
};

unsigned hist_log2_slot(uint64_t value, unsigned nslots);
unsigned hist_loglin_slot(uint64_t value, unsigned nslots);
unsigned hist_linear_slot(uint64_t value, uint64_t min, uint64_t step, unsigned nslots);
/* Inclusive value range covered by a slot. */
void hist_slot_range(const struct hist_view *h, unsigned slot, uint64_t *low, uint64_t *high);
void hist_add(const struct hist_view *h, uint64_t *slots, uint64_t value);

/* dst[i] = sum over cpus of percpu[cpu * nslots + i] */
void hist_sum_percpu(uint64_t *dst, const uint64_t *percpu, unsigned ncpus, unsigned nslots);

uint64_t hist_total(const struct hist_view *h);
/* Estimated p-th percentile (0..100), interpolated linearly inside the slot
 * that holds it; 0 for an empty histogram. */
double hist_percentile(const struct hist_view *h, double p);
/* Estimated mean from slot midpoints; 0 for an empty histogram. */
double hist_mean(const struct hist_view *h);

/* BCC-style text:
 *      usecs               : count    distribution
 *          0 -> 1          : 3        |****                                    |
 * Leading and trailing empty slots are skipped. Followed by a line with
 * count, p50, p90, p99. */
void hist_print(FILE *out, const struct hist_view *h);

/* {"unit":"usecs","count":N,"p50":..,"p90":..,"p99":..,
 *  "buckets":[{"low":0,"high":1,"count":3},...]} (only non-empty buckets) */
struct json_object *hist_to_json(const struct hist_view *h);

#endif
