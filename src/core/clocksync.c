/* See clocksync.h. */
#include "core/clocksync.h"

#include <stdint.h>
#include <sys/timex.h>
#include <time.h>

static uint64_t now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Tightest of several realtime/monotonic/realtime brackets. */
static int64_t sample_mono_offset(void)
{
	uint64_t best_gap = UINT64_MAX;
	int64_t offset = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t w1 = now(CLOCK_REALTIME), m = now(CLOCK_MONOTONIC),
			 w2 = now(CLOCK_REALTIME);

		if (w2 - w1 < best_gap) {
			best_gap = w2 - w1;
			offset = (int64_t)(w1 + (w2 - w1) / 2 - m);
		}
	}
	return offset;
}

void clocksync_refresh(struct clocksync *cs)
{
	struct timex tx = {0};
	int state = adjtimex(&tx);

	cs->tai_offset_s = tx.tai;
	cs->synced = state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	cs->maxerror_us = tx.maxerror;
	cs->esterror_us = tx.esterror;
	cs->mono_offset_ns = sample_mono_offset();
}

void clocksync_init(struct clocksync *cs, bool tai)
{
	cs->tai = tai;
	clocksync_refresh(cs);
}

uint64_t clocksync_to_wall(const struct clocksync *cs, uint64_t kernel_ns)
{
	if (cs->tai)
		return kernel_ns - (uint64_t)(cs->tai_offset_s * 1000000000ll);
	return (uint64_t)((int64_t)kernel_ns + cs->mono_offset_ns);
}

const char *clocksync_source(const struct clocksync *cs)
{
	return cs->tai ? "tai" : "monotonic+offset";
}
