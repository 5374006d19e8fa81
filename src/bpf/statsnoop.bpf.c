/* statsnoop: the path pointer of stat-family syscalls is remembered per
 * thread at entry and read at exit, when the kernel has already copied it
 * (the page is resident), then emitted with the result. stat/lstat are
 * optional: arm64 and other new architectures only have fstatat/statx. */
#include "bpf/common.bpf.h"
#include "bpf/threadargs.bpf.h"
#include "bpf/statsnoop.h"

#define AT_FDCWD -100

const volatile bool failed_only = false;

struct stat_args {
	const char *path;
	__u32 call;
	__s32 dirfd;
};

THREAD_ARGS_MAP(starts, struct stat_args);

static __always_inline int on_enter(__u32 call, __s32 dirfd, const char *path)
{
	struct stat_args args = { path, call, dirfd };

	thread_args_save(&starts, &args);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stat_args *args = thread_args_get(&starts);
	struct stat_event *e;

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
	e->ret = ret;
	e->call = args->call;
	e->dirfd = args->dirfd;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), args->path) < 0) {
		e->path[0] = 0;
		stat_inc(STAT_ERRORS);
	}
	event_submit(e);
out:
	thread_args_drop(&starts);
	return 0;
}

SEC("tp/syscalls/sys_enter_newstat")
int stat_enter__optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(STAT_CALL_STAT, AT_FDCWD, (const char *)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_newlstat")
int lstat_enter__optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(STAT_CALL_LSTAT, AT_FDCWD, (const char *)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_newfstatat")
int fstatat_enter__optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(STAT_CALL_FSTATAT, ctx->args[0], (const char *)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_statx")
int statx_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(STAT_CALL_STATX, ctx->args[0], (const char *)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_statfs")
int statfs_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(STAT_CALL_STATFS, AT_FDCWD, (const char *)ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_newstat")
int stat_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_newlstat")
int lstat_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_newfstatat")
int fstatat_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_statx")
int statx_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_statfs")
int statfs_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
