/* The generic probe program: one interpreter for every user probe.
 *
 * Attachments carry the probe id in their BPF cookie (bpf_usdt_cookie for
 * USDT); the probe's compiled operations live in the "probes" array map,
 * written by user space before attaching. All interpreter state (value
 * stack, record, key, copies of registers and tracepoint records) is in a
 * per-CPU scratch map value, so the verifier sees unknown scalars instead of
 * tracking every path, and the bounded loop verifies in a few passes.
 *
 * Entry/return pairing: for a return probe the entry handler pushes (time,
 * stack pointer, argument registers, probe) on the thread's stack of open
 * calls (task-local storage, one stack for all probes since calls nest),
 * first dropping frames at or below its own stack position (their calls are
 * gone: longjmp, exceptions; counted as stale). The return handler pops
 * frames whose stack pointer lies below the returning frame (counted as
 * stale) until it finds the entry of exactly this frame (its sp + 8 == sp at
 * return) and this probe; two return probes on one function leave sibling
 * frames at the same position. A return from a frame deeper than any
 * recorded entry (attached mid-call) is counted as unpaired and leaves the
 * stack alone, unless its entry was sampled out (bpf/sampleret.bpf.h).
 * Triggers (bpf/trigger.bpf.h) count hits and gate which events run. */
#include "bpf/common.bpf.h"
#include "bpf/hist.bpf.h"
#include "bpf/probe.h"
#include "bpf/sampleret.bpf.h"
#include "bpf/trigger.bpf.h"
#include <bpf/usdt.bpf.h>

#include "bpf/crash.bpf.h" /* crash flight recorder: crash_record() below */

#define ARG_MASK (PROBE_RECORD - 1)

/* libbpf 1.1 has no PT_REGS_PARM6 */
#if defined(__TARGET_ARCH_x86)
#define ARG6(r) ((r)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define ARG6(r) ((r)->regs[5])
#endif
#define KEY_MASK (PROBE_KEY - 1)

struct vm {
	__u64 stack[PROBE_STACK];
	__u32 sp;
	__u32 drop;
	__u64 agg_value;
	__u64 duration;
	__u64 saved[8]; /* PROBE_SAVED_ARGS used; 8 keeps masked indexes in bounds */
	struct pt_regs regs;
	__u8 record[2 * PROBE_RECORD]; /* second half: room for bounded copies */
	struct probe_agg_key key;
	__u8 key_pad[PROBE_KEY];
	__u8 tp[2 * PROBE_TP_COPY];
	char str[PROBE_STRCONST];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROBE_MAX);
	__type(key, __u32);
	__type(value, struct probe_cfg);
} probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vm);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROBE_MAX * PSTAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} probe_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROBE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sample_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct probe_agg_key);
	__type(value, struct probe_agg_value);
} aggs SEC(".maps");

/* One stack of open calls per thread, shared by all return probes (calls
 * nest across functions), in task-local storage: no hash update on the hot
 * path, and it goes away with the thread. */
struct pair_frame {
	__u64 sp; /* stack pointer at entry: the return address is at sp */
	__u64 ts;
	__u64 args[PROBE_SAVED_ARGS];
	__u32 probe;
	__u32 flags; /* bpf/probe_fast.bpf.h: FAST_FRAME_SAMPLED */
};

struct pair_stack {
	__u32 depth;
	__u32 unused;
	struct pair_frame frames[PROBE_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pair_stack);
} pair_stacks SEC(".maps");

static const struct probe_agg_value empty_agg = {};

/* Set by user space around duty-cycle detach/attach, so the edges of a
 * window neither push entries whose return link is gone nor run returns
 * whose entry link is not there yet. */
volatile bool paused;

