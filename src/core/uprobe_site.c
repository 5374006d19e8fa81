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
 * VEX/EVEX instructions go through the same steps with the opcode byte after
 * the prefix standing in for a one-byte opcode (the kernel's decoder reports
 * it so): vmovups (..10) is single-stepped, vmovdqu (..6f) and vpxor (..ef)
 * are refused because 6f/ef are not "good" one-byte opcodes, and opcodes
 * 70-7f, e8, e9, eb, 90 are taken for jcc/call/jmp/nop and "emulated" as
 * such: vzeroupper (c5 f8 77) and vpbroadcastb (c4 e2 7d 78) map no XOL
 * page when probed here, i.e. the kernel never executes them. We report
 * those as emulated, marked "(mis-emulated)": probing there changes what
 * the program computes.
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
	uint8_t rex;	  /* 0 when none */
	bool opsize16;	  /* 66 prefix */
	bool rep;	  /* f3 prefix */
	unsigned nop;	  /* opcode bytes: 1, 2 (0f xx) or 3 (0f 38/3a xx) */
	uint8_t vex;	  /* c5, c4 (VEX) or 62 (EVEX); 0 for legacy encodings */
	unsigned vex_map; /* 1: 0f, 2: 0f 38, 3: 0f 3a */
	uint8_t op[3];
	bool has_modrm;
	uint8_t modrm, sib;
	bool has_sib;
	unsigned disp_len, imm_len;
	int64_t disp, imm;
	unsigned length;
};

/* ---- decoding ---- */

static bool in_set(uint8_t b, const uint8_t *set, size_t n)
{
	return memchr(set, b, n) != NULL;
}

