/* Entry-probe relocation: see prologue.h for the design.
 *
 * Instruction lengths and the kernel's treatment (emulated, single-stepped,
 * refused) come from core/uprobe_site, the same classification `bpfscope
 * list` prints. This file decodes only the operands of the instructions it
 * models and tracks, for each of the 16 general registers and for 8-byte
 * stack slots (addressed relative to the entry %rsp), which argument's entry
 * value it holds. */
#include "probe/prologue.h"

#include <stdio.h>
#include <string.h>

#include "core/uprobe_site.h"

#define MAX_SLOTS 16
#define REG_RSP	  4
#define NONE	  (-1)

/* System V argument registers: rdi, rsi, rdx, rcx, r8, r9. */
static const unsigned arg_regs[PROLOGUE_ARGS] = {7, 6, 2, 1, 8, 9};

static const char *const names64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

struct slot {
	int32_t off; /* relative to the entry %rsp */
	int arg;
};

struct state {
	int reg[16]; /* argument whose entry value the register holds, or NONE */
	struct slot slots[MAX_SLOTS];
	int nslots;
	int32_t delta; /* entry %rsp - current %rsp */
};

/* The operands of one instruction, as far as the model needs them. */
struct operands {
	unsigned len;
	uint8_t rex;
	bool opsize16, rep;
	unsigned nopc;	       /* 1, or 2 for 0f xx */
	uint8_t opc;	       /* the last opcode byte */
	unsigned mod, reg, rm; /* reg and rm with the REX bits */
	bool mem_sp;	       /* memory operand is disp(%rsp) with no index */
	int32_t disp;
	const uint8_t *end; /* first byte after the instruction (immediates end here) */
};

/* Little-endian signed 8- or 32-bit field. */
static int32_t sfield(const uint8_t *p, unsigned n)
{
	int32_t v32;

	if (n == 1)
		return (int8_t)p[0];
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

/* Decodes prefixes, REX, opcode and ModRM/SIB/displacement of code[0..len). */
static bool operands(const uint8_t *code, unsigned len, struct operands *o)
{
	unsigned at = 0;

	memset(o, 0, sizeof(*o));
	o->len = len;
	o->end = code + len;
	/* operand size, rep, and segment prefixes: %fs/%gs loads (the stack
	 * protector's canary, thread-locals) read memory, they never write it */
	while (at < len && (code[at] == 0x66 || code[at] == 0xf2 || code[at] == 0xf3 ||
			    code[at] == 0x64 || code[at] == 0x65 || code[at] == 0x2e ||
			    code[at] == 0x3e || code[at] == 0x26 || code[at] == 0x36)) {
		o->opsize16 |= code[at] == 0x66;
		o->rep |= code[at] == 0xf3;
		at++;
	}
	if (at < len && (code[at] & 0xf0) == 0x40)
		o->rex = code[at++];
	if (at >= len)
		return false;
	o->nopc = code[at] == 0x0f ? 2 : 1;
	at += o->nopc - 1;
	if (at >= len)
		return false;
	o->opc = code[at++];
	if (at >= len)
		return true; /* no ModRM */
	uint8_t modrm = code[at++];

	o->mod = modrm >> 6;
	o->reg = ((modrm >> 3) & 7) | ((o->rex & 4) ? 8 : 0);
	o->rm = (modrm & 7) | ((o->rex & 1) ? 8 : 0);
	if (o->mod == 3)
		return true;
	if ((modrm & 7) == 4) {
		uint8_t sib;

		if (at >= len)
			return false;
		sib = code[at++];
		o->mem_sp =
		    (sib & 7) == 4 && !(o->rex & 1) && ((sib >> 3) & 7) == 4 && !(o->rex & 2);
	}
	if (o->mod == 1 && at + 1 <= len)
		o->disp = sfield(code + at, 1);
	else if (o->mod == 2 && at + 4 <= len)
		o->disp = sfield(code + at, 4);
	return true;
}

static int slot_find(const struct state *s, int32_t off)
{
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].off == off)
			return i;
	return NONE;
}

/* Memory at entry-relative [off, off + size) now holds arg (NONE: anything). */
static void slot_store(struct state *s, int32_t off, unsigned size, int arg)
{
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].off < off + (int32_t)size && off < s->slots[i].off + 8)
			s->slots[i--] = s->slots[--s->nslots];
	if (size == 8 && arg != NONE && s->nslots < MAX_SLOTS)
		s->slots[s->nslots++] = (struct slot){off, arg};
}

/* A store to the memory operand: only into the function's own frame
 * (below the entry %rsp) is harmless; anything else may change what the
 * probe would read. */
