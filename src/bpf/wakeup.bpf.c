/* wakeup: at sched_wakeup the current task is the waker (or whatever an
 * interrupt interrupted: the kernel stack then shows the interrupt path)
 * and the argument is the wakee. The wakeup is counted per (waker, wakee)
 * pair and per waker stack at once; the time is remembered per wakee thread,
 * and when sched_switch puts that thread on a CPU the wakeup-to-run latency
 * goes into the pair's histogram. The filter applies to the wakee: "who
 * wakes this process". tp_btf preferred, raw_tp fallback. */
#include "bpf/common.bpf.h"
#include "bpf/hist.bpf.h"
#include "bpf/stacks.bpf.h"
#include "bpf/wakeup.h"

struct pending {
	__u64 ts;
	struct wakeup_pair pair;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* threads that exit leave entries */
	__uint(max_entries, WAKEUP_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WAKEUP_MAX_PAIRS);
	__type(key, struct wakeup_pair);
	__type(value, struct wakeup_stats);
} pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WAKEUP_MAX_STACKS);
	__type(key, struct wakeup_stack_key);
	__type(value, struct stack_value);
} waker_stacks SEC(".maps");

static const struct wakeup_stats empty_stats = {};

static __always_inline struct wakeup_stats *pair_stats(const struct wakeup_pair *pair)
{
	struct wakeup_stats *st = bpf_map_lookup_elem(&pairs, pair);

	if (st)
		return st;
	bpf_map_update_elem(&pairs, pair, &empty_stats, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&pairs, pair);
	if (!st)
		stat_inc(STAT_ERRORS);
	return st;
}

static __always_inline void on_wakeup(void *ctx, struct task_struct *p)
{
	struct wakeup_stack_key skey = {};
	struct pending pend = {};
	struct wakeup_stats *st;
	__u32 tid = BPF_CORE_READ(p, pid);

	if (!tid || !filter_task(p))
		return;
	stacks_fill_key(ctx, &skey.waker);
	pend.ts = bpf_ktime_get_ns();
	pend.pair.waker_pid = skey.waker.pid;
	__builtin_memcpy(pend.pair.waker_comm, skey.waker.comm, TASK_COMM_LEN);
	pend.pair.wakee_pid = BPF_CORE_READ(p, tgid);
	BPF_CORE_READ_STR_INTO(&pend.pair.wakee_comm, p, comm);
	skey.wakee_pid = pend.pair.wakee_pid;
	__builtin_memcpy(skey.wakee_comm, pend.pair.wakee_comm, TASK_COMM_LEN);

	st = pair_stats(&pend.pair);
	if (st)
		__sync_fetch_and_add(&st->wakeups, 1);
	stacks_count(&waker_stacks, &skey, 1);
	bpf_map_update_elem(&pending, &tid, &pend, BPF_ANY);
}

static __always_inline void on_switch(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	__u64 slot;
	struct pending *pend = bpf_map_lookup_elem(&pending, &tid);
	struct wakeup_stats *st;
	__u64 delta;

	if (!pend)
		return;
	delta = bpf_ktime_get_ns() - pend->ts;
	st = pair_stats(&pend->pair);
	if (st) {
		__sync_fetch_and_add(&st->runs, 1);
		__sync_fetch_and_add(&st->latency_ns, delta);
		/* the compiler knows slot < HIST_SLOTS and drops any check; the
		 * verifier does not: mask it where the compiler cannot see */
		slot = hist_log2_slot(delta / 1000);
		asm volatile("%[s] &= %[m]" : [s] "+r"(slot) : [m] "i"(HIST_SLOTS - 1));
		__sync_fetch_and_add(&st->latency.slots[slot], 1);
	}
	bpf_map_delete_elem(&pending, &tid);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup__tp_btf, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(next);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup__raw_tp, struct task_struct *p)
{
	on_wakeup(ctx, p);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(next);
	return 0;
}
