/* See dist.h. */
#include "core/dist.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double dist_percentile_sorted(const double *sorted, size_t n, double p)
{
	double rank;
	size_t lo;

	if (!n)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	rank = p / 100 * (double)(n - 1);
	lo = (size_t)rank;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (rank - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

void dist_compute(double *values, size_t n, struct dist *d)
{
	double sum = 0;

	memset(d, 0, sizeof(*d));
	if (!n)
		return;
	qsort(values, n, sizeof(*values), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += values[i];
	d->count = n;
	d->mean = sum / (double)n;
	d->min = values[0];
	d->max = values[n - 1];
	d->p50 = dist_percentile_sorted(values, n, 50);
	d->p90 = dist_percentile_sorted(values, n, 90);
	d->p99 = dist_percentile_sorted(values, n, 99);
}