/* IN(b, 0x26, 0x2e, ...): whether b is one of the listed bytes. */
#define IN(b, ...)                                                                                 \
	in_set((b), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static bool is_legacy_prefix(uint8_t b)
{
	return IN(b, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3);
}

/* One-byte opcodes that take a ModRM byte. */
static bool one_byte_modrm(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	return IN(op, 0x62, 0x63, 0x69, 0x6b, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2,
		  0xd3, 0xf6, 0xf7, 0xfe, 0xff) ||
	       (op >= 0x80 && op <= 0x8f) || (op >= 0xd8 && op <= 0xdf);
}

/* Immediate bytes of a one-byte opcode; -1 when the opcode is unsupported. */
static int one_byte_imm(const struct insn *in, uint8_t op)
{
	int z = in->opsize16 ? 2 : 4; /* imm16/32 */
	unsigned reg = (in->modrm >> 3) & 7;

	if (op < 0x40)
		return (op & 7) == 4 ? 1 : (op & 7) == 5 ? z : 0;
	if ((op >= 0x70 && op <= 0x7f) || (op >= 0xb0 && op <= 0xb7))
		return 1;
	if (op >= 0xb8 && op <= 0xbf)
		return (in->rex & 8) ? 8 : z;
	if (IN(op, 0x68, 0x69, 0x81, 0xa9, 0xc7))
		return z;
	if (IN(op, 0xe8, 0xe9))
		return 4;
	if (IN(op, 0x6a, 0x6b, 0x80, 0x83, 0xa8, 0xc0, 0xc1, 0xc6, 0xcd, 0xe0, 0xe1, 0xe2, 0xe3,
	       0xe4, 0xe5, 0xe6, 0xe7, 0xeb))
		return 1;
	if (IN(op, 0xc2, 0xca))
		return 2;
	if (op == 0xc8)
		return 3;
	if (op >= 0xa0 && op <= 0xa3)
		return 8;	      /* moffs64 */
	if (op == 0xf6 || op == 0xf7) /* group 3: only test r/m,imm (reg 0, 1) has one */
		return reg < 2 ? (op == 0xf6 ? 1 : z) : 0;
	if (IN(op, 0xc4, 0xc5, 0x62))
		return -1; /* VEX / EVEX prefixes, handled before */
	if (op == 0x8f)
		return reg ? -1 : 0; /* pop r/m; otherwise an XOP prefix */
	return 0;
}

/* Two-byte (0f xx) opcodes without ModRM. */
static bool two_byte_no_modrm(uint8_t op)
{
	return (op >= 0x80 && op <= 0x8f) || (op >= 0xc8 && op <= 0xcf) ||
	       IN(op, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
		  0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa);
}

static int two_byte_imm(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8f)
		return 4;
	return IN(op, 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6) ? 1 : 0;
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
	else if (mod == 2 || (mod == 0 && rm == 5) ||
		 (mod == 0 && in->has_sib && (in->sib & 7) == 5))
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

/* VEX (c5, c4) and EVEX (62) prefixes. Like the kernel's decoder, the opcode
 * byte after the prefix is kept as a one-byte opcode (op[0], nop 1): the
 * uprobe code then checks it against its one-byte tables, which is what
 * classification must reproduce. */
static bool decode_vex(struct insn *in, size_t *at)
{
	const uint8_t *p = in->p + *at;
	unsigned plen = p[0] == 0xc5 ? 2 : p[0] == 0xc4 ? 3 : 4;

	if (!need(in, *at, plen + 1))
		return false;
	if (p[0] == 0xc5)
		in->vex_map = 1;
	else if (p[0] == 0xc4)
		in->vex_map = p[1] & 0x1f;
	else if (p[2] & 0x04) /* EVEX has this bit set; else BOUND, invalid in 64-bit mode */
		in->vex_map = p[1] & 0x07;
	if (in->vex_map < 1 || in->vex_map > 3)
		return false;
	in->vex = p[0];
	in->op[0] = p[plen];
	in->nop = 1;
	*at += plen + 1;
	return true;
}

static int vex_imm(const struct insn *in)
{
	uint8_t op = in->op[0];

	if (in->vex_map == 3)
		return 1;
	return in->vex_map == 1 &&
	       ((op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6));
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
	if (need(in, at, 1) && (code[at] == 0xc4 || code[at] == 0xc5 || code[at] == 0x62)) {
		if (!decode_vex(in, &at))
			return false;
		in->has_modrm = !(in->vex_map == 1 && in->op[0] == 0x77); /* vzeroupper/all */
		if (in->has_modrm && !decode_modrm(in, &at))
			return false;
		imm = vex_imm(in);
	} else {
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
	}
	if (imm < 0 || !need(in, at, (size_t)imm))
		return false;
	in->imm_len = (unsigned)imm;
	in->imm = imm ? read_signed(code + at, (unsigned)imm) : 0;
	at += (size_t)imm;
	in->length = (unsigned)at;
	return true;
}
/* ---- spelling (AT&T, like objdump) ---- */

static const char *const reg64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const reg32[] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
				    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const reg16[] = {"ax",  "cx",  "dx",	  "bx",	  "sp",	  "bp",	  "si",	  "di",
				    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const reg8[] = {"al",  "cl",	 "dl",	 "bl",	 "spl",	 "bpl",	 "sil",	 "dil",
				   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const reg8_legacy[] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
static const char *const cond[] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
				   "s", "ns", "p", "np", "l", "ge", "le", "g"};

/* Operand size in bytes of a non-byte instruction. */
static unsigned opsize(const struct insn *in)
{
	return (in->rex & 8) ? 8 : in->opsize16 ? 2 : 4;
}

static const char *reg_name(const struct insn *in, unsigned n, unsigned size)
{
	n &= 15;
	switch (size) {
	case 1: return in->rex || n >= 8 ? reg8[n & 15] : reg8_legacy[n & 7];
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

/* With a memory operand only a suffix says the width: cmpb, movq, incl. */
static const char *size_suffix(unsigned size)
{
	return size == 1 ? "b " : size == 2 ? "w " : size == 4 ? "l " : "q ";
}

static void format_imm_rm(const struct insn *in, const char *op, unsigned size, char *out,
			  size_t len)
{
	char rm[64], imm[32];
	char suffix[4] = "";

	if ((in->modrm >> 6) != 3)
		snprintf(suffix, sizeof(suffix), "%.1s", size_suffix(size));

	format_rm(in, size, rm, sizeof(rm));
	hex_signed(imm, sizeof(imm), in->imm);
	snprintf(out, len, "%s%s $%s,%s", op, suffix, imm, rm);
}

static const char *const alu[] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
static const char *const shifts[] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
static const char *const grp3[] = {"test", "test", "not", "neg", "mul", "imul", "div", "idiv"};
static const char *const grp5[] = {"inc",   "dec",    "call *", "lcall *",
				   "jmp *", "ljmp *", "push",	"?"};

static bool format_alu(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[0];
	unsigned size = (op & 1) ? opsize(in) : 1;
	char imm[32];

	switch (op & 7) {
	case 0:
	case 1: format_reg_rm(in, alu[op >> 3], size, false, out, len); return true;
	case 2:
	case 3: format_reg_rm(in, alu[op >> 3], size, true, out, len); return true;
	case 4:
	case 5:
		hex_signed(imm, sizeof(imm), in->imm);
		snprintf(out, len, "%s $%s,%%%s", alu[op >> 3], imm, reg_name(in, 0, size));
		return true;
	default: return false;
	}
}

static bool format_group(const struct insn *in, char *out, size_t len)
{
	uint8_t op = in->op[0];
	unsigned r = (in->modrm >> 3) & 7, size = (op & 1) ? opsize(in) : 1;
	const char *sep = " ";
	char rm[64];

	switch (op) {
	case 0x80:
	case 0x81:
	case 0x83: format_imm_rm(in, alu[r], op == 0x80 ? 1 : opsize(in), out, len); return true;
	case 0xc0:
	case 0xc1: format_imm_rm(in, shifts[r], size, out, len); return true;
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		format_rm(in, size, rm, sizeof(rm));
		snprintf(out, len, "%s %s%s", shifts[r], op >= 0xd2 ? "%cl," : "", rm);
		return true;
	case 0xf6:
	case 0xf7:
		if (r < 2)
			format_imm_rm(in, "test", size, out, len);
		else {
			format_rm(in, size, rm, sizeof(rm));
			snprintf(out, len, "%s %s", grp3[r], rm);
		}
		return true;
	case 0xc6:
	case 0xc7: format_imm_rm(in, "mov", size, out, len); return true;
	case 0xfe:
	case 0xff:
		/* inc/dec of memory need a width suffix; "call *%rax" no space */
		if (r < 2 && (in->modrm >> 6) != 3)
			sep = size_suffix(size);
		else if (r >= 2 && r <= 5)
			sep = "";
		format_rm(in, op == 0xff && r >= 2 ? 8 : size, rm, sizeof(rm));
		snprintf(out, len, "%s%s%s", grp5[r], sep, rm);
		return true;
	default: return false;
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
		snprintf(out, len, "%s%s %%%s", (in->rex & 8) ? "rex.W " : "",
			 op < 0x58 ? "push" : "pop",
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
		snprintf(out, len, "mov%s%s%s %s,%%%s", op >= 0xbe ? "s" : "z",
			 (op & 1) ? "w" : "b",
			 size == 8   ? "q"
			 : size == 2 ? "w"
				     : "l",
			 rm, reg_name(in, modrm_reg(in), size));
	} else if (op == 0xaf) {
		format_reg_rm(in, "imul", size, true, out, len);
	} else if (op == 0xb0 || op == 0xb1) {
		format_reg_rm(in, "cmpxchg", op == 0xb0 ? 1 : size, false, out, len);
	} else if (op == 0xba && ((in->modrm >> 3) & 7) >= 4) {
		static const char *const bt[] = {"bt", "bts", "btr", "btc"};

		format_imm_rm(in, bt[((in->modrm >> 3) & 7) - 4], size, out, len);
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
	static const char *const maps[] = {"", "0f ", "0f 38 ", "0f 3a "};
	bool done;

	if (in->vex) {
		if (in->vex == 0xc5 && in->op[0] == 0x77)
			snprintf(out, len, "%s",
				 (in->p[in->npfx + 1] & 0x04) ? "vzeroall" : "vzeroupper");
		else
			snprintf(out, len, "%s %s%02x", in->vex == 0x62 ? "EVEX" : "VEX",
				 maps[in->vex_map], in->op[0]);
		return;
	}
	for (unsigned i = 0; i < in->npfx; i++)
		if (in->pfx[i] == 0xf0 && len > 5) {
			snprintf(out, len, "lock ");
			out += 5;
			len -= 5;
		}
	done = format_nop(in, out, len) || format_branch(in, out, len);

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
	static const uint8_t one[] = {0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37,
				      0x3f, 0x60, 0x61, 0x62, 0x6c, 0x6d, 0x6e, 0x6f, 0x82, 0x9a,
				      0xcc, 0xcd, 0xce, 0xcf, 0xd4, 0xd5, 0xd6, 0xe4, 0xe5, 0xe6,
				      0xe7, 0xea, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xfa, 0xfb};
	static const uint8_t two[] = {0x00, 0x01, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b,
				      0x30, 0x34, 0x35, 0x37, 0x78, 0x79, 0xae};

	if (in->nop == 1)
		return memchr(one, in->op[0], sizeof(one)) != NULL;
	return in->nop == 2 && memchr(two, in->op[1], sizeof(two)) != NULL;
}

static bool kernel_nop(const struct insn *in);
static bool is_emulated_branch(const struct insn *in);

/* Whether uprobe_init_insn() / branch_setup_xol_ops() reject the probe:
 * segment or LOCK prefixes, mov to %ss, opcodes outside the good tables,
 * 16-bit branches. */
static bool kernel_refuses(const struct insn *in)
{
	for (unsigned i = 0; i < in->npfx; i++)
		if (IN(in->pfx[i], 0x26, 0x2e, 0x36, 0x3e, 0xf0))
			return true;
	if (in->nop == 1 && in->op[0] == 0x8e && ((in->modrm >> 3) & 7) == 2)
		return true;
	return opcode_refused(in) || (in->opsize16 && is_emulated_branch(in) && !kernel_nop(in));
}

/* The NOPs Linux 6.18 emulates: any instruction whose first opcode byte is
 * 90 (whatever its prefixes: nop, xchg %ax,%ax, pause, rex.W nop), and the
 * exact byte sequences of the kernel's x86_nops[] table for lengths 1-8
 * (the P6 NOPL family). Other NOP encodings such as "nopl (%rsp)" are
 * single-stepped; later kernels generalise this with insn_is_nop(). */
static bool kernel_nop(const struct insn *in)
{
	static const uint8_t nops[9][8] = {
	    {0},
	    {0x90},
	    {0x66, 0x90},
	    {0x0f, 0x1f, 0x00},
	    {0x0f, 0x1f, 0x40, 0x00},
	    {0x0f, 0x1f, 0x44, 0x00, 0x00},
	    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
	    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
	    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
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

/* "text note" in the mnemonic; when too long, operands are dropped at a
 * space so that the note, which matters more, survives. */
static void with_note(struct uprobe_site *out, const char *text, const char *note)
{
	int room = (int)sizeof(out->mnemonic) - 2 - (int)strlen(note);
	int keep = (int)strlen(text);

	if (keep > room) {
		keep = room;
		while (keep > 0 && text[keep] != ' ')
			keep--;
		if (keep == 0)
			keep = room;
	}
	snprintf(out->mnemonic, sizeof(out->mnemonic), "%.*s %s", keep, text, note);
}

void uprobe_site_classify(const uint8_t *code, size_t len, struct uprobe_site *out)
{
	struct insn in;
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
	snprintf(out->mnemonic, sizeof(out->mnemonic), "%.*s", (int)sizeof(out->mnemonic) - 1,
		 text);
	if (kernel_refuses(&in)) {
		/* The kernel rejects the probe (-ENOTSUPP): neither emulated nor
		 * stepped. The kind stays unknown; the mnemonic says why. */
		with_note(out, text, "(refused)");
		return;
	}
	if (kernel_nop(&in) || is_emulated_push(&in) || is_emulated_branch(&in))
		out->kind = SITE_EMULATED;
	else
		out->kind = SITE_SINGLE_STEP;
	if (in.vex && out->kind == SITE_EMULATED)
		/* the opcode byte looked like a jcc/call/jmp/nop to the kernel:
		 * the instruction is skipped or turned into a branch, not run */
		with_note(out, text, "(mis-emulated)");
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

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || vaddr < ph.p_vaddr ||
		    vaddr - ph.p_vaddr >= ph.p_filesz)
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
