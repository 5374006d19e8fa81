/* Uprobe site classification (see uprobe_site.h).
 *
 * A uprobe replaces the first byte of the probed instruction with int3. On
 * the trap, x86-64 Linux either emulates the original instruction in the
 * kernel (one trap) or copies it to an out-of-line slot and single-steps it
 * there (a second trap, #DB, and a return to user space in between). What the
 * kernel does is decided once, at registration, by arch_uprobe_analyze_insn()
 * in arch/x86/kernel/uprobes.c. As of Linux 6.18 it runs, in this order:
 *
 *  1. uprobe_init_insn(): refuses the probe (-ENOTSUPP, the attach fails) for
 *     ES/CS/SS/DS segment or LOCK prefixes, for mov-to-%ss / pop %ss, and for
 *     opcodes outside its "good instruction" tables (in/out, int3, int N,
 *     hlt, cli/sti, syscall/sysret, ud2, 0f ae fxsave group, ...).
 *  2. branch_setup_xol_ops(): emulates NOPs (opcode 90 with any prefix, and
 *     the exact sequences of the kernel's x86_nops[] table, 1 to 8 bytes),
 *     jmp rel8/rel32 (eb, e9), call rel32 (e8) and every jcc (70-7f,
 *     0f 80-8f). A 66 operand-size prefix on a branch refuses the probe.
 *  3. push_setup_xol_ops(): emulates push %reg (50-57), one byte, or two
 *     bytes with exactly the REX prefix 41 (push %r8..%r15). Any other
 *     prefix (REX.W 48 55, 66 55) is single-stepped.
 *  4. Everything else is single-stepped: ret, endbr64, mov, sub, lea, xor,
 *     cmp, test, indirect call/jmp (ff /2, ff /4), ...
 *
 * Source: torvalds/linux arch/x86/kernel/uprobes.c read through the
 * project's code search. The newest copy there already uses insn_is_nop()
 * (arch/x86/lib/insn-eval.c, which also emulates mov %reg,%reg, lea
 * 0(%reg),%reg and any 0f 1f /0); the patch introducing it shows the
 * previous state, x86_nops[] plus "case 0x90". Which one 6.18 runs was
 * settled by measurement on this machine (docs/list.md): 48 89 c0 and
 * 0f 1f 04 24 cost a single-step (~11,000 ns a hit), 0f 1f 40 00 and f3 90
 * an emulation (~850 ns), 66 eb 00 and 66 2e 0f 1f 84.. fail to attach
 * (ENOTSUPP). A newer kernel that emulates more is reported pessimistically.
 *
 * The decoder here is deliberately small: legacy prefixes, REX, one- and
 * two-byte opcodes (0f, 0f 38, 0f 3a), ModRM/SIB/displacement and immediate
 * sizes, which is enough for the length of nearly any non-VEX instruction.
 * Mnemonics are spelled (AT&T) for the instructions that start functions;
 * other decodable instructions get "opcode XX" or their family name, and
 * what cannot be decoded (VEX/EVEX, truncated input) is reported as
 * unknown rather than guessed. */
#include "core/uprobe_site.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INSN 15

struct insn {
	const uint8_t *p;
	size_t len;
	unsigned npfx;
	uint8_t pfx[MAX_INSN];
	uint8_t rex;		/* 0 when none */
	bool opsize16;		/* 66 prefix */
	bool rep;		/* f3 prefix */
	unsigned nop;		/* opcode bytes: 1, 2 (0f xx) or 3 (0f 38/3a xx) */
	uint8_t op[3];
	bool has_modrm;
	uint8_t modrm, sib;
	bool has_sib;
	unsigned disp_len, imm_len;
	int64_t disp, imm;
	unsigned length;
};

/* ---- decoding ---- */

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

/* One-byte opcodes that take a ModRM byte. */
static bool one_byte_modrm(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x62: case 0x63: case 0x69: case 0x6b:
	case 0xc0: case 0xc1: case 0xc4: case 0xc5: case 0xc6: case 0xc7:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
	case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return true;
	default:
		return (op >= 0x80 && op <= 0x8f) || (op >= 0xd8 && op <= 0xdf);
	}
}