static __always_inline void pstat(__u32 probe, __u32 stat)
{
	__u32 idx = probe * PSTAT__COUNT + stat;
	__u64 *v = bpf_map_lookup_elem(&probe_stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline struct vm *vm_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* --sample N: keep one hit in N per CPU, decided before any other work. */
static __always_inline bool sampled_out(__u32 probe, struct probe_cfg *cfg)
{
	__u64 *n;

	if (cfg->sample_every <= 1)
		return false;
	n = bpf_map_lookup_elem(&sample_counters, &probe);
	if (!n)
		return false;
	if ((*n)++ % cfg->sample_every) {
		pstat(probe, PSTAT_SAMPLED);
		return true;
	}
	return false;
}

static __always_inline void push(struct vm *vm, __u64 v)
{
	vm->stack[vm->sp & (PROBE_STACK - 1)] = v;
	vm->sp++;
}

static __always_inline __u64 pop(struct vm *vm)
{
	vm->sp--;
	return vm->stack[vm->sp & (PROBE_STACK - 1)];
}

static __always_inline __u64 reg_arg(struct vm *vm, __u32 n, __u32 probe)
{
	struct pt_regs *r = &vm->regs;
	__u64 v = 0;

	switch (n) {
	case 0: return PT_REGS_PARM1(r);
	case 1: return PT_REGS_PARM2(r);
	case 2: return PT_REGS_PARM3(r);
	case 3: return PT_REGS_PARM4(r);
	case 4: return PT_REGS_PARM5(r);
	case 5: return ARG6(r);
	}
	/* System V: arguments 7.. on the stack above the return address */
	if (bpf_probe_read_user(&v, sizeof(v), (void *)(PT_REGS_SP(r) + 8 * (n - 5))))
		pstat(probe, PSTAT_ERRORS);
	return v;
}

static __always_inline __u64 deref(__u64 addr, __u32 size, bool is_signed, bool kernel,
				   __u32 probe)
{
	__u64 v = 0;
	long err;

	size &= 15;
	if (size > 8)
		size = 8;
	if (!size)
		return 0;
	err = kernel ? bpf_probe_read_kernel(&v, size, (void *)addr)
		     : bpf_probe_read_user(&v, size, (void *)addr);
	if (err) {
		pstat(probe, PSTAT_ERRORS);
		return 0;
	}
	if (is_signed && size < 8) {
		__u32 shift = 64 - 8 * size;

		v = (__u64)((__s64)(v << shift) >> shift);
	}
	return v;
}

static __always_inline __u64 tp_field(struct vm *vm, __u32 off, __u32 size, bool is_signed)
{
	__u64 v = 0;

	off &= PROBE_TP_COPY - 1;
	switch (size) {
	case 1: v = *(__u8 *)&vm->tp[off]; break;
	case 2: v = *(__u16 *)&vm->tp[off]; break;
	case 4: v = *(__u32 *)&vm->tp[off]; break;
	default: v = *(__u64 *)&vm->tp[off]; break;
	}
	if (is_signed && size < 8) {
		__u32 shift = 64 - 8 * size;

		v = (__u64)((__s64)(v << shift) >> shift);
	}
	return v;
}

static __always_inline __u64 binary(__u32 code, __u64 a, __u64 b)
{
	switch (code) {
	case POP_ADDX: return a + b;
	case POP_SUB: return a - b;
	case POP_MUL: return a * b;
	case POP_DIV: return b ? a / b : 0;
	case POP_MOD: return b ? a % b : 0;
	case POP_AND: return a & b;
	case POP_OR: return a | b;
	case POP_XOR: return a ^ b;
	case POP_SHL: return a << (b & 63);
	case POP_SHR: return a >> (b & 63);
	case POP_EQ: return a == b;
	case POP_NE: return a != b;
	case POP_LT: return a < b;
	case POP_LE: return a <= b;
	case POP_GT: return a > b;
	case POP_GE: return a >= b;
	case POP_SLT: return (__s64)a < (__s64)b;
	case POP_SLE: return (__s64)a <= (__s64)b;
	case POP_SGT: return (__s64)a > (__s64)b;
	case POP_SGE: return (__s64)a >= (__s64)b;
	case POP_LAND: return a && b;
	case POP_LOR: return a || b;
	}
	return 0;
}

/* Destination of a copy: the record, or the aggregation key (c & 2). */
static __always_inline __u8 *copy_dst(struct vm *vm, const struct probe_op *op)
{
	if (op->c & 2)
		return &vm->key.data[op->a & KEY_MASK];
	return &vm->record[op->a & ARG_MASK];
}

static __always_inline __u32 copy_max(const struct probe_op *op)
{
	__u32 max = op->b;

	if (op->c & 2)
		return max > PROBE_KEY ? PROBE_KEY : max;
	return max > PROBE_RECORD ? PROBE_RECORD : max;
}

static __always_inline void op_str(struct vm *vm, const struct probe_op *op, __u32 probe)
{
	void *src = (void *)pop(vm);
	__u32 max = copy_max(op);
	long n;

	if (!max)
		return;
	n = (op->c & 1) ? bpf_probe_read_kernel_str(copy_dst(vm, op), max, src)
			: bpf_probe_read_user_str(copy_dst(vm, op), max, src);
	if (n < 0)
		pstat(probe, PSTAT_ERRORS);
}

static __always_inline void op_bytes(struct vm *vm, const struct probe_op *op, __u64 len,
				     __u32 probe)
{
	void *src = (void *)pop(vm);
	__u64 max = copy_max(op); /* 64-bit: no truncation hides the bound */
	long err;

	if (len < max)
		max = len;
	/* an explicit bound the verifier of 6.1 can see (it loses the one
	 * of the min with the 64-bit length) */
	barrier_var(max);
	if (max > PROBE_RECORD)
		max = PROBE_RECORD;
	if (!max)
		return;
	err = (op->c & 1) ? bpf_probe_read_kernel(copy_dst(vm, op), max, src)
			  : bpf_probe_read_user(copy_dst(vm, op), max, src);
	if (err)
		pstat(probe, PSTAT_ERRORS);
	/* a shorter copy ends with NUL so stale bytes of the reused record never show */
	if (max < copy_max(op))
		copy_dst(vm, op)[max & (PROBE_RECORD - 1)] = 0;
}

static __always_inline void op_store(struct vm *vm, const struct probe_op *op)
{
	__u64 v = pop(vm);
	__u8 *dst = copy_dst(vm, op);

	switch (op->b) {
	case 1: *(__u8 *)dst = v; break;
	case 2: *(__u16 *)dst = v; break;
	case 4: *(__u32 *)dst = v; break;
	default: *(__u64 *)dst = v; break;
	}
}

static __always_inline __u64 op_streq(struct vm *vm, struct probe_cfg *cfg,
				      const struct probe_op *op, __u32 probe)
{
	void *src = (void *)pop(vm);
	const char *want = cfg->strconst[op->a & 3];
	long n;

	n = (op->c & 1) ? bpf_probe_read_kernel_str(vm->str, sizeof(vm->str), src)
			: bpf_probe_read_user_str(vm->str, sizeof(vm->str), src);
	if (n < 0) {
		pstat(probe, PSTAT_ERRORS);
		return 0;
	}
	for (int i = 0; i < PROBE_STRCONST; i++) {
		if (vm->str[i] != want[i])
			return 0;
		if (!want[i])
			return 1;
	}
	return 1;
}

static __always_inline __u64 op_push(void *ctx, struct vm *vm, const struct probe_op *op,
				     __u32 probe)
{
	long v = 0;

	switch (op->code) {
	case POP_ARG: return reg_arg(vm, op->a, probe);
	case POP_RETVAL: return PT_REGS_RC(&vm->regs);
	case POP_SAVED_ARG: return op->a < PROBE_SAVED_ARGS ? vm->saved[op->a & 7] : 0;
	case POP_USDT_ARG:
		if (bpf_usdt_arg(ctx, op->a, &v))
			pstat(probe, PSTAT_ERRORS);
		return v;
	case POP_TP_FIELD: return tp_field(vm, op->a, op->b, op->c);
	case POP_TP_DATALOC:
		v = tp_field(vm, op->a, 4, 0);
		/* keeps the mask: without it 6.1's verifier loses the bounds of
		 * the u16 built from two bytes and rejects the ctx arithmetic */
		barrier_var(v);
		return (__u64)ctx + (v & 0xffff);
	case POP_TP_ADDR: return (__u64)ctx + op->a;
	case POP_IMM: return op->imm;
	case POP_PID: return bpf_get_current_pid_tgid() >> 32;
	case POP_TID: return (__u32)bpf_get_current_pid_tgid();
	case POP_UID: return (__u32)bpf_get_current_uid_gid();
	case POP_CPU: return bpf_get_smp_processor_id();
	case POP_TIME: return bpf_ktime_get_ns();
	case POP_DURATION: return vm->duration;
	case POP_REG: return *(__u64 *)((__u8 *)&vm->regs + (op->a & 0xff) % sizeof(vm->regs));
	}
	return 0;
}

/* Runs one operation; returns false when the event is dropped. */
static __always_inline bool exec_op(void *ctx, struct vm *vm, struct probe_cfg *cfg,
				    const struct probe_op *op, __u32 probe)
{
	__u64 a, b;

	if (op->code >= POP_ARG && op->code <= POP_REG) {
		push(vm, op_push(ctx, vm, op, probe));
		return true;
	}
	switch (op->code) {
	case POP_ADD_IMM: push(vm, pop(vm) + op->imm); break;
	case POP_DEREF: push(vm, deref(pop(vm), op->b, op->a, op->c, probe)); break;
	case POP_BITFIELD:
		a = pop(vm) >> (op->a & 63);
		b = op->b >= 64 ? ~0ULL : (1ULL << (op->b & 63)) - 1;
		a &= b;
		if (op->c && op->b && op->b < 64 && (a >> (op->b - 1)) & 1)
			a |= ~b;
		push(vm, a);
		break;
	case POP_NEG: push(vm, -pop(vm)); break;
	case POP_NOT: push(vm, !pop(vm)); break;
	case POP_BNOT: push(vm, ~pop(vm)); break;
	case POP_STREQ: push(vm, op_streq(vm, cfg, op, probe)); break;
	case POP_FILTER:
		if (!pop(vm))
			return false;
		break;
	case POP_STORE: op_store(vm, op); break;
	case POP_STR: op_str(vm, op, probe); break;
	case POP_STRN: op_bytes(vm, op, pop(vm), probe); break;
	case POP_BYTES: op_bytes(vm, op, op->b, probe); break;
	case POP_AGG_VALUE: vm->agg_value = pop(vm); break;
	case POP_COMM: bpf_get_current_comm(copy_dst(vm, op), TASK_COMM_LEN); break;
	default:
		if (op->code >= POP_ADDX && op->code <= POP_LOR) {
			b = pop(vm);
			a = pop(vm);
			push(vm, binary(op->code, a, b));
		}
	}
	return true;
}

/* Returns false when the value was lost (map full, counted as a drop). */
static __always_inline bool aggregate(struct vm *vm, struct probe_cfg *cfg, __u32 probe)
{
	struct probe_agg_value *v;
	__u64 value = vm->agg_value;
	__u32 slot;

	vm->key.probe = probe;
	v = bpf_map_lookup_elem(&aggs, &vm->key);
	if (!v) {
		bpf_map_update_elem(&aggs, &vm->key, &empty_agg, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&aggs, &vm->key);
		if (!v) {
			pstat(probe, PSTAT_DROPS); /* map full: counted */
			return false;
		}
	}
	v->count++;
	v->sum += value;
	if (cfg->output == OUTPUT_HIST) {
		slot = hist_log2_slot(value);
	} else if (cfg->output == OUTPUT_LHIST) {
		/* 64-bit: a quotient past 2^32 must not wrap into a low slot */
		__u64 q = value < cfg->lhist_min
				  ? 0
				  : (value - cfg->lhist_min) / (cfg->lhist_step ? cfg->lhist_step : 1);

		slot = q > 63 ? 63 : q;
	} else {
		return true;
	}
	barrier_var(slot); /* keeps the mask 6.1's verifier needs (bpf/hist.bpf.h) */
	v->slots[slot & 63]++;
	return true;
}

/* Returns false when the ring buffer was full (counted as a drop). */
static __always_inline bool emit_event(struct vm *vm, struct probe_cfg *cfg, __u32 probe)
{
	struct probe_event *h = (struct probe_event *)vm->record;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 size = cfg->record_size;

	h->probe = probe;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = bpf_ktime_get_ns();
	h->duration_ns = vm->duration;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	if (size > PROBE_RECORD)
		size = PROBE_RECORD;
	if (size < sizeof(*h))
		size = sizeof(*h);
	if (bpf_ringbuf_output(&events, vm->record, size, wakeup_flags())) {
		pstat(probe, PSTAT_DROPS);
		stat_inc(STAT_DROPS);
		return false;
	}
	stat_inc(STAT_EVENTS);
	return true;
}

struct loop_ctx {
	void *ctx;
	struct vm *vm;
	struct probe_cfg *cfg;
	__u32 probe;
	bool dropped;
};

/* One operation per bpf_loop iteration: the verifier checks this body once
 * instead of unrolling PROBE_MAX_OPS copies of a large switch. */
static long step(__u32 i, void *arg)
{
	struct loop_ctx *lc = arg;
	__u32 idx = i;

	if (i >= lc->cfg->nops || i >= PROBE_MAX_OPS)
		return 1;
	barrier_var(idx); /* keep the mask: the verifier needs it to bound the access */
	idx &= PROBE_MAX_OPS - 1;
	if (!exec_op(lc->ctx, lc->vm, lc->cfg, &lc->cfg->ops[idx], lc->probe)) {
		lc->dropped = true;
		return 1;
	}
	return 0;
}

/* Interprets the probe's operations, then emits or aggregates. */
static __always_inline void run_ops(void *ctx, struct vm *vm, struct probe_cfg *cfg, __u32 probe)
{
	struct loop_ctx lc = { ctx, vm, cfg, probe, false };

	if (!trigger_open(probe))
		return;
	vm->sp = 0;
	vm->agg_value = 0;
	__builtin_memset(&vm->key, 0, sizeof(vm->key));
	bpf_loop(PROBE_MAX_OPS, step, &lc, 0);
	if (lc.dropped) {
		pstat(probe, PSTAT_FILTERED);
		return;
	}
	if (!trigger_take(probe))
		return;
	if (cfg->output == OUTPUT_EVENT && crash_record(vm->record, cfg->record_size, vm->duration, probe)) {
		pstat(probe, PSTAT_EMITTED); /* kept only in the thread's crash ring */
		return;
	}
	/* hits = sampled out + filtered + emitted + dropped (+ hits a trigger
	 * gated, counted on the trigger), exactly */
	if (cfg->output == OUTPUT_EVENT ? emit_event(vm, cfg, probe) : aggregate(vm, cfg, probe))
		pstat(probe, PSTAT_EMITTED);
}

static __always_inline struct probe_cfg *probe_begin(__u32 probe, struct vm **vm)
{
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probes, &probe);

	if (!cfg || paused || !filter_current())
		return NULL;
	pstat(probe, PSTAT_HITS);
	trigger_hit(probe);
	if (cfg->kind != PROBE_URETPROBE && sampled_out(probe, cfg))
		return NULL;
	*vm = vm_get();
	return *vm ? cfg : NULL;
}

#define FRAME_MASK (PROBE_MAX_DEPTH - 1)

/* &st->frames[i], masked where the verifier sees it (the compiler would drop
 * a mask it can prove redundant, and the verifier cannot) */
static __always_inline struct pair_frame *frame_at(struct pair_stack *st, __u32 i)
{
	barrier_var(i);
	return &st->frames[i & FRAME_MASK];
}

/* Frames at or below a new call's stack position are gone (longjmp,
 * exceptions): drop them, counted as stale. A frame at the same position of
 * another probe is a sibling (two return probes on one function): live. */
static __always_inline __u32 drop_dead_frames(struct pair_stack *st, __u32 depth, __u64 sp,
					      __u32 probe)
{
	for (int i = 0; i < PROBE_MAX_DEPTH && depth; i++) {
		struct pair_frame *f = frame_at(st, depth - 1);

		if (f->sp > sp || (f->sp == sp && f->probe != probe))
			break;
		pstat(f->probe, PSTAT_STALE);
		depth--;
	}
	return depth;
}

static __always_inline void save_args(struct pair_frame *f, struct pt_regs *ctx)
{
	f->args[0] = PT_REGS_PARM1(ctx);
	f->args[1] = PT_REGS_PARM2(ctx);
	f->args[2] = PT_REGS_PARM3(ctx);
	f->args[3] = PT_REGS_PARM4(ctx);
	f->args[4] = PT_REGS_PARM5(ctx);
	f->args[5] = ARG6(ctx);
}

/* Entry of a return probe: push time, frame and argument registers. */
static __always_inline void pair_push(struct pt_regs *ctx, struct probe_cfg *cfg, __u32 probe)
{
	struct pair_stack *st;
	struct pair_frame *f;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 depth;

	if (sampled_out(probe, cfg)) {
		sampled_entry(probe);
		return;
	}
	st = bpf_task_storage_get(&pair_stacks, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		pstat(probe, PSTAT_DROPS); /* no memory for this thread's stack */
		return;
	}
	depth = drop_dead_frames(st, st->depth, sp, probe);
	if (depth >= PROBE_MAX_DEPTH) {
		pstat(probe, PSTAT_STALE); /* deeper than tracked: newest entry lost */
		st->depth = depth;
		return;
	}
	f = frame_at(st, depth);
	f->sp = sp;
	f->probe = probe;
	save_args(f, ctx);
	f->ts = bpf_ktime_get_ns();
	st->depth = depth + 1;
}

/* Takes frame f as this call's entry; frame top (a sibling) fills its slot. */
static __always_inline void pair_take(struct vm *vm, struct pair_frame *f, struct pair_frame *top)
{
	vm->duration = bpf_ktime_get_ns() - f->ts;
	__builtin_memcpy(vm->saved, f->args, sizeof(f->args));
	if (f != top)
		*f = *top;
}

/* The entry of this return's frame for probe in st (see the top comment),
 * NULL when there is none; *depth drops the stale frames above it. */
static __always_inline struct pair_frame *pair_find(struct pair_stack *st, __u64 frame,
						    __u32 probe, __u32 *depth)
{
	for (int i = 0; i < PROBE_MAX_DEPTH && *depth; i++) {
		struct pair_frame *top = frame_at(st, *depth - 1);

		if (top->sp > frame)
			break; /* an outer frame: this call's entry was never seen */
		if (top->sp < frame) {
			pstat(top->probe, PSTAT_STALE); /* a frame left by longjmp */
			(*depth)--;
			continue;
		}
		/* this frame: its entry is on top, or below sibling probes' */
		for (int j = 0; j < 4 && j < *depth; j++) {
			struct pair_frame *f = frame_at(st, *depth - 1 - j);

			if (f->sp != frame)
				break;
			if (f->probe == probe)
				return f;
		}
		break;
	}
	return NULL;
}

/* Return of a return probe: find this frame's entry. */
static __always_inline bool pair_pop(struct vm *vm, __u32 probe)
{
	struct pair_stack *st = bpf_task_storage_get(&pair_stacks, bpf_get_current_task_btf(), 0, 0);
	__u64 frame = PT_REGS_SP(&vm->regs) - 8;
	__u32 depth = st ? st->depth : 0;
	struct pair_frame *f = st ? pair_find(st, frame, probe, &depth) : NULL;

	if (st && f) {
		pair_take(vm, f, frame_at(st, depth - 1));
		st->depth = depth - 1;
		return true;
	}
	if (st)
		st->depth = depth;
	pstat(probe, sampled_return(probe) ? PSTAT_SAMPLED_RET : PSTAT_UNPAIRED);
	return false;
}

#include "bpf/span.bpf.h" /* request spans: span_entry/span_return hooks */

SEC("uprobe")
int probe_entry(struct pt_regs *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);
	struct probe_cfg *cfg;
	struct vm *vm;

	if (!(cfg = probe_begin(probe, &vm)))
		return 0;
	if (cfg->kind == PROBE_URETPROBE && !span_enabled) {
		pair_push(ctx, cfg, probe); /* reads the registers it keeps itself */
		return 0;
	}
	bpf_probe_read_kernel(&vm->regs, sizeof(vm->regs), ctx);
	vm->duration = 0;
	if (span_entry(ctx, vm, cfg, probe))
		return 0;
	if (cfg->kind == PROBE_URETPROBE)
		pair_push(ctx, cfg, probe);
	else
		run_ops(ctx, vm, cfg, probe);
	return 0;
}

