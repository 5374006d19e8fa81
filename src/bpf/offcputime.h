/* offcputime: shared by src/bpf/offcputime.bpf.c and src/tools/offcputime.c.
 * "counts" is keyed by struct stack_key, valued by struct stack_value
 * (nanoseconds off CPU, number of blocks). */
#ifndef BPFSCOPE_OFFCPUTIME_H
#define BPFSCOPE_OFFCPUTIME_H

#include "bpf/stacks.h"

#define OFFCPU_MAX_STACKS  65536
#define OFFCPU_MAX_THREADS 65536

#endif
