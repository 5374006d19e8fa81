/* pagefaults: shared by src/bpf/pagefaults.bpf.c and src/tools/pagefaults.c */
#ifndef BPFSCOPE_PAGEFAULTS_H
#define BPFSCOPE_PAGEFAULTS_H

#include "bpf/stacks.h"

#define PAGEFAULTS_MAX_KEYS 65536
#define PAGEFAULTS_NAME_LEN 64

/* --by-file key: the faulting address's mapping, named by the file's base
 * name, or [heap], [stack], [anon]. */
struct pagefault_file_key {
	__u32 pid;
	__u32 pad;
	char comm[TASK_COMM_LEN];
	char file[PAGEFAULTS_NAME_LEN];
};

#endif