static bool store(struct state *s, const struct operands *o, unsigned size, int arg, char *why,
		  size_t len)
{
	int32_t off = o->disp - s->delta;

	if (!o->mem_sp || off + (int32_t)size > 0) {
		snprintf(why, len, "a store outside the stack frame");
		return false;
	}
	slot_store(s, off, size, arg);
	return true;
}

static unsigned opsize(const struct operands *o)
{
	return (o->rex & 8) ? 8 : o->opsize16 ? 2 : 4;
}

/* Register dst gets a value that is no argument (or the argument held by src). */
static bool set_reg(struct state *s, unsigned dst, int arg, char *why, size_t len)
{
	if (dst == REG_RSP) {
		snprintf(why, len, "a write to %%rsp");
		return false;
	}
	s->reg[dst] = arg;
	return true;
}

/* mov r/m,reg (89), mov reg,r/m (8b) and their byte forms (88, 8a). */
static bool model_mov(struct state *s, const struct operands *o, char *why, size_t len)
{
	unsigned size = (o->opc & 1) ? opsize(o) : 1;
	/* a 32-bit move keeps the low half, all an int argument has; narrower ones don't */
	bool keeps = size >= 4;

	if (o->opc <= 0x89) { /* reg -> r/m */
		int v = keeps ? s->reg[o->reg] : NONE;

		if (o->mod == 3)
			return set_reg(s, o->rm, v, why, len);
		return store(s, o, size, size == 8 ? s->reg[o->reg] : NONE, why, len);
	}
	if (o->mod == 3) /* r/m -> reg */
		return set_reg(s, o->reg, keeps ? s->reg[o->rm] : NONE, why, len);
	if (o->mem_sp && size == 8) {
		int i = slot_find(s, o->disp - s->delta);

		return set_reg(s, o->reg, i == NONE ? NONE : s->slots[i].arg, why, len);
	}
	return set_reg(s, o->reg, NONE, why, len); /* a load: no side effect */
}

/* add/sub $imm,%rsp: the frame grows or shrinks. */
static bool model_rsp_imm(struct state *s, const struct operands *o, char *why, size_t len)
{
	unsigned ext = o->reg & 7;
	int64_t imm = sfield(o->end - (o->opc == 0x83 ? 1 : 4), o->opc == 0x83 ? 1 : 4);

	if (!(o->rex & 8) || (ext != 0 && ext != 5) || imm < 0 || imm > 65536) {
		snprintf(why, len, "an unusual change of %%rsp");
		return false;
	}
	s->delta += ext == 5 ? (int32_t)imm : -(int32_t)imm;
	if (s->delta < 0) {
		snprintf(why, len, "%%rsp raised above its entry value");
		return false;
	}
	return true;
}

/* ALU r/m,reg forms (00-3b) and immediates (80, 81, 83, c1, d1, c7, b8-bf...). */
static bool model_alu(struct state *s, const struct operands *o, char *why, size_t len)
{
	unsigned kind = o->opc & 7, size = (o->opc & 1) ? opsize(o) : 1;
	bool is_cmp = o->opc >= 0x38;

	if (kind >= 4) { /* op $imm,%al/%eax */
		return is_cmp || set_reg(s, 0, NONE, why, len);
	}
	if (is_cmp)
		return true; /* flags only */
	if (kind >= 2)	     /* r/m -> reg */
		return set_reg(s, o->reg, NONE, why, len);
	if (o->mod == 3)
		return set_reg(s, o->rm, NONE, why, len);
	return store(s, o, size, NONE, why, len);
}

/* Groups with an r/m destination: 80/81/83 (ALU imm), c0/c1/d0-d3 (shifts),
 * c6/c7 (mov imm), f6/f7 (test/not/neg/mul/div), fe/ff /0 /1 (inc, dec). */
static bool model_group(struct state *s, const struct operands *o, char *why, size_t len)
{
	unsigned ext = o->reg & 7, size = (o->opc & 1) ? opsize(o) : 1;

	if ((o->opc == 0x81 || o->opc == 0x83) && o->mod == 3 && o->rm == REG_RSP)
		return model_rsp_imm(s, o, why, len);
	if ((o->opc >= 0x80 && o->opc <= 0x83 && ext == 7) ||
	    ((o->opc == 0xf6 || o->opc == 0xf7) && ext < 2))
		return true; /* cmp, test: flags only */
	if ((o->opc == 0xf6 || o->opc == 0xf7) && ext >= 4) {
		snprintf(why, len, "a multiply or divide (%%rdx:%%rax)");
		return false;
	}
	if ((o->opc == 0xfe || o->opc == 0xff) && ext > 1) {
		snprintf(why, len, "an indirect branch or push");
		return false;
	}
	if (o->mod == 3)
		return set_reg(s, o->rm, NONE, why, len);
	return store(s, o, size, NONE, why, len);
}

