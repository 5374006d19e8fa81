/* runqlat: time from a task becoming runnable (wakeup, or preemption while
 * still runnable) to running on a CPU, aggregated in the kernel into per-CPU
 * log2 histograms. tp_btf is preferred; raw_tp is the fallback. Both read the
 * task through BPF_CORE_READ so one body serves both. */
#include "bpf/common.bpf.h"
#include "bpf/hist.bpf.h"
#include "bpf/runqlat.h"

#define TASK_RUNNING 0

const volatile __u32 group_by = RUNQLAT_ALL;
const volatile bool in_msecs = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} enqueued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct runqlat_hist);
} hists SEC(".maps");

static const struct runqlat_hist empty_hist = {};

/* task_struct::state became __state in 5.14 */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline void mark_enqueued(struct task_struct *t)
{
	__u32 tid = BPF_CORE_READ(t, pid);
	__u64 now;

	if (!tid || !filter_task(t))
		return;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&enqueued, &tid, &now, BPF_ANY);
}

static __always_inline __u32 group_key(struct task_struct *t)
{
	if (group_by == RUNQLAT_PER_PROCESS)
		return BPF_CORE_READ(t, tgid);
	if (group_by == RUNQLAT_PER_THREAD)
		return BPF_CORE_READ(t, pid);
	return 0;
}

static __always_inline void account(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid), key;
	struct runqlat_hist *h;
	__u64 *start, delta;

	start = bpf_map_lookup_elem(&enqueued, &tid);
	if (!start)
		return;
	delta = (bpf_ktime_get_ns() - *start) / (in_msecs ? 1000000 : 1000);
	bpf_map_delete_elem(&enqueued, &tid);
	key = group_key(next);
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &empty_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			stat_inc(STAT_ERRORS);
			return;
		}
	}
	if (!h->comm[0])
		BPF_CORE_READ_STR_INTO(&h->comm, next, comm);
	hist_add_log2(&h->hist, delta);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	if (task_state(prev) == TASK_RUNNING)
		mark_enqueued(prev);
	account(next);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup__tp_btf, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new__tp_btf, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup__raw_tp, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new__raw_tp, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}
