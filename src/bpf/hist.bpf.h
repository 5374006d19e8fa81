/* Kernel-side histogram slot arithmetic; must agree with src/core/hist.c. */
#ifndef BPFSCOPE_HIST_BPF_H
#define BPFSCOPE_HIST_BPF_H

#include "bpf/hist.h"

/* floor(log2(v)) for v > 0, without a count-leading-zeros instruction. */
static __always_inline __u32 hist_ilog2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 hist_log2_slot(__u64 v)
{
	__u32 slot = v ? hist_ilog2(v) + 1 : 0;

	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

static __always_inline __u32 hist_loglin_slot(__u64 v)
{
	__u32 m, slot;

	if (v < 16)
		return v;
	m = hist_ilog2(v);
	slot = 16 + (m - 4) * HIST_LOGLIN_SUB + ((v >> (m - 3)) & (HIST_LOGLIN_SUB - 1));
	return slot < HIST_LOGLIN_SLOTS ? slot : HIST_LOGLIN_SLOTS - 1;
}

static __always_inline void hist_add_log2(struct hist *h, __u64 v)
{
	__u32 slot = hist_log2_slot(v);

	/* The verifier before ~6.8 loses the bound that hist_log2_slot's clamp
	 * puts on a copy of slot (6.1: "unbounded memory access"); a mask the
	 * compiler cannot drop gives it one it can see. */
	barrier_var(slot);
	h->slots[slot & (HIST_SLOTS - 1)]++;
}

#endif
