/* Where the Zend VM calls internal functions (strlen is an opcode, but
 * usleep, PDO::query, array_map... are C functions), for `bpfscope php
 * --internal` in processes without USE_ZEND_DTRACE=1.
 *
 * The hybrid VM calls an internal function from inside a handler
 * (DO_ICALL, DO_FCALL, DO_FCALL_BY_NAME, their OBSERVER variants), always
 * in the same shape:
 *
 *     mov  %REG, EG_CURRENT(%base)   EG(current_execute_data) = call
 *     ...                            (arguments, zend_execute_internal test)
 *     call *0x48(%reg) | call *%rax  fbc->internal_function.handler(call, ret)
 *     <next>                         EG(current_execute_data) = execute_data
 *
 * where REG is a callee-saved register that still holds the callee's frame
 * after the call. php_icall_find() decodes execute_ex linearly (the
 * instruction lengths of core/uprobe_site), checks that every opcode-handler
 * label inside it starts an instruction (so the decoding is in step with
 * the code), and returns each indirect call preceded within a few
 * instructions by a store of a callee-saved register to
 * EG(current_execute_data) (or by a jump from such a place): the call
 * instruction is the entry site, the instruction after it the return site
 * (where unconditional jumps from there lead: DO_FCALL's two paths share
 * one), REG where the frame is at both.
 * The BPF programs check at run time that REG equals
 * EG(current_execute_data) and names an internal function, so a site that
 * matched by accident reports nothing. */
#ifndef BPFSCOPE_PHP_ICALL_H
#define BPFSCOPE_PHP_ICALL_H

#include <stddef.h>
#include <stdint.h>

#define PHP_ICALL_MAX 32

struct php_icall_site {
	uint64_t call; /* ELF virtual address of the call instruction */
	uint64_t ret;  /* of the instruction after it (past unconditional jumps);
			* two calls may share it */
	unsigned reg;  /* x86 register number holding the callee's frame */
};

/* Scans code[0..len), the bytes of execute_ex at ELF address base;
 * labels[0..nlabels) are handler labels (those outside the range are
 * ignored). Returns the number of sites (<= max), or -1 with why filled
 * when the code cannot be decoded or is out of step with the labels. */
int php_icall_find(const uint8_t *code, size_t len, uint64_t base, uint32_t eg_current_ex,
		   const uint64_t *labels, size_t nlabels, struct php_icall_site *out, int max,
		   char *why, size_t why_len);

#endif
