/* killsnoop: event shared by src/bpf/killsnoop.bpf.c and src/tools/killsnoop.c */
#ifndef BPFSCOPE_KILLSNOOP_H
#define BPFSCOPE_KILLSNOOP_H

#include "bpf/common.h"

enum kill_call { KILL_KILL, KILL_TKILL, KILL_TGKILL };

struct kill_event {
	__u64 ts_ns;
	__u32 pid, tid;
	__s32 target;	   /* kill: pid (<= 0: group), tkill/tgkill: tid */
	__s32 target_tgid; /* tgkill only, else 0 */
	__s32 sig;
	__s32 ret;  /* 0, or -errno */
	__u32 call; /* enum kill_call */
	__u32 pad;
	char comm[TASK_COMM_LEN];
};

#endif
