/* The user probe engine's contract between the compiler (src/probe/) and
 * the one generic BPF program (src/bpf/probe.bpf.c).
 *
 * Each probe is compiled into a short list of operations for a small stack
 * machine: push a value (argument register, return value, saved entry
 * argument, tracepoint field, constant, pid, time...), transform it (add an
 * offset, dereference user memory, arithmetic, comparisons), and consume it
 * (drop the event when a predicate is false, store it into the record at an
 * offset, copy a string or bytes into the record, add it to an aggregation).
 * The BPF side interprets the list with a bounded loop: no code generation
 * at run time. Plain types only. */
#ifndef BPFSCOPE_BPF_PROBE_H
#define BPFSCOPE_BPF_PROBE_H

#include "bpf/common.h"

#define PROBE_MAX 64         /* probes per session */
#define PROBE_MAX_OPS 64     /* operations per probe (power of two: masked index) */
#define PROBE_STACK 8        /* value stack depth */
#define PROBE_RECORD 512     /* bytes of one event record (power of two) */
#define PROBE_KEY 64         /* bytes of an aggregation key (power of two) */
#define PROBE_SAVED_ARGS 6   /* argument registers saved at entry for return probes */
#define PROBE_MAX_DEPTH 16   /* recursion depth tracked per thread and probe */
#define PROBE_TP_COPY 256    /* bytes of a tracepoint record copied for field reads */
#define PROBE_STRCONST 64    /* bytes of a string constant (comparisons) */
#define PROBE_TP_CHAIN 8     /* probes sharing one tracepoint */

enum probe_op_code {
	POP_NOP,
	/* push */
	POP_ARG,       /* a: argument index (ABI registers, then stack) */
	POP_RETVAL,    /* return value register */
	POP_SAVED_ARG, /* a: argument saved at entry (return probes) */
	POP_USDT_ARG,  /* a: USDT argument index */
	POP_TP_FIELD,  /* a: offset, b: size, c: 1 signed */
	POP_TP_DATALOC, /* a: offset of a __data_loc field: pushes its kernel address */
	POP_TP_ADDR,  /* a: offset: pushes the kernel address of a field of the record */
	POP_IMM,       /* imm */
	POP_PID, POP_TID, POP_UID, POP_CPU, POP_TIME, POP_DURATION, POP_REG, /* POP_REG a: pt_regs offset */
	/* transform the top */
	POP_ADD_IMM,   /* top += imm */
	POP_DEREF,     /* top = *(size b)top from user memory (kernel memory when c == 1); a: signed */
	POP_BITFIELD,  /* top = (top >> a) & ((1 << b) - 1), sign-extended when c */
	POP_NEG, POP_NOT, POP_BNOT,
	/* binary: pops b then a, pushes a OP b */
	POP_ADDX, POP_SUB, POP_MUL, POP_DIV, POP_MOD, POP_AND, POP_OR, POP_XOR, POP_SHL, POP_SHR,
	POP_EQ, POP_NE, POP_LT, POP_LE, POP_GT, POP_GE, /* unsigned */
	POP_SLT, POP_SLE, POP_SGT, POP_SGE,           /* signed */
	POP_LAND, POP_LOR,
	POP_STREQ,     /* pops a user/kernel string pointer; a: const index, c: 1 kernel; pushes 1/0 */
	/* consume */
	POP_FILTER,    /* pop; drop the event when 0 */
	POP_STORE,     /* pop into record (or key, c == 1) at offset a, size b */
	POP_STR,       /* pop pointer, copy a NUL-terminated string: offset a, max b; c: 1 kernel, 2 key */
	POP_STRN,      /* pop length, pop pointer, copy that many bytes (<= b) at offset a; c as POP_STR */
	POP_BYTES,     /* pop pointer, copy b bytes at offset a; c as POP_STR */
	POP_AGG_VALUE, /* pop: the value aggregated (hist/sum) */
	POP_COMM,     /* current comm into record/key at offset a (c & 2: key) */
	POP__COUNT
};

struct probe_op {
	__u8 code;
	__u8 c;
	__u16 a;
	__u32 b;
	__s64 imm;
};

enum probe_kind { PROBE_UPROBE, PROBE_URETPROBE, PROBE_USDT, PROBE_TRACEPOINT };
enum probe_output { OUTPUT_EVENT, OUTPUT_COUNT, OUTPUT_HIST, OUTPUT_LHIST, OUTPUT_SUM };

struct probe_cfg {
	__u32 kind;          /* enum probe_kind */
	__u32 output;        /* enum probe_output */
	__u32 nops;
	__u32 record_size;   /* bytes of the event record, header included */
	__u32 sample_every;  /* keep 1 of N hits (0/1: all) */
	__u32 key_size;      /* aggregation key bytes used */
	__u32 tp_size;       /* tracepoint record bytes to copy */
	__u32 next;          /* tracepoints: next probe on the same event, PROBE_MAX: none */
	__u64 lhist_min, lhist_step; /* linear histograms */
	struct probe_op ops[PROBE_MAX_OPS];
	char strconst[4][PROBE_STRCONST];
};

/* Header of every event record; fields follow at compiler-chosen offsets. */
struct probe_event {
	__u32 probe;
	__u32 pid, tid;
	__u32 cpu;
	__u64 ts_ns;
	__u64 duration_ns;  /* return probes */
	char comm[TASK_COMM_LEN];
};

/* Aggregation map key and value. */
struct probe_agg_key {
	__u32 probe;
	__u32 pad;
	__u8 data[PROBE_KEY];
};

struct probe_agg_value {
	__u64 count;
	__u64 sum;
	__u64 slots[64];
};

/* Per-probe counters (per-CPU array, index probe * PSTAT__COUNT + stat). */
enum probe_stat {
	PSTAT_HITS,      /* handler ran for this probe */
	PSTAT_SAMPLED,   /* hits skipped by --sample */
	PSTAT_FILTERED,  /* predicate false */
	PSTAT_EMITTED,   /* events written or aggregated (not the dropped ones) */
	PSTAT_DROPS,     /* ring buffer full / aggregation map full */
	PSTAT_STALE,     /* entries discarded: returns that never came (longjmp, exceptions) */
	PSTAT_UNPAIRED,  /* returns without a recorded entry (attached mid-call, sampled out) */
	PSTAT_ERRORS,    /* failed memory reads (value 0 used) */
	PSTAT__COUNT
};

#endif
