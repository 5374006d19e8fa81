/* runqlat: constants shared by src/bpf/runqlat.bpf.c and src/tools/runqlat.c;
 * the "hists" map is a keyed histogram (bpf/keyhist.h) keyed by 0, tgid or
 * tid, labelled with the comm. */
#ifndef BPFSCOPE_RUNQLAT_H
#define BPFSCOPE_RUNQLAT_H

enum runqlat_group { RUNQLAT_ALL, RUNQLAT_PER_PROCESS, RUNQLAT_PER_THREAD };

#endif
