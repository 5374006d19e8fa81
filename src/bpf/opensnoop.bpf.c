/* opensnoop: open/openat/openat2 arguments remembered per thread at entry,
 * the path read at return (the kernel has copied it by then, so the page is
 * resident and the read cannot fault), emitted with the result. */
#include "bpf/common.bpf.h"
#include "bpf/opensnoop.h"

const volatile bool failed_only = false;

struct open_args {
	const char *path;
	__u64 flags;
	__u32 mode;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} starts SEC(".maps");

static __always_inline int on_enter(const char *path, __u64 flags, __u32 mode)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args args = { path, flags, mode };

	if (filter_current())
		bpf_map_update_elem(&starts, &tid, &args, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct open_args *args = bpf_map_lookup_elem(&starts, &tid);
	struct open_event *e;

	if (!args)
		return 0;
	if (failed_only && ret >= 0)
		goto out;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = args->flags;
	e->mode = args->mode;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), args->path) < 0) {
		e->path[0] = 0;
		stat_inc(STAT_ERRORS);
	}
	event_submit(e);
out:
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_open")
int open_enter__optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[1], ctx->args[2], ctx->args[3]);
}

/* openat2(dirfd, path, struct open_how *how, size): flags/mode in how. */
SEC("tp/syscalls/sys_enter_openat2")
int openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_enter((const char *)ctx->args[1], how.flags, how.mode);
}

SEC("tp/syscalls/sys_exit_open")
int open_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
