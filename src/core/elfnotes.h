/* USDT (SystemTap SDT) probes of an ELF binary, from .note.stapsdt. */
#ifndef BPFSCOPE_ELFNOTES_H
#define BPFSCOPE_ELFNOTES_H

#include <stddef.h>
#include <stdint.h>

struct usdt_note {
	char provider[64];
	char name[64];
	char args[256];      /* argument spec, e.g. "-4@%edi 8@%rsi" */
	uint64_t pc;         /* ELF virtual address of the probe site (adjusted for .stapsdt.base prelink) */
	uint64_t semaphore;  /* ELF virtual address, 0 when none */
	uint64_t base;       /* .stapsdt.base address recorded in the note */
};

/* Reads all notes; *out is malloc'd. Returns the count or a negative errno. */
int usdt_notes_read(const char *path, struct usdt_note **out);

#endif
