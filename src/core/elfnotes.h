/* USDT (SystemTap SDT) probes of an ELF binary, from .note.stapsdt. */
#ifndef BPFSCOPE_ELFNOTES_H
#define BPFSCOPE_ELFNOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usdt_note {
	char provider[64];
	char name[64];
	char args[256]; /* argument spec, e.g. "-4@%edi 8@%rsi" */
	uint64_t
	    pc; /* ELF virtual address of the probe site (adjusted for .stapsdt.base prelink) */
	uint64_t semaphore; /* ELF virtual address, 0 when none */
	uint64_t base;	    /* .stapsdt.base address recorded in the note */
};

/* Reads all notes; *out is malloc'd. Returns the count or a negative errno. */
int usdt_notes_read(const char *path, struct usdt_note **out);

/* One argument of an x86-64 argument spec ("-4@%edi", "8@-16(%rbp)", "4@$5"). */
enum usdt_arg_kind { USDT_ARG_CONST, USDT_ARG_REG, USDT_ARG_MEM };

struct usdt_arg {
	enum usdt_arg_kind kind;
	unsigned size;	/* bytes: 1, 2, 4 or 8 */
	bool is_signed; /* negative size in the spec */
	char reg[8];	/* REG: the register as written ("edi"); MEM: the base ("rbp") */
	int64_t value;	/* CONST: the value; MEM: the displacement */
};

#define USDT_MAX_ARGS 12

/* Parses a whole spec; returns the argument count (0 for "") or -EINVAL for
 * anything malformed, -ENOTSUP for valid forms we do not handle (indexed
 * memory, segment registers), -E2BIG past max. */
int usdt_args_parse(const char *spec, struct usdt_arg *out, int max);

#endif
