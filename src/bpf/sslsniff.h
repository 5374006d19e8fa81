/* sslsniff: event shared by src/bpf/sslsniff.bpf.c and src/tools/sslsniff.c */
#ifndef BPFSCOPE_SSLSNIFF_H
#define BPFSCOPE_SSLSNIFF_H

#include "bpf/common.h"

#define SSLSNIFF_DATA_MAX 8192 /* power of two: lets the verifier bound copies */

enum sslsniff_op { SSLSNIFF_READ, SSLSNIFF_WRITE };

struct sslsniff_event {
	__u64 ts_ns;
	__u64 latency_ns; /* call entry to return */
	__u64 cgroup_id;
	__u32 pid, tid, uid;
	__u32 op;       /* enum sslsniff_op */
	__u32 len;      /* plaintext bytes the call moved */
	__u32 data_len; /* bytes captured: min(len, SSLSNIFF_DATA_MAX) */
	char comm[TASK_COMM_LEN];
	char data[SSLSNIFF_DATA_MAX];
};

#endif
