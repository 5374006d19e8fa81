/* Triggers of the user probe engine (docs/probe-language.md, "Triggers"):
 * "when calls/s of probe X exceed HIGH, capture the next N events of probe
 * Y; re-arm when the rate falls below LOW". Evaluated in the kernel
 * (src/bpf/trigger.bpf.h); user space (src/probe/trigger.c) parses the
 * clause, writes one struct trigger per clause into the "triggers" map and
 * the per-probe masks into .bss before attaching, and reads the counters at
 * exit. Plain types only. */
#ifndef BPFSCOPE_BPF_TRIGGER_H
#define BPFSCOPE_BPF_TRIGGER_H

#include "bpf/common.h"

#define TRIGGER_MAX 8                     /* clauses per session (bits of a __u8 mask) */
#define TRIGGER_NOTICE_PROBE 0xfffffff0u /* struct trigger_notice in the events ring */

enum trigger_state { TRIG_ARMED, TRIG_FIRED };
enum trigger_what { TRIG_NOTICE_FIRED = 1, TRIG_NOTICE_REARMED };

struct trigger {
	/* configuration (user space) */
	__u32 source;      /* probe whose call rate is watched */
	__u32 target;      /* probe whose events are captured */
	__u64 window_ns;   /* the rate is measured over windows this long */
	__u64 high, low;   /* calls/s: fire above high, re-arm below low */
	__s64 captures;    /* events captured per firing */
	__u32 max_fires;   /* 0: no limit */
	__u32 state;       /* enum trigger_state */
	/* state and counters (kernel) */
	__u64 window_start;
	__u64 count;       /* source hits in the current window */
	__s64 left;        /* captures left in the current firing */
	__u64 fires, rearms, captured;
	__u64 gated;       /* target hits outside a capture (not run) */
	__u64 last_rate;
};

/* Sent through the events ring when a trigger fires or re-arms. */
struct trigger_notice {
	__u32 probe;       /* TRIGGER_NOTICE_PROBE */
	__u32 trigger;
	__u32 what;        /* enum trigger_what */
	__u32 pad;
	__u64 ts_ns;
	__u64 rate;        /* calls/s of the window that decided */
};

#endif
