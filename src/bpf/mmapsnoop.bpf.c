/* mmapsnoop: mmap arguments kept per thread at entry; at exit the result
 * and, for file mappings, the path of the fd (still installed: callers
 * close it only after mmap returns). */
#include "bpf/common.bpf.h"
#include "bpf/fdpath.bpf.h"
#include "bpf/mmapsnoop.h"
#include "bpf/threadargs.bpf.h"

#define MAP_ANONYMOUS 0x20

const volatile bool files_only = false;
const volatile bool failed_only = false;

struct mmap_args {
	__u64 addr, len, offset;
	__u32 prot, flags;
	__s32 fd;
};

THREAD_ARGS_MAP(starts, struct mmap_args);

SEC("tp/syscalls/sys_enter_mmap")
int mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct mmap_args args = {
		.addr = ctx->args[0],
		.len = ctx->args[1],
		.prot = ctx->args[2],
		.flags = ctx->args[3],
		.fd = ctx->args[4],
		.offset = ctx->args[5],
	};

	if ((args.flags & MAP_ANONYMOUS) || args.fd < 0)
		args.fd = -1;
	if (!files_only || args.fd >= 0)
		thread_args_save(&starts, &args);
	return 0;
}

SEC("tp/syscalls/sys_exit_mmap")
int mmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mmap_args *args = thread_args_get(&starts);
	struct mmap_event *e;
	long ret = ctx->ret;

	if (!args)
		return 0;
	/* mmap returns an address; errors are -4095..-1 */
	if (failed_only && !(ret < 0 && ret >= -4095))
		goto out;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->addr = args->addr;
	e->len = args->len;
	e->offset = args->offset;
	e->ret = ret;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->prot = args->prot;
	e->flags = args->flags;
	e->fd = args->fd;
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
