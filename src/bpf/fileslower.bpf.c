/* fileslower: reads and writes slower than a threshold, timed from syscall
 * entry to exit (tracepoints; BCC times vfs_read with kprobes). The path is
 * read in the kernel from the task's fd table at exit, while the fd is
 * certainly still installed; a user-space /proc/PID/fd lookup would race
 * with close() and process exit. Only regular files and FIFOs by default. */
#include "bpf/common.bpf.h"
#include "bpf/fdpath.bpf.h"
#include "bpf/fileslower.h"
#include "bpf/rwsyscalls.bpf.h"

#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFIFO 0010000

const volatile __u64 min_ns = 10000000;
const volatile bool all_files = false;

static __always_inline void on_rw_exit(const struct rw_args *a, long ret)
{
	__u64 now = bpf_ktime_get_ns(), id;
	struct file *file;
	struct slow_event *e;
	__u32 mode;

	if (now - a->ts_ns < min_ns)
		return;
	file = fdpath_current_file(a->fd);
	if (!file)
		return;
	mode = BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT;
	if (!all_files && mode != S_IFREG && mode != S_IFIFO)
		return;
	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = now;
	e->latency_ns = now - a->ts_ns;
	e->ret = ret;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->fd = a->fd;
	e->is_write = a->is_write;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	fdpath_of_file(file, &e->path);
	event_submit(e);
}
