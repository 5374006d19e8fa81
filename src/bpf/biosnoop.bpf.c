/* biosnoop: one event per completed block request with its submitter,
 * disk, type, sector, size, device latency and queue time. */
#include "bpf/common.bpf.h"
#include "bpf/blk.bpf.h"
#include "bpf/biosnoop.h"

static __always_inline void on_blk_done(struct request *rq, const struct blk_start *s, __u64 now)
{
	struct bio_event *e = event_reserve(sizeof(*e));
	struct gendisk *disk;

	if (!e)
		return;
	e->ts_ns = now;
	e->sector = BPF_CORE_READ(rq, __sector);
	e->latency_ns = now - s->issued_ns;
	e->queued_ns = s->queued_ns ? s->issued_ns - s->queued_ns : 0;
	e->bytes = BPF_CORE_READ(rq, __data_len);
	e->dev = blk_dev(rq);
	e->flags = blk_flags(rq);
	e->pid = s->pid;
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	disk = blk_disk(rq);
	e->disk[0] = 0;
	if (disk)
		BPF_CORE_READ_STR_INTO(&e->disk, disk, disk_name);
	event_submit(e);
}
