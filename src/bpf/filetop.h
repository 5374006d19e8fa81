/* filetop: map layout shared by src/bpf/filetop.bpf.c and src/tools/filetop.c */
#ifndef BPFSCOPE_FILETOP_H
#define BPFSCOPE_FILETOP_H

#include "bpf/common.h"
#include "bpf/fdpath.h"

#define FILETOP_MAX_FILES 8192

struct filetop_key {
	__u64 ino;
	__u32 dev;
	__u32 pid;
};

struct filetop_val {
	__u64 reads, writes;
	__u64 rbytes, wbytes;
	__u32 tid; /* a thread that did I/O */
	__u32 pad;
	char comm[TASK_COMM_LEN];
	struct fdpath path; /* filled when the file is first seen */
};

#endif
