/* Pairing block requests from creation to completion, for the block tools.
 *
 * Tracepoints (tp_btf, raw_tp fallback, all with the struct request *):
 *   block_io_start (6.5+, optional)  request created, in the submitter's
 *                                    context: who did the I/O, queue start
 *   block_rq_insert                  queued to the scheduler (also the
 *                                    submitter's context, mostly)
 *   block_rq_issue                   sent to the driver: device start
 *   block_rq_complete                done
 * A record keyed by the request pointer is created at the first of these
 * that passes the target filter (so the pid is the submitter's whenever the
 * submitter created or queued the request) and taken at completion, where
 * the including tool's
 *   static __always_inline void on_blk_done(struct request *rq,
 *                                           const struct blk_start *s, __u64 now);
 * is called. Requests issued before we attached have no record and are
 * skipped; with a target filter, requests issued from a kworker are too. */
#ifndef BPFSCOPE_BLK_BPF_H
#define BPFSCOPE_BLK_BPF_H

#include "bpf/blk.h"

struct blk_start {
	__u64 queued_ns; /* io_start/insert, 0 when not seen */
	__u64 issued_ns; /* issue, 0 when not seen yet */
	__u32 pid;
	__u32 pad;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct blk_start);
} blk_starts SEC(".maps");

static __always_inline void on_blk_done(struct request *rq, const struct blk_start *s, __u64 now);

/* request->rq_disk went away in 5.17 (now request->q->disk) */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *blk_disk(struct request *rq)
{
	if (bpf_core_field_exists(((struct request___old *)rq)->rq_disk))
		return BPF_CORE_READ((struct request___old *)rq, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

static __always_inline __u32 blk_dev(struct request *rq)
{
	struct gendisk *disk = blk_disk(rq);

	return disk ? BLK_DEV(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor)) : 0;
}

static __always_inline __u32 blk_flags(struct request *rq)
{
	__u32 opf = BPF_CORE_READ(rq, cmd_flags), flags = opf & BLK_OP_MASK;

	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		flags |= BLK_F_SYNC;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_META)))
		flags |= BLK_F_META;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_FUA)))
		flags |= BLK_F_FUA;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH)))
		flags |= BLK_F_PREFLUSH;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_RAHEAD)))
		flags |= BLK_F_RAHEAD;
	return flags;
}

static __always_inline void blk_new(__u64 key, __u64 queued, __u64 issued)
{
	struct blk_start s = { queued, issued, bpf_get_current_pid_tgid() >> 32 };

	if (!filter_current())
		return;
	bpf_get_current_comm(&s.comm, sizeof(s.comm));
	bpf_map_update_elem(&blk_starts, &key, &s, BPF_NOEXIST);
}

static __always_inline int blk_queued(struct request *rq)
{
	__u64 key = (__u64)rq;

	if (!bpf_map_lookup_elem(&blk_starts, &key))
		blk_new(key, bpf_ktime_get_ns(), 0);
	return 0;
}

static __always_inline int blk_issued(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct blk_start *s = bpf_map_lookup_elem(&blk_starts, &key);

	if (s)
		s->issued_ns = bpf_ktime_get_ns();
	else
		blk_new(key, 0, bpf_ktime_get_ns());
	return 0;
}

static __always_inline int blk_completed(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct blk_start *s = bpf_map_lookup_elem(&blk_starts, &key);

	if (!s)
		return 0;
	if (s->issued_ns)
		on_blk_done(rq, s, now);
	bpf_map_delete_elem(&blk_starts, &key);
	return 0;
}

/* Each hook as tp_btf, with raw_tp as the fallback the loader picks. */
#define BLK_HOOK(handler, event, fn)                                                               \
	SEC("tp_btf/" #event)                                                                      \
	int BPF_PROG(handler##__tp_btf, struct request *rq)                                        \
	{                                                                                          \
		return fn(rq);                                                                     \
	}                                                                                          \
	SEC("raw_tp/" #event)                                                                      \
	int BPF_PROG(handler##__raw_tp, struct request *rq)                                        \
	{                                                                                          \
		return fn(rq);                                                                     \
	}

BLK_HOOK(io_start_optional, block_io_start, blk_queued)
BLK_HOOK(rq_insert, block_rq_insert, blk_queued)
BLK_HOOK(rq_issue, block_rq_issue, blk_issued)
BLK_HOOK(rq_complete, block_rq_complete, blk_completed)

#endif
