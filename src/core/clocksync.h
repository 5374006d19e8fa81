/* Wall-clock time of kernel timestamps taken on several hosts, and how far
 * the local clock can be trusted.
 *
 * Cross-host joins subtract timestamps taken on different machines, so they
 * need wall-clock (UTC) time in the kernel. bpf_ktime_get_tai_ns (6.2+)
 * reads CLOCK_TAI, which is CLOCK_REALTIME plus the kernel's TAI offset
 * (adjtimex's tai field; exact, stepped with the realtime clock). Without
 * it, CLOCK_MONOTONIC plus an offset sampled in user space is used and
 * re-sampled by clocksync_refresh, which a caller runs periodically so a
 * clock step is followed.
 *
 * The error bound is what adjtimex(2) reports: esterror (estimated) and
 * maxerror (worst case) in microseconds, as maintained by the NTP/PTP
 * daemon; when the clock is not synchronised (STA_UNSYNC) the bound is
 * unknown and reported as such. */
#ifndef BPFSCOPE_CLOCKSYNC_H
#define BPFSCOPE_CLOCKSYNC_H

#include <stdbool.h>
#include <stdint.h>

struct clocksync {
	bool tai;		/* kernel timestamps are CLOCK_TAI */
	int64_t tai_offset_s;	/* CLOCK_TAI - CLOCK_REALTIME */
	int64_t mono_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool synced;		/* adjtimex: clock disciplined */
	int64_t maxerror_us;	/* adjtimex maxerror */
	int64_t esterror_us;	/* adjtimex esterror */
};

/* Samples offsets and adjtimex; tai chooses the kernel clock. */
void clocksync_init(struct clocksync *cs, bool tai);
void clocksync_refresh(struct clocksync *cs);
uint64_t clocksync_to_wall(const struct clocksync *cs, uint64_t kernel_ns);
/* "tai" or "monotonic+offset" */
const char *clocksync_source(const struct clocksync *cs);

#endif
