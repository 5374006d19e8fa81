/* syscount: raw_syscalls sys_enter/sys_exit, counted in a per-CPU hash keyed
 * by (pid or 0, syscall number) at exit, where the result is known (so -x
 * works; exit/exit_group never return and are not counted). With latency,
 * entry time is kept per thread and the delta summed per key. */
#include "bpf/common.bpf.h"
#include "bpf/syscount.h"

const volatile bool per_process = false;
const volatile bool with_latency = false;
const volatile bool failed_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SYSCOUNT_MAX_KEYS);
	__type(key, struct syscount_key);
	__type(value, struct syscount_val);
} counts SEC(".maps");

static const struct syscount_val zero_val = {};

SEC("tp/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now;

	if (!with_latency || !filter_current())
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&starts, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline struct syscount_val *val_of(struct syscount_key *key)
{
	struct syscount_val *v = bpf_map_lookup_elem(&counts, key);

	if (v)
		return v;
	bpf_map_update_elem(&counts, key, &zero_val, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&counts, key);
	if (!v)
		stat_inc(STAT_ERRORS);
	else if (per_process)
		bpf_get_current_comm(&v->comm, sizeof(v->comm));
	return v;
}

SEC("tp/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), *start = NULL, delta = 0;
	struct syscount_key key = { per_process ? id >> 32 : 0, ctx->id };
	__u32 tid = (__u32)id;
	struct syscount_val *v;

	if (with_latency) {
		start = bpf_map_lookup_elem(&starts, &tid);
		if (!start)
			return 0; /* filtered out at entry, or entered before we attached */
		delta = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&starts, &tid);
	} else if (!filter_current()) {
		return 0;
	}
	if ((failed_only && ctx->ret >= 0) || ctx->id < 0)
		return 0;
	v = val_of(&key);
	if (!v)
		return 0;
	v->count++;
	v->errors += ctx->ret < 0;
	v->total_ns += delta;
	return 0;
}
