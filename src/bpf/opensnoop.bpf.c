/* opensnoop, one handler "open" in two mechanisms (see core/loader.h):
 *
 * - fexit on do_sys_openat2, where the kernel allows it (5.6+, with BTF):
 *   arguments and result in one program run per open. Preferred: no
 *   per-thread map (nothing to lose when it fills or a thread dies between
 *   entry and exit), and no syscall tracepoints, whose enabling sends every
 *   system call of every task through the slow syscall-tracing path.
 * - tracepoints, everywhere: open/openat/openat2 arguments remembered per
 *   thread at entry, emitted with the result at exit.
 *
 * Both read the path when the syscall returns (the kernel has copied it by
 * then, so the page is resident and the read cannot fault). */
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

/* Fills and submits one event; args are what the caller passed. */
static __always_inline void emit(const char *path, __u64 flags, __u32 mode, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct open_event *e;

	if (failed_only && ret >= 0)
		return;
	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = flags;
	e->mode = mode;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), path) < 0) {
		e->path[0] = 0;
		stat_inc(STAT_ERRORS);
	}
	event_submit(e);
}

static __always_inline int on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *args = bpf_map_lookup_elem(&starts, &tid);

	if (!args)
		return 0;
	emit(args->path, args->flags, args->mode, ret);
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* open, openat and openat2 all end in do_sys_openat2 (since 5.6). */
SEC("fexit/do_sys_openat2")
int BPF_PROG(open__fexit, int dfd, const char *path, struct open_how *how, long ret)
{
	if (filter_current())
		emit(path, how->flags, how->mode, ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_open")
int open__open_enter_optional(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_openat")
int open__openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *)ctx->args[1], ctx->args[2], ctx->args[3]);
}

/* openat2(dirfd, path, struct open_how *how, size): flags/mode in how. */
SEC("tp/syscalls/sys_enter_openat2")
int open__openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_enter((const char *)ctx->args[1], how.flags, how.mode);
}

SEC("tp/syscalls/sys_exit_open")
int open__open_exit_optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat")
int open__openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int open__openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