/* Immediate bytes of a one-byte opcode; -1 when the opcode is unsupported. */
static int one_byte_imm(const struct insn *in, uint8_t op)
{
	unsigned z = in->opsize16 ? 2 : 4; /* imm16/32 */

	if (op < 0x40)
		return (op & 7) == 4 ? 1 : (op & 7) == 5 ? (int)z : 0;
	if (op >= 0x70 && op <= 0x7f)
		return 1;
	if (op >= 0xb0 && op <= 0xb7)
		return 1;
	if (op >= 0xb8 && op <= 0xbf)
		return (in->rex & 8) ? 8 : (int)z;
	switch (op) {
	case 0x68: case 0x69: case 0x81: case 0xa9: case 0xc7: case 0xe8: case 0xe9:
		return op == 0xe8 || op == 0xe9 ? 4 : (int)z;
	case 0x6a: case 0x6b: case 0x80: case 0x83: case 0xa8: case 0xc0: case 0xc1:
	case 0xc6: case 0xcd: case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe4:
	case 0xe5: case 0xe6: case 0xe7: case 0xeb:
		return 1;
	case 0xc2: case 0xca:
		return 2;
	case 0xc8:
		return 3;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return 8; /* moffs64 */
	case 0xf6: case 0xf7:
		/* group 3: test r/m, imm has reg 0 or 1 */
		return ((in->modrm >> 3) & 7) < 2 ? (op == 0xf6 ? 1 : (int)z) : 0;
	case 0xc4: case 0xc5: case 0x62:
		return -1; /* VEX / EVEX prefixes in 64-bit mode */
	case 0x8f:
		return ((in->modrm >> 3) & 7) ? -1 : 0; /* pop r/m; else XOP */
	default:
		return 0;
	}
}

/* Two-byte (0f xx) opcodes without ModRM. */
static bool two_byte_no_modrm(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8f)
		return true;
	if (op >= 0xc8 && op <= 0xcf)
		return true;
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b: case 0x0e:
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x37:
	case 0x77: case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa:
		return true;
	default:
		return false;
	}
}

static int two_byte_imm(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8f)
		return 4;
	switch (op) {
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac: case 0xba:
	case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return 1;
	default:
		return 0;
	}
}

static bool need(const struct insn *in, size_t at, size_t n)
{
	return at + n <= in->len && at + n <= MAX_INSN;
}

static int64_t read_signed(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ull << (8 * n);
	return (int64_t)v;
}

/* ModRM, SIB and displacement starting at *at. */
static bool decode_modrm(struct insn *in, size_t *at)
{
	unsigned mod, rm;

	if (!need(in, *at, 1))
		return false;
	in->modrm = in->p[(*at)++];
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	if (mod != 3 && rm == 4) {
		if (!need(in, *at, 1))
			return false;
		in->has_sib = true;
		in->sib = in->p[(*at)++];
	}
	if (mod == 1)
		in->disp_len = 1;
	else if (mod == 2 || (mod == 0 && rm == 5) || (mod == 0 && in->has_sib && (in->sib & 7) == 5))
		in->disp_len = 4;
	if (!need(in, *at, in->disp_len))
		return false;
	in->disp = in->disp_len ? read_signed(in->p + *at, in->disp_len) : 0;
	*at += in->disp_len;
	return true;
}

static bool decode_opcode(struct insn *in, size_t *at)
{
	if (!need(in, *at, 1))
		return false;
	in->op[0] = in->p[(*at)++];
	in->nop = 1;
	if (in->op[0] != 0x0f)
		return true;
	if (!need(in, *at, 1))
		return false;
	in->op[1] = in->p[(*at)++];
	in->nop = 2;
	if (in->op[1] == 0x38 || in->op[1] == 0x3a) {
		if (!need(in, *at, 1))
			return false;
		in->op[2] = in->p[(*at)++];
		in->nop = 3;
	}
	return true;
}

/* Fills in; false when the bytes are not an instruction we can measure. */
static bool decode(struct insn *in, const uint8_t *code, size_t len)
{
	size_t at = 0;
	int imm;

	memset(in, 0, sizeof(*in));
	in->p = code;
	in->len = len;
	while (need(in, at, 1) && is_legacy_prefix(code[at])) {
		in->opsize16 |= code[at] == 0x66;
		in->rep |= code[at] == 0xf3;
		in->pfx[in->npfx++] = code[at++];
	}
	if (need(in, at, 1) && (code[at] & 0xf0) == 0x40)
		in->rex = code[at++];
	if (!decode_opcode(in, &at))
		return false;
	if (in->nop == 1)
		in->has_modrm = one_byte_modrm(in->op[0]);
	else
		in->has_modrm = in->nop == 3 || !two_byte_no_modrm(in->op[1]);
	if (in->has_modrm && !decode_modrm(in, &at))
		return false;
	if (in->nop == 1)
		imm = one_byte_imm(in, in->op[0]);
	else
		imm = in->nop == 3 ? (in->op[1] == 0x3a) : two_byte_imm(in->op[1]);
	if (imm < 0 || !need(in, at, (size_t)imm))
		return false;
	in->imm_len = (unsigned)imm;
	in->imm = imm ? read_signed(code + at, (unsigned)imm) : 0;
	at += (size_t)imm;
	in->length = (unsigned)at;
	return true;
}

