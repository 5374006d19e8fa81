/* The read/write syscall family on tracepoints (no kprobe on vfs_read):
 * read, write, pread64, pwrite64, readv, writev. Entry saves the fd, the
 * direction and the time per thread; exit calls the including tool's
 *   static __always_inline void on_rw_exit(const struct rw_args *a, long ret);
 * with the saved arguments and the result (bytes, or -errno). */
#ifndef BPFSCOPE_RWSYSCALLS_BPF_H
#define BPFSCOPE_RWSYSCALLS_BPF_H

#include "bpf/threadargs.bpf.h"

struct rw_args {
	__u64 ts_ns;
	__s32 fd;
	__u32 is_write;
};

THREAD_ARGS_MAP(rw_starts, struct rw_args);

static __always_inline void on_rw_exit(const struct rw_args *a, long ret);

static __always_inline int rw_enter(__s32 fd, __u32 is_write)
{
	struct rw_args args = { bpf_ktime_get_ns(), fd, is_write };

	thread_args_save(&rw_starts, &args);
	return 0;
}

static __always_inline int rw_exit(long ret)
{
	struct rw_args *args = thread_args_get(&rw_starts);

	if (!args)
		return 0;
	on_rw_exit(args, ret);
	thread_args_drop(&rw_starts);
	return 0;
}

#define RW_SYSCALL(name, is_write)                                                                 \
	SEC("tp/syscalls/sys_enter_" #name)                                                        \
	int name##_enter(struct trace_event_raw_sys_enter *ctx)                                    \
	{                                                                                          \
		return rw_enter(ctx->args[0], is_write);                                           \
	}                                                                                          \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int name##_exit(struct trace_event_raw_sys_exit *ctx)                                      \
	{                                                                                          \
		return rw_exit(ctx->ret);                                                          \
	}

RW_SYSCALL(read, 0)
RW_SYSCALL(write, 1)
RW_SYSCALL(pread64, 0)
RW_SYSCALL(pwrite64, 1)
RW_SYSCALL(readv, 0)
RW_SYSCALL(writev, 1)

#endif
