/* profile: shared by src/bpf/profile.bpf.c and src/tools/profile.c. The
 * "counts" map is keyed by struct stack_key (pid + stack ids), valued by
 * struct stack_value (samples). */
#ifndef BPFSCOPE_PROFILE_H
#define BPFSCOPE_PROFILE_H

#include "bpf/stacks.h"

#define PROFILE_MAX_STACKS 65536

#endif
