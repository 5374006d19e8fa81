#include "core/clock.h"

#include <stdio.h>
#include <time.h>

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

double clock_mono_s(void)
{
	return clock_mono_ns() / 1e9;
}

uint64_t clock_wall_ns(void)
{
	return ts_ns(CLOCK_REALTIME);
}

static int64_t wall_offset(void)
{
	static int64_t offset;
	static int known;
	uint64_t best_gap = UINT64_MAX;

	if (known)
		return offset;
	for (int i = 0; i < 8; i++) {
		uint64_t w1 = clock_wall_ns(), m = clock_mono_ns(), w2 = clock_wall_ns();

		if (w2 - w1 < best_gap) {
			best_gap = w2 - w1;
			offset = (int64_t)(w1 + (w2 - w1) / 2 - m);
		}
	}
	known = 1;
	return offset;
}

uint64_t clock_mono_to_wall(uint64_t mono_ns)
{
	return (uint64_t)((int64_t)mono_ns + wall_offset());
}

void clock_format_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char hms[16];

	localtime_r(&secs, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06llu", hms, (unsigned long long)(wall_ns % 1000000000ull) / 1000);
}

void clock_format_iso(uint64_t wall_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char date[32];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lluZ", date, (unsigned long long)(wall_ns % 1000000000ull));
}
