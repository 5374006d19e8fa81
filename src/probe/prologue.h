/* Entry-probe relocation (x86-64): where to put an entry probe whose
 * function starts with an instruction the kernel single-steps, and where the
 * arguments are at that new place.
 *
 * A uprobe on a single-stepped instruction costs two traps (~9,000 ns a hit
 * measured here) against one for an emulated one (push %reg, NOPs, direct
 * branches: ~680 ns). Many functions start with a few single-stepped
 * instructions (endbr64, mov %rdi,%rbx, sub $N,%rsp) followed by an emulated
 * push. prologue_analyze() walks the straight-line prologue, modelling each
 * skipped instruction's effect on the argument registers and the stack
 * pointer, and stops at the first emulated instruction: the probe placed
 * there fires before it runs, with every argument still recoverable from a
 * register copy or a stack slot. It refuses (and says why) at anything it
 * cannot model: a store through a pointer other than %rsp (the probe would
 * see memory the function already changed), an indirect branch, a ret, a
 * write to %rsp other than push/sub/add, an undecodable instruction. It also
 * refuses when any direct branch in the function body jumps into the
 * skipped range (the new site would then fire without a call).
 *
 * Return probes are never relocated (the return address must be at the top
 * of the stack when the uretprobe hijacks it): callers only use this for
 * entry probes. */
#ifndef BPFSCOPE_PROBE_PROLOGUE_H
#define BPFSCOPE_PROBE_PROLOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROLOGUE_ARGS	   6  /* integer argument registers of the System V ABI */
#define PROLOGUE_MAX_INSNS 16 /* instructions skipped at most */

enum arg_loc_kind { ARGLOC_REG, ARGLOC_STACK, ARGLOC_LOST };

/* Where the entry value of an argument register is at the new site. */
struct arg_loc {
	enum arg_loc_kind kind;
	unsigned reg;	/* ARGLOC_REG: x86 register number (0 rax .. 7 rdi, 8 r8 .. 15 r15) */
	int32_t sp_off; /* ARGLOC_STACK: 8 bytes at %rsp + sp_off */
};

struct prologue_plan {
	bool relocated;	   /* false: keep the original site (why says why) */
	uint32_t offset;   /* bytes from the function start to the new site */
	int32_t sp_delta;  /* entry %rsp minus %rsp at the new site */
	unsigned nskipped; /* instructions stepped over */
	struct arg_loc args[PROLOGUE_ARGS];
	char why[200]; /* refused: the reason; relocated: what was skipped */
};

/* Analyzes the function whose bytes are code[0..len) (len: its symbol size,
 * or fewer bytes when only part could be read). Never fails: a plan that is
 * not relocated says why. */
void prologue_analyze(const uint8_t *code, size_t len, struct prologue_plan *plan);

/* x86 register number -> byte offset in struct pt_regs (x86-64 layout), or
 * -1 for registers outside it. */
int prologue_pt_regs_offset(unsigned reg);
const char *prologue_reg_name(unsigned reg);

#endif
