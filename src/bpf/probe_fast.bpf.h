/* Fast paths of the probe engine (included by probe.bpf.c, after the
 * generic programs, whose maps and helpers they share).
 *
 * The generic programs pay for their generality on every call: a copy of
 * the 168-byte pt_regs, the operation list through bpf_loop, a 72-byte key
 * hashed into a per-CPU hash. Most latency probes need none of it: a return
 * probe whose action is hist/lhist/sum of `duration` or count(), with no
 * key and no captured argument, needs the entry time and the return time;
 * a predicate `retval OP constant` costs one comparison more, a key that is
 * retval or an argument register a hash update (the generic aggregation,
 * without the interpreter). The compiler (src/probe/fastpath.c) picks these
 * programs for such probes at attach time (the probe id is still the attach
 * cookie):
 *
 *   probe_fast_entry   the entry: pushes only (sp, time, probe) on the
 *                      thread's pair stack; entry-only count() probes
 *                      count directly.
 *   probe_fast_return  the return: finds the frame exactly as pair_pop
 *                      does (same stack, same stale/sibling rules, so fast
 *                      and generic probes nest in one stack), and adds the
 *                      duration to slot [probe] of the per-CPU array
 *                      fast_aggs: no hash, no loop, no register copy
 *                      (keyed probes: to the generic hash, see fast_keyed).
 *
 * Accounting is the generic one: hits, sampled out, emitted, dropped,
 * stale, unpaired, sampled-out returns; --duty's pause flag and triggers
 * (trigger_hit at entry, open/take at return) behave the same.
 *
 * --sample: an entry that is sampled out pushes a frame marked
 * FAST_FRAME_SAMPLED (no clock read) instead of the generic path's per-thread
 * count in an LRU hash (bpf/sampleret.bpf.h); its return pops it like any
 * frame and counts a sampled-out return. Only when the stack is full or
 * cannot be allocated does the entry fall back to the LRU count. */
#ifndef BPFSCOPE_PROBE_FAST_BPF_H
#define BPFSCOPE_PROBE_FAST_BPF_H

#define FAST_FRAME_SAMPLED 1 /* pair_frame.flags: the entry was sampled out */

/* One aggregation per probe (no keys): index = probe id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROBE_MAX);
	__type(key, __u32);
	__type(value, struct probe_agg_value);
} fast_aggs SEC(".maps");

static __always_inline __u32 fast_slot(const struct probe_cfg *cfg, __u64 value)
{
	__u64 step = cfg->lhist_step ? cfg->lhist_step : 1;
	__u64 slot;

	if (cfg->output == OUTPUT_HIST)
		return hist_log2_slot(value);
	slot = value < cfg->lhist_min ? 0 : (value - cfg->lhist_min) / step;
	return slot > 63 ? 63 : slot;
}

/* A fast probe's compiled operations, as probe/fastpath.c admits them:
 * [predicate] [key] [value]. The predicate is `retval` (RETVAL FILTER) or
 * `retval OP constant` (RETVAL IMM OP FILTER); its length, 0 when none: */
static __always_inline __u32 fast_pred_len(const struct probe_cfg *cfg)
{
	if (cfg->ops[0].code != POP_RETVAL)
		return 0;
	if (cfg->ops[1].code == POP_FILTER)
		return 2;
	if (cfg->ops[1].code == POP_IMM && cfg->ops[3].code == POP_FILTER)
		return 4;
	return 0; /* retval is the key */
}

/* binary() is the interpreter's own comparison. */
static __always_inline bool fast_predicate(const struct probe_cfg *cfg, __u32 len, __u64 rc)
{
	if (len == 2)
		return rc != 0;
	if (len == 4)
		return binary(cfg->ops[2].code, rc, cfg->ops[1].imm);
	return true;
}

/* The key (cfg->key_size 8) follows the predicate: RETVAL or SAVED_ARG n,
 * stored at offset 0 of the key. Its argument index, PROBE_SAVED_ARGS for
 * retval. */
static __always_inline __u32 fast_key_arg(const struct probe_cfg *cfg)
{
	const struct probe_op *op = &cfg->ops[fast_pred_len(cfg) & (PROBE_MAX_OPS - 1)];

	return op->code == POP_SAVED_ARG ? op->a : PROBE_SAVED_ARGS;
}

/* A keyed fast probe aggregates into the generic hash, with the key laid
 * out as the interpreter would (one u64 at offset 0): no operation loop, no
 * register copy, the same entries for user space. */
static __always_inline bool fast_keyed(struct probe_cfg *cfg, __u32 probe, __u64 key, __u64 value)
{
	struct vm *vm = vm_get();

	if (!vm)
		return false;
	__builtin_memset(&vm->key, 0, sizeof(vm->key));
	*(__u64 *)vm->key.data = key;
	vm->agg_value = value;
	return aggregate(vm, cfg, probe);
}

