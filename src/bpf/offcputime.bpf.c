/* offcputime: at sched_switch the task leaving the CPU (still current) has
 * its stacks captured and its switch-out time stored per thread; when it is
 * switched back in, the time it spent off CPU is added to that stack.
 * tp_btf preferred, raw_tp fallback; one body serves both. */
#include "bpf/common.bpf.h"
#include "bpf/stacks.bpf.h"
#include "bpf/offcputime.h"

const volatile __u64 min_block_ns = 1;
const volatile __u64 max_block_ns = ~0ULL;

struct switched_out {
	__u64 ts;
	struct stack_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* threads that exit leave entries */
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct switched_out);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_STACKS);
	__type(key, struct stack_key);
	__type(value, struct stack_value);
} counts SEC(".maps");

/* Per-CPU scratch: struct switched_out is too big to build on the stack
 * next to the stack walk's own frame. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct switched_out);
} scratch SEC(".maps");

static __always_inline void switch_out(void *ctx, struct task_struct *prev)
{
	__u32 tid = BPF_CORE_READ(prev, pid), zero = 0;
	struct switched_out *s;

	if (!tid || !filter_current())
		return;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	s->ts = bpf_ktime_get_ns();
	s->key.user_caller = 0;
	stacks_fill_key(ctx, &s->key);
	if (bpf_map_update_elem(&starts, &tid, s, BPF_ANY))
		stat_inc(STAT_ERRORS);
}

static __always_inline void switch_in(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	struct switched_out *s = bpf_map_lookup_elem(&starts, &tid);
	__u64 delta;

	if (!s)
		return;
	delta = bpf_ktime_get_ns() - s->ts;
	if (delta >= min_block_ns && delta <= max_block_ns)
		stacks_count(&counts, &s->key, delta);
	bpf_map_delete_elem(&starts, &tid);
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	switch_out(ctx, prev);
	switch_in(next);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, prev, next);
}
