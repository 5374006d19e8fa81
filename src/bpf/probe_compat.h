/* Limits of the probe engine on kernels without BPF cookies or bpf_loop
 * (bpf/probe_compat.bpf.h, src/probe/compat.c). */
#ifndef BPFSCOPE_BPF_PROBE_COMPAT_H
#define BPFSCOPE_BPF_PROBE_COMPAT_H

/* Copies of each entry program, one per probe id: the probes a session may
 * have without cookies. */
#define PROBE_COMPAT_PROBES 16
/* Operations per probe the bounded loop may step through: the most that
 * Debian 11's 5.10 verifier accepts within its complexity limit, measured by
 * tests/kernel/guest.sh (BPFSCOPE_COMPAT_STEPS), with a margin. */
#define PROBE_COMPAT_OPS 32

#endif
