/* profile: a perf_event program run by a software cpu-clock timer on every
 * CPU (works in VMs without a PMU); counts samples per pid + user/kernel
 * stack in the kernel, so a sample costs one stack walk and a map update. */
#include "bpf/common.bpf.h"
#include "bpf/stacks.bpf.h"
#include "bpf/profile.h"

const volatile bool include_idle = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_STACKS);
	__type(key, struct stack_key);
	__type(value, struct stack_value);
} counts SEC(".maps");

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	struct stack_key key = {};

	if (!include_idle && (__u32)bpf_get_current_pid_tgid() == 0)
		return 0;
	if (!filter_current())
		return 0;
	stacks_fill_key(ctx, &key);
	stacks_count(&counts, &key, 1);
	return 0;
}
