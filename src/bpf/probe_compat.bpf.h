/* The probe engine on kernels without BPF cookies (5.15) or bpf_loop (5.17),
 * such as Debian 11's 5.10. Included at the end of probe.bpf.c; user space
 * (src/probe/compat.c) loads these programs instead of probe_entry,
 * probe_return, probe_usdt and probe_tp when the feature table says so
 * (BPFSCOPE_DISABLE_FEATURES=bpf_loop or bpf_cookie picks them anywhere).
 *
 * Probe ids. Attachments carry the probe id in their cookie; here the id is
 * the number in the program's name: PROBE_COMPAT_PROBES tiny copies of each
 * entry program call one shared body, a BPF subprogram (so the object stays
 * small; each copy loaded is verified with its constant id). USDT keeps one
 * program: libbpf's usdt.bpf.h finds the spec, whose cookie is our id, from
 * the instruction pointer when the kernel has no cookies.
 *
 * The interpreter steps in a bounded loop (compat.bpf.h) of compat_max_ops
 * iterations, the longest probe's operations (fewer iterations verify
 * faster); 5.10's verifier accepts all PROBE_MAX_OPS of them.
 *
 * Entry/return pairs keep their stacks in the pair_stacks hash whenever
 * these programs run (compat_thread_hash is set with them); a thread's entry
 * is deleted when it exits, and frames still there are calls that never
 * returned: counted as stale, as the task-storage path counts them when it
 * drops them.
 *
 * Request spans run their hooks here too (span.bpf.h, compat set). Triggers
 * (trigger.bpf.h) are not part of these programs: their atomics (fetch-add,
 * cmpxchg, xchg) need 5.12, and the kernel refuses a whole program that has
 * one even where it is never reached. */
#ifndef BPFSCOPE_PROBE_COMPAT_BPF_H
#define BPFSCOPE_PROBE_COMPAT_BPF_H

#include "bpf/probe_compat.h"

static __noinline int compat_entry(struct pt_regs *ctx, __u32 probe)
{
	struct probe_cfg *cfg;
	struct vm *vm;

	if (!(cfg = probe_begin_in(probe, &vm, true)))
		return 0;
	if (cfg->kind == PROBE_URETPROBE && !span_enabled) {
		pair_push(ctx, cfg, probe);
		return 0;
	}
	bpf_probe_read_kernel(&vm->regs, sizeof(vm->regs), ctx);
	vm->duration = 0;
	if (span_entry_in(ctx, vm, cfg, probe, true))
		return 0;
	if (cfg->kind == PROBE_URETPROBE)
		pair_push(ctx, cfg, probe);
	else
		run_ops_in(ctx, vm, cfg, probe, RUN_BOUNDED);
	return 0;
}

static __noinline int compat_return(struct pt_regs *ctx, __u32 probe)
{
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probes, &probe);
	struct vm *vm = vm_get();

	if (!cfg || !vm || !filter_current())
		return 0;
	bpf_probe_read_kernel(&vm->regs, sizeof(vm->regs), ctx);
	if (span_return_in(ctx, vm, cfg, probe, true))
		return 0;
	if (pair_pop(vm, probe))
		run_ops_in(ctx, vm, cfg, probe, RUN_BOUNDED);
	return 0;
}

/* Each probe on a tracepoint has its own program here (no chain through
 * cfg->next: the verifier would walk the bounded loop once per link). */
static __noinline int compat_tp(void *ctx, __u32 probe)
{
	struct probe_cfg *cfg;
	struct vm *vm;
	__u32 size;

	if (!(cfg = probe_begin_in(probe, &vm, true)))
		return 0;
	size = cfg->tp_size < PROBE_TP_COPY ? cfg->tp_size : PROBE_TP_COPY;
	if (size)
		bpf_probe_read_kernel(vm->tp, size, ctx);
	vm->duration = 0;
	run_ops_in(ctx, vm, cfg, probe, RUN_BOUNDED_TP);
	return 0;
}

/* A USDT probe runs as a uprobe's entry does (its kind is not a return). */
SEC("usdt")
int probe_usdt_compat(struct pt_regs *ctx)
{
	return compat_entry(ctx, bpf_usdt_cookie(ctx));
}

/* Frames a thread leaves behind are calls that never returned; its span
 * stack goes too (task-local storage would go with the thread). */
SEC("tp/sched/sched_process_exit")
int probe_thread_exit_compat(void *ctx)
{
	struct pair_stack *st = thread_hash_get(&pair_stacks_by_thread, false, NULL);

	thread_local_exit(span_threads);
	if (!st)
		return 0;
	for (int i = 0; i < PROBE_MAX_DEPTH; i++)
		if (i < st->depth)
			pstat(frame_at(st, i)->probe & (PROBE_MAX - 1), PSTAT_STALE);
	thread_local_exit(pair_stacks);
	return 0;
}

#define COMPAT_PROGRAMS(K)                                                                         \
	SEC("uprobe") int probe_entry_c##K(struct pt_regs *ctx)                                    \
	{                                                                                          \
		return compat_entry(ctx, K);                                                       \
	}                                                                                          \
	SEC("uretprobe") int probe_return_c##K(struct pt_regs *ctx)                                \
	{                                                                                          \
		return compat_return(ctx, K);                                                      \
	}                                                                                          \
	SEC("tp") int probe_tp_c##K(void *ctx)                                                     \
	{                                                                                          \
		return compat_tp(ctx, K);                                                          \
	}

COMPAT_PROGRAMS(0)
COMPAT_PROGRAMS(1)
COMPAT_PROGRAMS(2)
COMPAT_PROGRAMS(3)
COMPAT_PROGRAMS(4)
COMPAT_PROGRAMS(5)
COMPAT_PROGRAMS(6)
COMPAT_PROGRAMS(7)
COMPAT_PROGRAMS(8)
COMPAT_PROGRAMS(9)
COMPAT_PROGRAMS(10)
COMPAT_PROGRAMS(11)
COMPAT_PROGRAMS(12)
COMPAT_PROGRAMS(13)
COMPAT_PROGRAMS(14)
COMPAT_PROGRAMS(15)
_Static_assert(PROBE_COMPAT_PROBES == 16, "one COMPAT_PROGRAMS line per probe id");

#endif
