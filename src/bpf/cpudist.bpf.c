/* cpudist: on-CPU time per scheduling (switch in to switch out), or with
 * offcpu the time from switch out to switch in, as log2 histograms summed
 * in the kernel, per process or for everything. tp_btf preferred, raw_tp
 * fallback; one body through BPF_CORE_READ. The idle task is skipped. */
#include "bpf/common.bpf.h"
#include "bpf/keyhist.bpf.h"

const volatile bool offcpu = false;
const volatile bool per_process = false;
const volatile bool in_msecs = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

KEYHIST_MAP(hists);

static __always_inline void mark(struct task_struct *t, __u64 now)
{
	__u32 tid = BPF_CORE_READ(t, pid);

	if (tid && filter_task(t))
		bpf_map_update_elem(&starts, &tid, &now, BPF_ANY);
}

static __always_inline void account(struct task_struct *t, __u64 now)
{
	__u32 tid = BPF_CORE_READ(t, pid), key;
	struct keyed_hist *h;
	__u64 *start, delta;

	start = bpf_map_lookup_elem(&starts, &tid);
	if (!start)
		return;
	delta = (now - *start) / (in_msecs ? 1000000 : 1000);
	bpf_map_delete_elem(&starts, &tid);
	key = per_process ? BPF_CORE_READ(t, tgid) : 0;
	h = keyhist_get(&hists, key);
	if (!h)
		return;
	if (per_process && !h->label[0])
		BPF_CORE_READ_STR_INTO(&h->label, t, comm);
	hist_add_log2(&h->hist, delta);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	if (offcpu) {
		mark(prev, now);
		account(next, now);
	} else {
		account(prev, now);
		mark(next, now);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}
