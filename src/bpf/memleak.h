/* memleak: shared by src/bpf/memleak.bpf.c and src/tools/memleak.c */
#ifndef BPFSCOPE_MEMLEAK_H
#define BPFSCOPE_MEMLEAK_H

#include "bpf/stacks.h"

#define MEMLEAK_MAX_ALLOCS  262144
#define MEMLEAK_MAX_THREADS 16384

/* Value of "allocs", keyed by the address returned to the program. */
struct memleak_alloc {
	__u64 size;
	__u64 ts_ns;
	struct stack_key key;
};

#endif