/* SSE moves and zeroing: they write XMM registers, which hold no integer
 * argument, or memory (stores: the frame rule), or a general register
 * (movd/movq xmm -> r/m, 66 0f 7e). */
static bool model_sse(struct state *s, const struct operands *o, char *why, size_t len)
{
	uint8_t op = o->opc;

	if (op == 0x10 || op == 0x28 || op == 0x6f || op == 0xef || op == 0x57 || op == 0x6e ||
	    (op == 0x7e && o->rep) || op == 0x12 || op == 0x16)
		return true; /* loads into and operations on XMM registers */
	if (op == 0x7e)	     /* movd/movq xmm -> r/m */
		return o->mod == 3 ? set_reg(s, o->rm, NONE, why, len)
				   : store(s, o, (o->rex & 8) ? 8 : 4, NONE, why, len);
	if (op == 0x11 || op == 0x29 || op == 0x7f || op == 0xd6 || op == 0x13 || op == 0x17)
		return o->mod == 3 || store(s, o, 16, NONE, why, len);
	snprintf(why, len, "an instruction the relocation does not model");
	return false;
}

static bool model_two_byte(struct state *s, const struct operands *o, char *why, size_t len)
{
	uint8_t op = o->opc;

	if (op == 0x1e || op == 0x1f || (op >= 0x18 && op <= 0x1d))
		return true; /* endbr64, hint NOPs */
	if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0xaf ||
	    (op >= 0x40 && op <= 0x4f))
		return set_reg(s, o->reg, NONE, why, len); /* movzx, movsx, imul, cmov */
	if (op >= 0x90 && op <= 0x9f) {
		if (o->mod == 3)
			return set_reg(s, o->rm, NONE, why, len);
		return store(s, o, 1, NONE, why, len);
	}
	return model_sse(s, o, why, len);
}

/* A single-stepped instruction's effect on the state; false (with why) when
 * it cannot be modelled. */
static bool model(struct state *s, const uint8_t *code, unsigned len, char *why, size_t wlen)
{
	struct operands o;
	uint8_t op;

	if (!operands(code, len, &o)) {
		snprintf(why, wlen, "an undecodable instruction");
		return false;
	}
	op = o.opc;
	if (o.nopc == 2)
		return model_two_byte(s, &o, why, wlen);
	if (op < 0x40 && (op & 7) < 6)
		return model_alu(s, &o, why, wlen);
	if (op >= 0x88 && op <= 0x8b)
		return model_mov(s, &o, why, wlen);
	if (op == 0x63 || op == 0x8d) /* movslq, lea */
		return set_reg(s, o.reg, NONE, why, wlen);
	if (op == 0x84 || op == 0x85 || op == 0x90 || op == 0xa8 || op == 0xa9)
		return true;	      /* test, nop forms */
	if (op == 0x98 || op == 0x99) /* cltq/cqto: %rax, or %rdx from %rax */
		return set_reg(s, op == 0x98 ? 0 : 2, NONE, why, wlen);
	if (op >= 0xb8 && op <= 0xbf)
		return set_reg(s, (op & 7) | ((o.rex & 1) ? 8 : 0), NONE, why, wlen);
	if (op >= 0xb0 && op <= 0xb7)
		return set_reg(s, (op & 7) | ((o.rex & 1) ? 8 : 0), NONE, why, wlen);
	if (op >= 0x50 && op <= 0x57) { /* a push the kernel single-steps (48 55, 66 55) */
		unsigned r = (op & 7) | ((o.rex & 1) ? 8 : 0), size = o.opsize16 ? 2 : 8;

		s->delta += (int32_t)size;
		slot_store(s, -s->delta, size, size == 8 ? s->reg[r] : NONE);
		return true;
	}
	if ((op >= 0x80 && op <= 0x83) || op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3) ||
	    op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff)
		return model_group(s, &o, why, wlen);
	snprintf(why, wlen, "an instruction the relocation does not model");
	return false;
}

/* Target of a direct branch at off (length len), or -1 when it is none. */
static int64_t branch_target(const uint8_t *code, size_t off, unsigned len)
{
	const uint8_t *p = code + off;
	unsigned at = 0;

	while (at < len &&
	       (p[at] == 0x66 || p[at] == 0xf2 || p[at] == 0xf3 || p[at] == 0x2e || p[at] == 0x3e))
		at++;
	if (at >= len)
		return -1;
	if ((p[at] >= 0x70 && p[at] <= 0x7f) || p[at] == 0xeb || p[at] == 0xe3)
		return (int64_t)(off + len) + sfield(p + len - 1, 1);
	if (p[at] == 0xe8 || p[at] == 0xe9 ||
	    (p[at] == 0x0f && at + 1 < len && p[at + 1] >= 0x80 && p[at + 1] <= 0x8f))
		return (int64_t)(off + len) + sfield(p + len - 4, 4);
	return -1;
}