SEC("uretprobe")
int probe_return(struct pt_regs *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probes, &probe);
	struct vm *vm = vm_get();

	if (!cfg || !vm || !filter_current())
		return 0;
	bpf_probe_read_kernel(&vm->regs, sizeof(vm->regs), ctx);
	if (span_return(ctx, vm, cfg, probe))
		return 0;
	if (pair_pop(vm, probe))
		run_ops(ctx, vm, cfg, probe);
	return 0;
}

SEC("usdt")
int probe_usdt(struct pt_regs *ctx)
{
	__u32 probe = bpf_usdt_cookie(ctx);
	struct probe_cfg *cfg;
	struct vm *vm;

	if (!(cfg = probe_begin(probe, &vm)))
		return 0;
	bpf_probe_read_kernel(&vm->regs, sizeof(vm->regs), ctx);
	vm->duration = 0;
	run_ops(ctx, vm, cfg, probe);
	return 0;
}

/* A tracepoint takes one attachment of a program, so probes on the same
 * event are chained through cfg->next and run in turn. */
static __always_inline void run_tp_probe(void *ctx, __u32 probe, struct probe_cfg *cfg,
					 struct vm *vm)
{
	__u32 size = cfg->tp_size;

	if (size > PROBE_TP_COPY)
		size = PROBE_TP_COPY;
	if (size)
		bpf_probe_read_kernel(vm->tp, size, ctx);
	vm->duration = 0;
	run_ops(ctx, vm, cfg, probe);
}

SEC("tp")
int probe_tp(void *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);

#pragma nounroll
	for (int i = 0; i < PROBE_TP_CHAIN && probe < PROBE_MAX; i++) {
		struct probe_cfg *cfg;
		struct vm *vm;
		__u32 next;

		cfg = bpf_map_lookup_elem(&probes, &probe);
		if (!cfg)
			break;
		next = cfg->next;
		if ((cfg = probe_begin(probe, &vm)))
			run_tp_probe(ctx, probe, cfg, vm);
		probe = next;
	}
	return 0;
}

#include "bpf/probe_fast.bpf.h" /* fast paths: probe_fast_entry/probe_fast_return */
