/* oomkill: event shared by src/bpf/oomkill.bpf.c and src/tools/oomkill.c */
#ifndef BPFSCOPE_OOMKILL_H
#define BPFSCOPE_OOMKILL_H

#include "bpf/common.h"

struct oom_event {
	__u64 ts_ns;
	__u64 total_vm_kb; /* victim's mm, from the tracepoint (0 on old kernels) */
	__u64 anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
	__u32 victim_pid;
	__u32 victim_uid;
	__u32 trigger_pid, trigger_tid;
	__s32 oom_score_adj;
	__u32 pad;
	__u64 trigger_cgroup_id; /* cgroup v2 id of the task that ran the OOM killer */
	char victim_comm[TASK_COMM_LEN];
	char trigger_comm[TASK_COMM_LEN];
};

#endif
