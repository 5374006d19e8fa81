/* gethostlatency: event shared by src/bpf/gethostlatency.bpf.c and src/tools/gethostlatency.c */
#ifndef BPFSCOPE_GETHOSTLATENCY_H
#define BPFSCOPE_GETHOSTLATENCY_H

#include "bpf/common.h"

#define GETHOST_NAME_MAX 128

enum gethost_func { GETHOST_GETADDRINFO, GETHOST_GETHOSTBYNAME, GETHOST_GETHOSTBYNAME2 };

struct gethost_event {
	__u64 ts_ns; /* call start */
	__u64 latency_ns;
	__u64 cgroup_id;
	__u32 pid, tid;
	__u32 func; /* enum gethost_func */
	__s32 ret;  /* getaddrinfo: 0 or EAI_*; gethostbyname*: 0 when NULL was returned, else 1 */
	char comm[TASK_COMM_LEN];
	char host[GETHOST_NAME_MAX];
};

#endif