/* Whether any direct branch of the function lands in (0, site]: then the
 * new site would also fire for that jump, not only for calls. */
static bool jumps_into(const uint8_t *code, size_t len, uint32_t site, char *why, size_t wlen)
{
	for (size_t off = 0; off < len;) {
		struct uprobe_site u;
		int64_t t;

		uprobe_site_classify(code + off, len - off, &u);
		if (!u.insn_len) {
			snprintf(why, wlen,
				 "cannot decode the function at +0x%zx to check that no jump "
				 "lands in the prologue",
				 off);
			return true;
		}
		t = branch_target(code, off, u.insn_len);
		if (t > 0 && t <= (int64_t)site) {
			snprintf(why, wlen, "a jump at +0x%zx lands inside the prologue (+0x%llx)",
				 off, (long long)t);
			return true;
		}
		off += u.insn_len;
	}
	return false;
}

static void locate_args(const struct state *s, struct prologue_plan *plan)
{
	for (int a = 0; a < PROLOGUE_ARGS; a++) {
		struct arg_loc *l = &plan->args[a];

		l->kind = ARGLOC_LOST;
		if (s->reg[arg_regs[a]] == a) { /* prefer the ABI register itself */
			*l = (struct arg_loc){ARGLOC_REG, arg_regs[a], 0};
			continue;
		}
		for (unsigned r = 0; r < 16 && l->kind == ARGLOC_LOST; r++)
			if (s->reg[r] == a)
				*l = (struct arg_loc){ARGLOC_REG, r, 0};
		for (int i = 0; i < s->nslots && l->kind == ARGLOC_LOST; i++)
			if (s->slots[i].arg == a)
				*l = (struct arg_loc){ARGLOC_STACK, 0, s->slots[i].off + s->delta};
	}
}

void prologue_analyze(const uint8_t *code, size_t len, struct prologue_plan *plan)
{
	struct state s = {.nslots = 0};
	size_t off = 0, used = 0;
	char why[120];

	memset(plan, 0, sizeof(*plan));
	for (int r = 0; r < 16; r++)
		s.reg[r] = NONE;
	for (int a = 0; a < PROLOGUE_ARGS; a++)
		s.reg[arg_regs[a]] = a;
	for (unsigned n = 0; n <= PROLOGUE_MAX_INSNS && off < len; n++) {
		struct uprobe_site u;

		uprobe_site_classify(code + off, len - off, &u);
		if (u.kind == SITE_EMULATED && !strstr(u.mnemonic, "mis-emulated")) {
			if (off == 0) {
				snprintf(plan->why, sizeof(plan->why),
					 "the first instruction is emulated");
				return;
			}
			if (jumps_into(code, len, (uint32_t)off, plan->why, sizeof(plan->why)))
				return;
			plan->relocated = true;
			plan->offset = (uint32_t)off;
			plan->sp_delta = s.delta;
			plan->nskipped = n;
			locate_args(&s, plan);
			return;
		}
		if (u.kind != SITE_SINGLE_STEP || !u.insn_len) {
			snprintf(plan->why, sizeof(plan->why), "+0x%zx: %s cannot be probed", off,
				 u.mnemonic);
			return;
		}
		if (!model(&s, code + off, u.insn_len, why, sizeof(why))) {
			snprintf(plan->why, sizeof(plan->why), "+0x%zx: %s is %s", off, u.mnemonic,
				 why);
			return;
		}
		used += (size_t)snprintf(plan->why + used,
					 used < sizeof(plan->why) ? sizeof(plan->why) - used : 0,
					 "%s%s", used ? "; " : "", u.mnemonic);
		if (used >= sizeof(plan->why))
			used = sizeof(plan->why);
		off += u.insn_len;
	}
	snprintf(plan->why, sizeof(plan->why),
		 "no emulated instruction in the first %d of the straight-line prologue",
		 PROLOGUE_MAX_INSNS);
}

int prologue_pt_regs_offset(unsigned reg)
{
	/* struct pt_regs (x86-64): r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx
	 * rdx rsi rdi orig_rax rip cs eflags rsp ss, 8 bytes each */
	static const int slot[16] = {10, 11, 12, 5, 19, 4, 13, 14, 9, 8, 7, 6, 3, 2, 1, 0};

	return reg < 16 ? slot[reg] * 8 : -1;
}

const char *prologue_reg_name(unsigned reg)
{
	return reg < 16 ? names64[reg] : "?";
}
