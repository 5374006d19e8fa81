/* bpfscope discover: counting probes on many functions at once
 * (src/bpf/discover.bpf.c, src/tools/discover.c). The attach cookie of each
 * function probe is its index in the candidate list, with DISCOVER_TIMED
 * set when its return is probed too. Plain types only. */
#ifndef BPFSCOPE_BPF_DISCOVER_H
#define BPFSCOPE_BPF_DISCOVER_H

#include "bpf/common.h"

#define DISCOVER_MAX_FUNCS 16384
#define DISCOVER_TIMED (1u << 31) /* cookie flag: the return is probed */
#define DISCOVER_STACK 32         /* frames kept per thread for timing */

/* Per function (per-CPU array indexed by function). */
struct disc_stat {
	__u64 calls;
	__u64 returns;  /* paired returns (timed functions) */
	__u64 time_ns;  /* inclusive time of the paired returns */
};

/* Session counters (per-CPU array). */
enum disc_counter {
	DISC_ROOT_CALLS,   /* --within: root invocations */
	DISC_OUTSIDE,      /* calls outside any root invocation (not counted) */
	DISC_STALE,        /* frames whose return never came (longjmp, exceptions) */
	DISC_DEEP,         /* calls nested deeper than DISCOVER_STACK: not timed */
	DISC_UNPAIRED,     /* returns without a recorded entry (attached mid-call) */
	DISC__COUNT
};

#endif
