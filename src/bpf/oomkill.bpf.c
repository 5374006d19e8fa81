/* oomkill: oom:mark_victim fires inside the OOM killer, in the context of
 * the task whose allocation failed (the trigger), with the chosen victim's
 * pid, comm and memory sizes (kB) as tracepoint fields. Fields newer than
 * the pid (comm, rss, uid, oom_score_adj came in 5.x/6.x) are read only when
 * CO-RE says they exist. No kprobe on oom_kill_process is needed. */
#include "bpf/common.bpf.h"
#include "bpf/oomkill.h"

static __always_inline void read_victim(struct trace_event_raw_mark_victim *ctx, struct oom_event *e)
{
	if (bpf_core_field_exists(ctx->__data_loc_comm)) {
		__u32 loc = BPF_CORE_READ(ctx, __data_loc_comm);

		bpf_probe_read_kernel_str(e->victim_comm, sizeof(e->victim_comm),
					  (void *)ctx + (loc & 0xffff));
	}
	if (bpf_core_field_exists(ctx->total_vm)) {
		e->total_vm_kb = BPF_CORE_READ(ctx, total_vm);
		e->anon_rss_kb = BPF_CORE_READ(ctx, anon_rss);
		e->file_rss_kb = BPF_CORE_READ(ctx, file_rss);
		e->shmem_rss_kb = BPF_CORE_READ(ctx, shmem_rss);
	}
	if (bpf_core_field_exists(ctx->uid))
		e->victim_uid = BPF_CORE_READ(ctx, uid);
	if (bpf_core_field_exists(ctx->pgtables))
		e->pgtables_kb = BPF_CORE_READ(ctx, pgtables);
	if (bpf_core_field_exists(ctx->oom_score_adj))
		e->oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
}

SEC("tp/oom/mark_victim")
int mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct oom_event *e = event_reserve(sizeof(*e));

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->victim_pid = BPF_CORE_READ(ctx, pid);
	e->trigger_pid = id >> 32;
	e->trigger_tid = (__u32)id;
	e->trigger_cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&e->trigger_comm, sizeof(e->trigger_comm));
	read_victim(ctx, e);
	event_submit(e);
	return 0;
}
