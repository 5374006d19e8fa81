/* syncsnoop: sync-family syscalls. Entry remembers the call, its fd (or
 * msync address) and the time per thread; exit emits latency, result and
 * the file's path read from the task's fd table (bpf/fdpath.bpf.h). */
#include "bpf/common.bpf.h"
#include "bpf/threadargs.bpf.h"
#include "bpf/fdpath.bpf.h"
#include "bpf/syncsnoop.h"

struct sync_args {
	__u64 ts_ns;
	__u64 addr;
	__s32 fd;
	__u32 call;
};

THREAD_ARGS_MAP(starts, struct sync_args);

static __always_inline int on_enter(__u32 call, __s32 fd, __u64 addr)
{
	struct sync_args args = { bpf_ktime_get_ns(), addr, fd, call };

	thread_args_save(&starts, &args);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sync_args *args = thread_args_get(&starts);
	struct sync_event *e;

	if (!args)
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->latency_ns = e->ts_ns - args->ts_ns;
	e->addr = args->addr;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->fd = args->fd;
	e->ret = ret;
	e->call = args->call;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (args->fd >= 0)
		fdpath_of_fd(args->fd, &e->path);
	else
		e->path.used = e->path.mode = e->path.truncated = 0;
	event_submit(e);
out:
	thread_args_drop(&starts);
	return 0;
}

SEC("tp/syscalls/sys_enter_sync")
int sync_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_SYNC, -1, 0);
}

SEC("tp/syscalls/sys_enter_fsync")
int fsync_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_FSYNC, ctx->args[0], 0);
}

SEC("tp/syscalls/sys_enter_fdatasync")
int fdatasync_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_FDATASYNC, ctx->args[0], 0);
}

SEC("tp/syscalls/sys_enter_syncfs")
int syncfs_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_SYNCFS, ctx->args[0], 0);
}

SEC("tp/syscalls/sys_enter_msync")
int msync_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_MSYNC, -1, ctx->args[0]);
}

/* arm32 and some others name it sync_file_range2 */
SEC("tp/syscalls/sys_enter_sync_file_range")
int sync_file_range_enter__optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SYNC_FILE_RANGE, ctx->args[0], 0);
}

SEC("tp/syscalls/sys_exit_sync")
int sync_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_fsync")
int fsync_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_fdatasync")
int fdatasync_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_syncfs")
int syncfs_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_msync")
int msync_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_sync_file_range")
int sync_file_range_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
