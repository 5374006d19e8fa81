/* killsnoop: kill/tkill/tgkill arguments remembered per thread at syscall
 * entry, emitted with the result at exit. The signal filter (-s) is applied
 * at entry so filtered calls cost one map-free comparison. */
#include "bpf/common.bpf.h"
#include "bpf/threadargs.bpf.h"
#include "bpf/killsnoop.h"

const volatile bool failed_only = false;
const volatile __s32 only_sig = 0;

struct kill_args {
	__s32 target, target_tgid, sig;
	__u32 call;
};

THREAD_ARGS_MAP(starts, struct kill_args);

static __always_inline int on_enter(__u32 call, __s32 target, __s32 tgid, __s32 sig)
{
	struct kill_args args = { target, tgid, sig, call };

	if (!only_sig || sig == only_sig)
		thread_args_save(&starts, &args);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kill_args *args = thread_args_get(&starts);
	struct kill_event *e;

	if (!args)
		return 0;
	if (failed_only && ret >= 0)
		goto out;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->target = args->target;
	e->target_tgid = args->target_tgid;
	e->sig = args->sig;
	e->call = args->call;
	e->ret = ret;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	event_submit(e);
out:
	thread_args_drop(&starts);
	return 0;
}

SEC("tp/syscalls/sys_enter_kill")
int kill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(KILL_KILL, ctx->args[0], 0, ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_tkill")
int tkill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(KILL_TKILL, ctx->args[0], 0, ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_tgkill")
int tgkill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(KILL_TGKILL, ctx->args[1], ctx->args[0], ctx->args[2]);
}

SEC("tp/syscalls/sys_exit_kill")
int kill_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_tkill")
int tkill_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_tgkill")
int tgkill_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
