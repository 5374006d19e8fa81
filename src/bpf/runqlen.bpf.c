/* runqlen: a cpu-clock perf event fires on every CPU at a fixed frequency;
 * the handler finds that CPU's run queue and counts rq->nr_running minus
 * the running task into a linear histogram (slot = queue length), summed in
 * the kernel, for all CPUs or per CPU.
 *
 * Finding the rq: bpf_this_cpu_ptr(&runqueues) with a typed ksym is the
 * direct way, but the verifier resolves the ksym's address with
 * kallsyms_lookup_name(), and per-CPU variables are only in kallsyms with
 * CONFIG_KALLSYMS_ALL, which this kernel (and many distro kernels) lacks:
 * the load fails with "ldimm64 failed to find the address for kernel symbol
 * 'runqueues'". So we go through the interrupted task instead: its
 * scheduling entity's cfs_rq points back to the CPU's struct rq
 * (current->se.cfs_rq->rq, CONFIG_FAIR_GROUP_SCHED, read with CO-RE; the
 * idle task's cfs_rq is the CPU's root cfs_rq too). rq->nr_running counts
 * tasks of every scheduling class, not only CFS. */
#include "bpf/common.bpf.h"
#include "bpf/keyhist.bpf.h"

const volatile bool per_cpu = false;

KEYHIST_MAP(hists);

SEC("perf_event")
int sample_runqueue(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct rq *rq = BPF_CORE_READ(task, se.cfs_rq, rq);
	__u32 len, key = per_cpu ? bpf_get_smp_processor_id() : 0;
	struct keyed_hist *h;

	if (!rq) {
		stat_inc(STAT_ERRORS);
		return 0;
	}
	len = BPF_CORE_READ(rq, nr_running);

	/* the task that was interrupted is running, not waiting */
	if (len)
		len--;
	h = keyhist_get(&hists, key);
	if (h)
		keyhist_add_linear(h, len);
	return 0;
}