/* count/sum/hist/lhist into the probe's slot (or its key's entry); the
 * value is 0 for count(). ret: at a return (predicate and key apply), rc:
 * its return value, key: the key when the probe has one. */
static __always_inline void fast_aggregate(struct probe_cfg *cfg, __u32 probe, __u64 value,
					   bool ret, __u64 rc, __u64 key)
{
	struct probe_agg_value *v = bpf_map_lookup_elem(&fast_aggs, &probe);
	__u32 slot;

	if (!v || !trigger_open(probe))
		return;
	if (ret && !fast_predicate(cfg, fast_pred_len(cfg), rc)) {
		pstat(probe, PSTAT_FILTERED);
		return;
	}
	if (!trigger_take(probe))
		return;
	if (ret && cfg->key_size) {
		if (fast_keyed(cfg, probe, key, value))
			pstat(probe, PSTAT_EMITTED);
		return;
	}
	v->count++;
	if (cfg->output == OUTPUT_COUNT) {
		pstat(probe, PSTAT_EMITTED);
		return;
	}
	v->sum += value;
	if (cfg->output == OUTPUT_HIST || cfg->output == OUTPUT_LHIST) {
		slot = fast_slot(cfg, value);
		barrier_var(slot); /* a mask 6.1's verifier can see (hist.bpf.h) */
		v->slots[slot & 63]++;
	}
	pstat(probe, PSTAT_EMITTED);
}

/* The entry of a fast return probe: only what the return needs. */
static __always_inline void fast_push(struct pt_regs *ctx, struct probe_cfg *cfg, __u32 probe)
{
	bool skip = sampled_out(probe, cfg);
	__u64 sp = PT_REGS_SP(ctx);
	struct pair_stack *st;
	struct pair_frame *f;
	__u32 depth;

	st = bpf_task_storage_get(&pair_stacks, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		if (skip)
			sampled_entry(probe);
		else
			pstat(probe, PSTAT_DROPS); /* no memory for this thread's stack */
		return;
	}
	depth = drop_dead_frames(st, st->depth, sp, probe);
	st->depth = depth;
	if (depth >= PROBE_MAX_DEPTH) {
		if (skip)
			sampled_entry(probe);
		else
			pstat(probe, PSTAT_STALE); /* deeper than tracked: newest entry lost */
		return;
	}
	f = frame_at(st, depth);
	f->sp = sp;
	f->probe = probe;
	f->flags = skip ? FAST_FRAME_SAMPLED : 0;
	if (cfg->key_size && !skip)
		save_args(f, ctx); /* keyed by an argument, read at return */
	f->ts = skip ? 0 : bpf_ktime_get_ns();
	st->depth = depth + 1;
}

/* The return's frame (pair_find): true with its time, flags and saved
 * argument argi (when < PROBE_SAVED_ARGS), the frame taken off the stack. */
static __always_inline bool fast_pop(__u64 frame, __u32 probe, __u64 *ts, __u32 *flags, __u32 argi,
				     __u64 *arg)
{
	struct pair_stack *st = bpf_task_storage_get(&pair_stacks, bpf_get_current_task_btf(), 0, 0);
	__u32 depth = st ? st->depth : 0;
	struct pair_frame *f = st ? pair_find(st, frame, probe, &depth) : NULL;

	if (st && f) {
		struct pair_frame *top = frame_at(st, depth - 1);

		*ts = f->ts;
		*flags = f->flags;
		if (argi < PROBE_SAVED_ARGS)
			*arg = f->args[argi];
		if (f != top)
			*f = *top; /* a sibling probe's frame fills the slot */
		st->depth = depth - 1;
		return true;
	}
	if (st)
		st->depth = depth;
	return false;
}

SEC("uprobe")
int probe_fast_entry(struct pt_regs *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);
	struct probe_cfg *cfg;
	struct vm *vm;

	if (!(cfg = probe_begin(probe, &vm))) /* entry-only probes: sampling done */
		return 0;
	if (cfg->kind == PROBE_URETPROBE)
		fast_push(ctx, cfg, probe);
	else
		fast_aggregate(cfg, probe, 0, false, 0, 0);
	return 0;
}

SEC("uretprobe")
int probe_fast_return(struct pt_regs *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probes, &probe);
	__u64 ts = 0, rc = PT_REGS_RC(ctx), key = rc;
	__u32 flags = 0, argi;

	if (!cfg || !filter_current())
		return 0;
	argi = cfg->key_size ? fast_key_arg(cfg) : PROBE_SAVED_ARGS;
	if (!fast_pop(PT_REGS_SP(ctx) - 8, probe, &ts, &flags, argi, &key)) {
		pstat(probe, sampled_return(probe) ? PSTAT_SAMPLED_RET : PSTAT_UNPAIRED);
		return 0;
	}
	if (flags & FAST_FRAME_SAMPLED)
		pstat(probe, PSTAT_SAMPLED_RET);
	else
		fast_aggregate(cfg, probe, bpf_ktime_get_ns() - ts, true, rc, key);
	return 0;
}

#endif
