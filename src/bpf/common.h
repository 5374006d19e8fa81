/* Plain structs and constants shared by every BPF program and user space. */
#ifndef BPFSCOPE_BPF_COMMON_H
#define BPFSCOPE_BPF_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TASK_COMM_LEN 16

/* Target filter, set in .rodata before load. A zero field matches all. */
struct filter_cfg {
	__u32 tgid;
	__u32 has_comm;
	__u64 cgroup_id;
	char comm[TASK_COMM_LEN];
	/* --container/--pod/--namespace: the task's cgroup v2, or one of its
	 * ancestors between these levels, must be a key of the cgroup_allow map
	 * (a pod is several container cgroups under one pod cgroup). */
	__u32 cgroup_set;
	__u16 cgroup_min_level, cgroup_max_level;
};

/* Bounds of the ancestor walk and of the cgroup_allow map. */
#define CGROUP_MAX_LEVEL 15
#define CGROUP_ALLOW_MAX 4096

/* Per-CPU counters every program keeps in its "stats" map. */
enum stat_index {
	STAT_EVENTS,    /* events submitted to the ring buffer */
	STAT_DROPS,     /* events lost: ring buffer full */
	STAT_STALE,     /* entry records discarded as stale (pairing) */
	STAT_ERRORS,    /* failed reads, missing map slots */
	STAT__COUNT
};

#endif