/* ---- spelling (AT&T, like objdump) ---- */

static const char *const reg64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const reg32[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
				     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const reg16[] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
				     "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const reg8[] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
				    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const reg8_legacy[] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const cond[] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
				    "s", "ns", "p", "np", "l", "ge", "le", "g" };

/* Operand size in bytes of a non-byte instruction. */
static unsigned opsize(const struct insn *in)
{
	return (in->rex & 8) ? 8 : in->opsize16 ? 2 : 4;
}

static const char *reg_name(const struct insn *in, unsigned n, unsigned size)
{
	n &= 15;
	switch (size) {
	case 1: return in->rex || n >= 8 ? reg8[n] : reg8_legacy[n];
	case 2: return reg16[n];
	case 4: return reg32[n];
	default: return reg64[n];
	}
}

static unsigned modrm_reg(const struct insn *in)
{
	return ((in->modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
}

static void hex_signed(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "-0x%llx", (unsigned long long)-(uint64_t)v);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
}

/* The r/m operand: "%reg" or "disp(%base,%index,scale)". */
static void format_rm(const struct insn *in, unsigned size, char *buf, size_t len)
{
	unsigned mod = in->modrm >> 6, rm = (in->modrm & 7) | ((in->rex & 1) ? 8 : 0);
	char disp[32] = "";

	if (mod == 3) {
		snprintf(buf, len, "%%%s", reg_name(in, rm, size));
		return;
	}
	if (in->disp_len)
		hex_signed(disp, sizeof(disp), in->disp);
	if (!in->has_sib && mod == 0 && (in->modrm & 7) == 5) {
		snprintf(buf, len, "%s(%%rip)", disp);
		return;
	}
	if (!in->has_sib) {
		snprintf(buf, len, "%s(%%%s)", disp, reg64[rm]);
		return;
	}
	unsigned base = (in->sib & 7) | ((in->rex & 1) ? 8 : 0);
	unsigned index = ((in->sib >> 3) & 7) | ((in->rex & 2) ? 8 : 0);
	unsigned scale = 1u << (in->sib >> 6);
	char b[8] = "", i[24] = "";

	if (!(mod == 0 && (in->sib & 7) == 5))
		snprintf(b, sizeof(b), "%%%s", reg64[base]);
	if (index != 4)
		snprintf(i, sizeof(i), ",%%%s,%u", reg64[index], scale);
	snprintf(buf, len, "%s(%s%s)", disp, b, i);
}

/* "op %reg,r/m" or "op r/m,%reg" (to_reg) for ModRM instructions. */
static void format_reg_rm(const struct insn *in, const char *op, unsigned size, bool to_reg,
			  char *out, size_t len)
{
	char rm[64];
	const char *reg = reg_name(in, modrm_reg(in), size);

	format_rm(in, size, rm, sizeof(rm));
	if (to_reg)
		snprintf(out, len, "%s %s,%%%s", op, rm, reg);
	else
		snprintf(out, len, "%s %%%s,%s", op, reg, rm);
}

static void format_imm_rm(const struct insn *in, const char *op, unsigned size, char *out,
			  size_t len)
{
	char rm[64], imm[32];
	/* with a memory operand only a suffix says the width: cmpb, movq */
	const char *suffix = (in->modrm >> 6) == 3 ? "" : size == 1 ? "b" : size == 2 ? "w"
							    : size == 4 ? "l" : "q";

	format_rm(in, size, rm, sizeof(rm));
	hex_signed(imm, sizeof(imm), in->imm);
	snprintf(out, len, "%s%s $%s,%s", op, suffix, imm, rm);
}

static const char *const alu[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const shifts[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const char *const grp3[] = { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" };
static const char *const grp5[] = { "inc", "dec", "call *", "lcall *", "jmp *", "ljmp *", "push", "?" };

static bool format_alu(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[0];
	unsigned size = (op & 1) ? opsize(in) : 1;
	char imm[32];

	switch (op & 7) {
	case 0: case 1:
		format_reg_rm(in, alu[op >> 3], size, false, out, len);
		return true;
	case 2: case 3:
		format_reg_rm(in, alu[op >> 3], size, true, out, len);
		return true;
	case 4: case 5:
		hex_signed(imm, sizeof(imm), in->imm);
		snprintf(out, len, "%s $%s,%%%s", alu[op >> 3], imm, reg_name(in, 0, size));
		return true;
	default:
		return false;
	}
}

static bool format_group(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[0];
	unsigned r = (in->modrm >> 3) & 7, size = (op & 1) ? opsize(in) : 1;
	char rm[64];

	switch (op) {
	case 0x80: case 0x81: case 0x83:
		format_imm_rm(in, alu[r], op == 0x80 ? 1 : opsize(in), out, len);
		return true;
	case 0xc0: case 0xc1:
		format_imm_rm(in, shifts[r], size, out, len);
		return true;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		format_rm(in, size, rm, sizeof(rm));
		snprintf(out, len, "%s %s%s", shifts[r], op >= 0xd2 ? "%cl," : "", rm);
		return true;
	case 0xf6: case 0xf7:
		if (r < 2)
			format_imm_rm(in, "test", size, out, len);
		else {
			format_rm(in, size, rm, sizeof(rm));
			snprintf(out, len, "%s %s", grp3[r], rm);
		}
		return true;
	case 0xc6: case 0xc7:
		format_imm_rm(in, "mov", size, out, len);
		return true;
	case 0xfe: case 0xff:
		format_rm(in, op == 0xff && r >= 2 ? 8 : size, rm, sizeof(rm));
		snprintf(out, len, "%s%s%s", grp5[r], r >= 2 && r <= 5 ? "" : " ", rm);
		return true;
	default:
		return false;
	}
}

static bool format_nop(const struct insn *in, char *out, size_t len)
{
	char rm[64];

	if (in->nop == 1 && in->op[0] == 0x90) {
		snprintf(out, len, "%s", in->rep ? "pause" : in->opsize16 ? "xchg %ax,%ax" : "nop");
		return true;
	}
	if (in->nop == 2 && in->op[1] == 0x1f) {
		format_rm(in, 8, rm, sizeof(rm));
		snprintf(out, len, "nop%s %s", in->opsize16 ? "w" : "l", rm);
		return true;
	}
	if (in->nop == 2 && in->op[1] == 0x1e && in->rep && in->modrm == 0xfa) {
		snprintf(out, len, "endbr64");
		return true;
	}
	return false;
}

static bool format_branch(const struct insn *in, char *out, size_t len)
{
	char rel[32];
	uint8_t op = in->op[0];

	hex_signed(rel, sizeof(rel), in->imm);
	if (in->nop == 1 && op >= 0x70 && op <= 0x7f)
		snprintf(out, len, "j%s .%s%s", cond[op & 15], in->imm < 0 ? "" : "+", rel);
	else if (in->nop == 2 && in->op[1] >= 0x80 && in->op[1] <= 0x8f)
		snprintf(out, len, "j%s .%s%s", cond[in->op[1] & 15], in->imm < 0 ? "" : "+", rel);
	else if (in->nop == 1 && (op == 0xe8 || op == 0xe9 || op == 0xeb))
		snprintf(out, len, "%s .%s%s", op == 0xe8 ? "call" : "jmp", in->imm < 0 ? "" : "+",
			 rel);
	else if (in->nop == 1 && (op == 0xc3 || op == 0xc2))
		snprintf(out, len, "ret");
	else
		return false;
	return true;
}

static bool format_one_byte(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[0];
	unsigned b = (in->rex & 1) ? 8 : 0;
	char imm[32];

	hex_signed(imm, sizeof(imm), in->imm);
	if (op < 0x40)
		return format_alu(in, out, len);
	if (op >= 0x50 && op <= 0x5f)
		snprintf(out, len, "%s %%%s", op < 0x58 ? "push" : "pop",
			 reg_name(in, (op & 7) | b, in->opsize16 ? 2 : 8));
	else if (op >= 0xb8 && op <= 0xbf)
		snprintf(out, len, "mov $%s,%%%s", imm, reg_name(in, (op & 7) | b, opsize(in)));
	else if (op >= 0xb0 && op <= 0xb7)
		snprintf(out, len, "mov $%s,%%%s", imm, reg_name(in, (op & 7) | b, 1));
	else if (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b)
		format_reg_rm(in, "mov", (op & 1) ? opsize(in) : 1, op >= 0x8a, out, len);
	else if (op == 0x84 || op == 0x85)
		format_reg_rm(in, "test", (op & 1) ? opsize(in) : 1, false, out, len);
	else if (op == 0x86 || op == 0x87)
		format_reg_rm(in, "xchg", (op & 1) ? opsize(in) : 1, false, out, len);
	else if (op == 0x8d)
		format_reg_rm(in, "lea", opsize(in), true, out, len);
	else if (op == 0x63)
		format_reg_rm(in, "movslq", opsize(in), true, out, len);
	else if (op == 0x68 || op == 0x6a)
		snprintf(out, len, "push $%s", imm);
	else if (op == 0xc9)
		snprintf(out, len, "leave");
	else if (op == 0xcc)
		snprintf(out, len, "int3");
	else if (op == 0xf4)
		snprintf(out, len, "hlt");
	else
		return format_group(in, out, len);
	return true;
}

static bool format_two_byte(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[1];
	unsigned size = opsize(in);
	char rm[64];

	if (op >= 0x40 && op <= 0x4f) {
		char name[8];

		snprintf(name, sizeof(name), "cmov%s", cond[op & 15]);
		format_reg_rm(in, name, size, true, out, len);
	} else if (op >= 0x90 && op <= 0x9f) {
		format_rm(in, 1, rm, sizeof(rm));
		snprintf(out, len, "set%s %s", cond[op & 15], rm);
	} else if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) {
		format_rm(in, (op & 1) ? 2 : 1, rm, sizeof(rm));
		snprintf(out, len, "mov%s%s%s %s,%%%s", op >= 0xbe ? "s" : "z", (op & 1) ? "w" : "b",
			 size == 8 ? "q" : size == 2 ? "w" : "l", rm, reg_name(in, modrm_reg(in), size));
	} else if (op == 0xaf) {
		format_reg_rm(in, "imul", size, true, out, len);
	} else if (op == 0x05) {
		snprintf(out, len, "syscall");
	} else if (op == 0x0b) {
		snprintf(out, len, "ud2");
	} else {
		return false;
	}
	return true;
}

static void format_insn(const struct insn *in, char *out, size_t len)
{
	bool done = format_nop(in, out, len) || format_branch(in, out, len);

	if (!done && in->nop == 1)
		done = format_one_byte(in, out, len);
	else if (!done && in->nop == 2)
		done = format_two_byte(in, out, len);
	if (done)
		return;
	if (in->nop == 1)
		snprintf(out, len, "opcode %02x", in->op[0]);
	else if (in->nop == 2)
		snprintf(out, len, "opcode 0f %02x", in->op[1]);
	else
		snprintf(out, len, "opcode 0f %02x %02x", in->op[1], in->op[2]);
}

/* ---- what the kernel does with it ---- */

/* Opcodes arch/x86/kernel/uprobes.c refuses in 64-bit processes (not in its
 * good_insns_64 / good_2byte_insns tables). */
static bool opcode_refused(const struct insn *in)
{
	static const uint8_t one[] = { 0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37,
				       0x3f, 0x60, 0x61, 0x62, 0x6c, 0x6d, 0x6e, 0x6f, 0x82, 0x9a,
				       0xcc, 0xcd, 0xce, 0xcf, 0xd4, 0xd5, 0xd6, 0xe4, 0xe5, 0xe6,
				       0xe7, 0xea, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xfa, 0xfb };
	static const uint8_t two[] = { 0x00, 0x01, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b,
				       0x30, 0x34, 0x35, 0x37, 0x78, 0x79, 0xae };

	if (in->nop == 1)
		return memchr(one, in->op[0], sizeof(one)) != NULL;
	return in->nop == 2 && memchr(two, in->op[1], sizeof(two)) != NULL;
}

static bool kernel_nop(const struct insn *in);
static bool is_emulated_branch(const struct insn *in);

static const char *refusal(const struct insn *in)
{
	for (unsigned i = 0; i < in->npfx; i++)
		switch (in->pfx[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			return "segment prefix";
		case 0xf0:
			return "lock prefix";
		}
	if (in->nop == 1 && in->op[0] == 0x8e && ((in->modrm >> 3) & 7) == 2)
		return "mov to %ss";
	if (opcode_refused(in))
		return "instruction";
	if (in->opsize16 && is_emulated_branch(in) && !kernel_nop(in))
		return "16-bit branch";
	return NULL;
}

/* The NOPs Linux 6.18 emulates: any instruction whose first opcode byte is
 * 90 (whatever its prefixes: nop, xchg %ax,%ax, pause, rex.W nop), and the
 * exact byte sequences of the kernel's x86_nops[] table for lengths 1-8
 * (the P6 NOPL family). Other NOP encodings such as "nopl (%rsp)" are
 * single-stepped; later kernels generalise this with insn_is_nop(). */
static bool kernel_nop(const struct insn *in)
{
	static const uint8_t nops[9][8] = {
		{ 0 },
		{ 0x90 },
		{ 0x66, 0x90 },
		{ 0x0f, 0x1f, 0x00 },
		{ 0x0f, 0x1f, 0x40, 0x00 },
		{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};

	if (in->nop == 1 && in->op[0] == 0x90)
		return true;
	return in->length >= 1 && in->length <= 8 && !memcmp(in->p, nops[in->length], in->length);
}

static bool is_emulated_branch(const struct insn *in)
{
	uint8_t op = in->op[0];

	if (in->nop == 1)
		return op == 0xe8 || op == 0xe9 || op == 0xeb || (op >= 0x70 && op <= 0x7f);
	return in->nop == 2 && in->op[1] >= 0x80 && in->op[1] <= 0x8f;
}

static bool is_emulated_push(const struct insn *in)
{
	if (in->nop != 1 || in->op[0] < 0x50 || in->op[0] > 0x57)
		return false;
	return in->length == 1 || (in->length == 2 && in->rex == 0x41);
}

void uprobe_site_classify(const uint8_t *code, size_t len, struct uprobe_site *out)
{
	struct insn in;
	const char *why;
	char text[192];

	memset(out, 0, sizeof(*out));
	out->kind = SITE_UNKNOWN;
	if (!decode(&in, code, len)) {
		snprintf(out->mnemonic, sizeof(out->mnemonic), "unknown");
		return;
	}
	out->insn_len = in.length;
	format_insn(&in, text, sizeof(text));
	/* long memory operands are cut to the contract's 31 characters */
	snprintf(out->mnemonic, sizeof(out->mnemonic), "%.*s", (int)sizeof(out->mnemonic) - 1, text);
	why = refusal(&in);
	if (why) {
		/* The kernel rejects the probe (-ENOTSUPP): neither emulated nor
		 * stepped. The kind stays unknown; the mnemonic says why. */
		snprintf(out->mnemonic, sizeof(out->mnemonic), "%.*s (refused)",
			 (int)sizeof(out->mnemonic) - 11, text);
		return;
	}
	if (kernel_nop(&in) || is_emulated_push(&in) || is_emulated_branch(&in))
		out->kind = SITE_EMULATED;
	else
		out->kind = SITE_SINGLE_STEP;
}

const char *uprobe_site_kind_name(enum uprobe_site_kind kind)
{
	switch (kind) {
	case SITE_EMULATED: return "emulated";
	case SITE_SINGLE_STEP: return "single-step";
	default: return "unknown";
	}
}

/* ---- reading code from a binary ---- */

/* Reads up to MAX_INSN bytes at an ELF virtual address through the PT_LOAD
 * segment containing it; returns the count, 0 when outside the file image. */
static size_t read_code(Elf *elf, int fd, uint64_t vaddr, uint8_t *buf)
{
	size_t n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t avail;
		ssize_t got;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz)
			continue;
		avail = ph.p_filesz - (vaddr - ph.p_vaddr);
		got = pread(fd, buf, avail < MAX_INSN ? avail : MAX_INSN,
			    (off_t)(ph.p_offset + (vaddr - ph.p_vaddr)));
		return got > 0 ? (size_t)got : 0;
	}
	return 0;
}

int uprobe_site_classify_many(const char *binary, const uint64_t *vaddrs, size_t n,
			      struct uprobe_site *out)
{
	int fd = open(binary, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t code[MAX_INSN];
		size_t got = read_code(elf, fd, vaddrs[i], code);

		uprobe_site_classify(code, got, &out[i]);
	}
	elf_end(elf);
	close(fd);
	return 0;
}

int uprobe_site_at(const char *binary, uint64_t vaddr, struct uprobe_site *out)
{
	return uprobe_site_classify_many(binary, &vaddr, 1, out);
}
