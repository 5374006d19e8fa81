/* Kernel timestamps (bpf_ktime_get_ns: CLOCK_MONOTONIC) to wall-clock time.
 * The offset is sampled once at start, taking the tightest of several
 * realtime/monotonic/realtime brackets. */
#ifndef BPFSCOPE_CLOCK_H
#define BPFSCOPE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

uint64_t clock_mono_ns(void);
/* CLOCK_MONOTONIC in seconds, for intervals and deadlines */
double clock_mono_s(void);
uint64_t clock_wall_ns(void);
uint64_t clock_mono_to_wall(uint64_t mono_ns);
/* "HH:MM:SS.uuuuuu" (local time) */
void clock_format_time(uint64_t wall_ns, char *buf, size_t len);
/* "2026-11-25T21:40:01.123456789Z" */
void clock_format_iso(uint64_t wall_ns, char *buf, size_t len);

#endif
