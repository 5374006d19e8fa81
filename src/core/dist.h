/* Exact summaries of a set of measurements: count, mean, min, max and
 * percentiles, computed from all values (not from histogram buckets), for
 * offline analysis where every value is at hand (report, predict).
 * Percentiles interpolate linearly between the closest ranks (the common
 * "type 7" definition): p50 of {1, 2, 3, 4} is 2.5. */
#ifndef BPFSCOPE_DIST_H
#define BPFSCOPE_DIST_H

#include <stddef.h>
#include <stdint.h>

struct dist {
	uint64_t count;
	double mean, min, max;
	double p50, p90, p99;
};

/* p (0..100) of values sorted ascending; 0 when n == 0. */
double dist_percentile_sorted(const double *sorted, size_t n, double p);
/* Sorts values in place and fills d (all zero when n == 0). */
void dist_compute(double *values, size_t n, struct dist *d);

#endif
