/* exitsnoop: sched_process_exit runs in the exiting task after do_exit()
 * stored its wait status in task->exit_code; the lifetime is now minus
 * task->start_time (monotonic ns, the clock of bpf_ktime_get_ns). Only the
 * thread-group leader is reported unless threads are asked for. */
#include "bpf/common.bpf.h"
#include "bpf/exitsnoop.h"

const volatile bool failed_only = false;
const volatile bool with_threads = false;

static __always_inline int on_exit(struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, tgid), tid = BPF_CORE_READ(task, pid);
	__u32 code = BPF_CORE_READ(task, exit_code);
	struct exit_event *e;

	if (!with_threads && pid != tid)
		return 0;
	if ((failed_only && !code) || !filter_task(task))
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->lifetime_ns = e->ts_ns - BPF_CORE_READ(task, start_time);
	e->pid = pid;
	e->tid = tid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = code;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	event_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit__tp_btf, struct task_struct *task)
{
	return on_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(process_exit__raw_tp, struct task_struct *task)
{
	return on_exit(task);
}
