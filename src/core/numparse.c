/* Strict number parsing (declared in options.h): the whole string must be a
 * number in range. Its own file so that pure parsers (peer patterns, the
 * prediction model) and their fuzzers need nothing else of the options. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/options.h"

int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || isnan(v) || isinf(v))
		return -EINVAL;
	if ((min || max) && (v < min || v > max))
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (!*s || *end || errno)
		return -EINVAL;
	if ((min || max) && (v < min || v > max))
		return -ERANGE;
	*out = v;
	return 0;
}
