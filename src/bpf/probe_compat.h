/* Limits of the probe engine on kernels without BPF cookies or bpf_loop
 * (bpf/probe_compat.bpf.h, src/probe/compat.c). */
#ifndef BPFSCOPE_BPF_PROBE_COMPAT_H
#define BPFSCOPE_BPF_PROBE_COMPAT_H

/* Copies of each entry program, one per probe id: the probes a session may
 * have without cookies. */
#define PROBE_COMPAT_PROBES 16
/* No limit below PROBE_MAX_OPS: Debian 11's 5.10 verifier accepts the bounded
 * loop with all 64 steps (tests/kernel/trace.sh measures it with
 * BPFSCOPE_COMPAT_STEPS on every run). */

#endif
