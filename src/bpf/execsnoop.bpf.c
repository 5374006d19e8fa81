/* execsnoop: argv captured at execve/execveat entry, emitted at return with
 * the result, so failed execs are reported too. Filtering happens at return,
 * where comm is the new program's. */
#include "bpf/common.bpf.h"
#include "bpf/execsnoop.h"

const volatile bool failed_only = false;

static const struct exec_event empty_event = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_event);
} execs SEC(".maps");

static __always_inline int on_enter(const char *const *argv)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct exec_event *e;

	if (bpf_map_update_elem(&execs, &tid, &empty_event, BPF_ANY))
		return 0;
	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	for (int i = 0; i < EXECSNOOP_MAX_ARGS; i++) {
		const char *arg = NULL;
		__u32 off = e->args_size;
		long n;

		bpf_probe_read_user(&arg, sizeof(arg), &argv[i]);
		if (!arg)
			return 0;
		if (off > EXECSNOOP_ARGS_SIZE - EXECSNOOP_ARG_SIZE)
			break;
		n = bpf_probe_read_user_str(&e->args[off & (EXECSNOOP_ARGS_SIZE - 1)],
					    EXECSNOOP_ARG_SIZE, arg);
		if (n <= 0)
			break;
		e->args_size += n;
		e->args_count++;
	}
	e->truncated = 1;
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct task_struct *task;
	struct exec_event *e;
	__u32 size;

	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	if (!filter_current() || (failed_only && ret >= 0))
		goto out;
	task = (struct task_struct *)bpf_get_current_task();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->tid = tid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->retval = ret;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	size = offsetof(struct exec_event, args) + (e->args_size & (EXECSNOOP_ARGS_SIZE - 1));
	if (size > sizeof(*e))
		size = sizeof(*e);
	event_output(e, size);
out:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *const *)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_execveat")
int execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter((const char *const *)ctx->args[2]);
}

SEC("tp/syscalls/sys_exit_execve")
int execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_execveat")
int execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
