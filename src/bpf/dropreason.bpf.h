/* The drop reason of a kfree_skb event, or DROP_REASON_UNKNOWN on kernels
 * before 5.17 whose tracepoint has no reason: the context must not be read
 * there (tp_btf/raw_tp: the verifier rejects the third argument; tracepoint:
 * the field does not exist), so both reads are guarded by CO-RE checks that
 * libbpf resolves to constants. */
#ifndef BPFSCOPE_DROPREASON_BPF_H
#define BPFSCOPE_DROPREASON_BPF_H

#include "bpf/dropreason.h"

/* tp_btf and raw_tp: (struct sk_buff *skb, void *location[, reason]) */
static __always_inline __u32 kfree_skb_btf_reason(__u64 *ctx)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
		return (__u32)ctx[2];
	return DROP_REASON_UNKNOWN;
}

/* tp/skb/kfree_skb */
static __always_inline __u32 kfree_skb_tp_reason(struct trace_event_raw_kfree_skb *ctx)
{
	if (bpf_core_field_exists(ctx->reason))
		return BPF_CORE_READ(ctx, reason);
	return DROP_REASON_UNKNOWN;
}

#endif
