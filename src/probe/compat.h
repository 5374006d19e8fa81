/* The probe engine on kernels without BPF cookies (before 5.15) or bpf_loop
 * (before 5.17), e.g. Debian 11's 5.10: which programs of probe.bpf.c run
 * (bpf/probe_compat.bpf.h), what they cannot do, and how they are set up.
 * Everything is decided from the feature table, so
 * BPFSCOPE_DISABLE_FEATURES=bpf_loop,bpf_cookie,task_storage runs the
 * fallbacks on any kernel. */
#ifndef BPFSCOPE_PROBE_COMPAT_H
#define BPFSCOPE_PROBE_COMPAT_H

#include <stdbool.h>

struct bpf_program;
struct trace_run;

/* True when the compat programs replace probe_entry/return/usdt/tp. */
bool probe_compat_active(void);
/* One error line and -1 for what cannot work here: more probes than there
 * are program copies, triggers, USDT in a position-independent file without
 * -p on a kernel without cookies. */
int probe_compat_check(const struct trace_run *tr);
/* Before load: the programs the probes need, .rodata choices, and the
 * thread-local maps this kernel cannot (or need not) create. */
int probe_compat_prepare(struct trace_run *tr);
/* The program probe id attaches with: modern as given, or its compat copy
 * (base "probe_entry_c" + id). */
struct bpf_program *probe_compat_prog(const struct trace_run *tr, struct bpf_program *modern,
				      const char *base, int id);

#endif
