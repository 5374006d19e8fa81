/* Internal-function call sites of the Zend VM (see php_icall.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/uprobe_site.h"
#include "tools/php_icall.h"

#define LOOKBACK 8 /* instructions between the store and the call, at most */

/* call *r/m64 (FF /2), with an optional REX prefix. */
static bool indirect_call(const uint8_t *p, unsigned len)
{
	unsigned i = len > 1 && (p[0] & 0xf0) == 0x40;

	return i + 1 < len && p[i] == 0xff && ((p[i + 1] >> 3) & 7) == 2;
}

/* mov %REG, disp32(%base) with disp32 == disp: the register number, or -1. */
static int store_reg(const uint8_t *p, unsigned len, uint32_t disp)
{
	unsigned modrm, at;
	uint32_t d;

	if (len < 7 || (p[0] & 0xf8) != 0x48 || p[1] != 0x89)
		return -1;
	modrm = p[2];
	if (modrm >> 6 != 2)
		return -1;
	at = (modrm & 7) == 4 ? 4 : 3; /* a SIB byte comes first */
	if (at + 4 > len)
		return -1;
	memcpy(&d, p + at, 4);
	if (d != disp)
		return -1;
	return (int)((((unsigned)p[0] >> 2) & 1) << 3 | ((modrm >> 3) & 7));
}

/* rbx, rbp, r12, r13, r15: preserved across the call; r14 is the VM's
 * execute_data (the caller), rsp the stack. */
static bool callee_saved(int reg)
{
	return reg == 3 || reg == 5 || reg == 12 || reg == 13 || reg == 15;
}

struct sweep {
	const uint8_t *code;
	size_t len;
	uint32_t eg;
	size_t *insn; /* instruction offsets, in order */
	uint8_t *size;
	size_t n;
	struct branch {
		size_t target; /* offset */
		size_t src;    /* instruction index */
	} * br;
	size_t nbr;
};

/* Target offset of a direct jmp/jcc at instruction i, or -1. */
static long branch_target(const struct sweep *w, size_t i)
{
	const uint8_t *p = w->code + w->insn[i];
	unsigned len = w->size[i];
	long end = (long)(w->insn[i] + len);
	int32_t rel32;

	if (len == 2 && (p[0] == 0xeb || (p[0] >= 0x70 && p[0] <= 0x7f)))
		return end + (int8_t)p[1];
	if ((len == 5 && p[0] == 0xe9) ||
	    (len == 6 && p[0] == 0x0f && p[1] >= 0x80 && p[1] <= 0x8f)) {
		memcpy(&rel32, p + len - 4, 4);
		return end + rel32;
	}
	return -1;
}

/* Decodes everything; NULL arrays on failure (why filled). */
static bool sweep_decode(struct sweep *w, char *why, size_t why_len)
{
	w->insn = malloc((w->len + 1) * sizeof(*w->insn));
	w->size = malloc(w->len + 1);
	w->br = malloc((w->len + 1) * sizeof(*w->br));
	if (!w->insn || !w->size || !w->br) {
		snprintf(why, why_len, "out of memory");
		return false;
	}
	for (size_t off = 0; off < w->len;) {
		struct uprobe_site u;
		long t;

		uprobe_site_classify(w->code + off, w->len - off, &u);
		if (!u.insn_len || u.insn_len > w->len - off || u.insn_len > 15) {
			snprintf(why, why_len, "cannot decode execute_ex at +0x%zx", off);
			return false;
		}
		w->insn[w->n] = off;
		w->size[w->n] = (uint8_t)u.insn_len;
		t = branch_target(w, w->n);
		if (t >= 0 && (size_t)t < w->len)
			w->br[w->nbr++] = (struct branch){(size_t)t, w->n};
		w->n++;
		off += u.insn_len;
	}
	return true;
}

/* The register stored to EG(current_execute_data) within LOOKBACK
 * instructions before index i, or -1. */
static int store_before(const struct sweep *w, size_t i)
{
	for (size_t k = 1; k <= LOOKBACK && k <= i; k++) {
		int reg = store_reg(w->code + w->insn[i - k], w->size[i - k], w->eg);

		if (reg >= 0)
			return reg;
	}
	return -1;
}

/* The store for the call at index i: in the straight-line code before it,
 * or before a jump that lands within LOOKBACK instructions of it (the
 * direct-handler path of DO_FCALL is reached by a je from the store). */
static int callee_reg(const struct sweep *w, size_t i)
{
	size_t first = i >= LOOKBACK ? i - LOOKBACK : 0;
	int reg = store_before(w, i);

	for (size_t b = 0; reg < 0 && b < w->nbr; b++)
		if (w->br[b].target >= w->insn[first] && w->br[b].target <= w->insn[i])
			reg = store_before(w, w->br[b].src);
	return reg;
}

/* Index of the instruction at offset off, or w->n. */
static size_t insn_at(const struct sweep *w, size_t off)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->insn[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < w->n && w->insn[lo] == off ? lo : w->n;
}

/* The return site of the call at index i: the instruction after it, or
 * where the unconditional jumps from there lead (DO_FCALL's direct path
 * jumps to the code after its zend_execute_internal call: one site for
 * both, so a return is not reported twice). */
static size_t return_site(const struct sweep *w, size_t i)
{
	size_t j = i + 1;

	for (int hops = 0; hops < 4 && j < w->n; hops++) {
		const uint8_t *p = w->code + w->insn[j];
		long t = branch_target(w, j);
		size_t k;

		if ((p[0] != 0xeb && p[0] != 0xe9) || t < 0 || (k = insn_at(w, (size_t)t)) == w->n)
			break;
		j = k;
	}
	return j;
}

/* Every label inside the range must start an instruction of the sweep. */
static bool labels_in_step(const struct sweep *w, uint64_t base, const uint64_t *labels,
			   size_t nlabels, char *why, size_t why_len)
{
	for (size_t i = 0; i < nlabels; i++) {
		size_t off = labels[i] - base;

		if (labels[i] < base || off >= w->len)
			continue;
		if (insn_at(w, off) == w->n) {
			snprintf(why, why_len, "handler label 0x%llx is not an instruction start",
				 (unsigned long long)labels[i]);
			return false;
		}
	}
	return true;
}

int php_icall_find(const uint8_t *code, size_t len, uint64_t base, uint32_t eg_current_ex,
		   const uint64_t *labels, size_t nlabels, struct php_icall_site *out, int max,
		   char *why, size_t why_len)
{
	struct sweep w = {code, len, eg_current_ex, NULL, NULL, 0, NULL, 0};
	int n = 0;

	if (sweep_decode(&w, why, why_len) &&
	    labels_in_step(&w, base, labels, nlabels, why, why_len)) {
		for (size_t i = 0; i + 1 < w.n; i++) {
			int reg;

			if (!indirect_call(code + w.insn[i], w.size[i]))
				continue;
			reg = callee_reg(&w, i);
			if (callee_saved(reg) && n < max)
				out[n++] = (struct php_icall_site){
				    base + w.insn[i], base + w.insn[return_site(&w, i)],
				    (unsigned)reg};
		}
	} else {
		n = -1;
	}
	free(w.insn);
	free(w.size);
	free(w.br);
	return n;
}
