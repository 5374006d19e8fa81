/* bitesize: block I/O size (KiB, log2) per submitting process, summed in
 * the kernel at completion. Pairing and submitter: bpf/blk.bpf.h. */
#include "bpf/common.bpf.h"
#include "bpf/blk.bpf.h"
#include "bpf/keyhist.bpf.h"

KEYHIST_MAP(hists);

static __always_inline void on_blk_done(struct request *rq, const struct blk_start *s, __u64 now)
{
	struct keyed_hist *h = keyhist_get(&hists, s->pid);

	if (!h)
		return;
	if (!h->label[0])
		__builtin_memcpy(h->label, s->comm, sizeof(h->label));
	hist_add_log2(&h->hist, BPF_CORE_READ(rq, __data_len) / 1024);
}
