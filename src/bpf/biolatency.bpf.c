/* biolatency: block I/O latency (issue to completion, or with queued from
 * creation/insert to completion) as log2 histograms summed in the kernel,
 * for everything, per disk or per request type. Pairing: bpf/blk.bpf.h. */
#include "bpf/common.bpf.h"
#include "bpf/blk.bpf.h"
#include "bpf/keyhist.bpf.h"

enum { BY_NONE, BY_DISK, BY_FLAGS };

const volatile __u32 group_by = BY_NONE;
const volatile bool with_queued = false;
const volatile bool in_msecs = false;

KEYHIST_MAP(hists);

static __always_inline void on_blk_done(struct request *rq, const struct blk_start *s, __u64 now)
{
	__u64 start = with_queued && s->queued_ns ? s->queued_ns : s->issued_ns;
	__u32 key = group_by == BY_DISK ? blk_dev(rq) : group_by == BY_FLAGS ? blk_flags(rq) : 0;
	struct keyed_hist *h = keyhist_get(&hists, key);
	struct gendisk *disk;

	if (!h)
		return;
	if (group_by == BY_DISK && !h->label[0] && (disk = blk_disk(rq)))
		BPF_CORE_READ_STR_INTO(&h->label, disk, disk_name);
	hist_add_log2(&h->hist, (now - start) / (in_msecs ? 1000000 : 1000));
}
