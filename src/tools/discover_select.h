/* Which functions `bpfscope discover` probes, and why it skips the others.
 * Pure logic over a candidate list (symbols with their first instruction
 * already classified by core/uprobe_site), so it is unit-tested alone. */
#ifndef BPFSCOPE_DISCOVER_SELECT_H
#define BPFSCOPE_DISCOVER_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/uprobe_site.h"

struct disc_func {
	const char *name; /* demangled when C++ */
	const char *raw;  /* as in the symbol table */
	uint64_t vaddr, size;
	uint64_t offset; /* uprobe file offset, UINT64_MAX: outside executable segments */
	struct uprobe_site site;
	const char *skip; /* NULL: probed; else why not */
	bool timed;	  /* its return is probed too (--time) */
};

/* Sorts by address (the public-looking name first among aliases: it is the
 * one kept), marks what cannot be probed safely (no size, aliases,
 * the root function, sites the kernel refuses or mis-emulates, outside the
 * executable segments), then keeps the first limit of the rest (skip
 * "--limit"); with want_time, marks which returns are probed. Returns how
 * many are probed. */
size_t disc_select(struct disc_func *f, size_t n, size_t limit, bool want_time,
		   uint64_t root_vaddr);

/* Why a return probe on this function is unsafe, or NULL: C++ (an exception
 * thrown through a uretprobe frame terminates the program), functions that
 * return twice or never (setjmp, vfork, longjmp, exit...). */
const char *disc_return_unsafe(const char *raw_name);

#endif
