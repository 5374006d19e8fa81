/* What the kernel's uprobe code does with the first instruction at a probe
 * site: x86-64 emulates some instructions (e.g. push %reg, nops, jmp/call/
 * jcc/ret) and single-steps the rest out of line. A single-stepped site costs
 * a second trap: measured on this project's machine ~680 ns emulated vs
 * ~9,000 ns single-stepped per hit. */
#ifndef BPFSCOPE_UPROBE_SITE_H
#define BPFSCOPE_UPROBE_SITE_H

#include <stddef.h>
#include <stdint.h>

enum uprobe_site_kind { SITE_EMULATED, SITE_SINGLE_STEP, SITE_UNKNOWN };

struct uprobe_site {
	enum uprobe_site_kind kind;
	unsigned insn_len; /* length of the first instruction, 0 if unknown */
	char mnemonic[32]; /* short description: "push %rbp", "endbr64", "mov ..." */
};

/* Classifies the instruction at code[0..len). */
void uprobe_site_classify(const uint8_t *code, size_t len, struct uprobe_site *out);
/* Reads the bytes at an ELF virtual address of a binary and classifies them. */
int uprobe_site_at(const char *binary, uint64_t vaddr, struct uprobe_site *out);
/* The same for n addresses with one open of the binary; 0 or -errno. */
int uprobe_site_classify_many(const char *binary, const uint64_t *vaddrs, size_t n,
			      struct uprobe_site *out);
const char *uprobe_site_kind_name(enum uprobe_site_kind kind);

#endif
