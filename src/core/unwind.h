/* User stack unwinding after the fact, without frame pointers.
 *
 * Input: the registers of a thread at one moment, a copy of the top of its
 * stack (from the stack pointer upwards) and the executable file mappings
 * of its process (core/procmaps.h). elfutils' libdwfl unwinds from the CFI
 * of each mapped file (.eh_frame, .debug_frame, also in a separate debug
 * file) through Dwfl_Thread_Callbacks whose memory_read answers from the
 * stack copy only and whose initial registers are the ones given. So it
 * works after the process is gone and for -O2 code built without frame
 * pointers. Frames are named from the same modules (symbol tables,
 * separate debug files), C++ names demangled.
 *
 * Unwinding stops early when the stack copy ends, when a frame's pc lies in
 * no mapped file (JIT code, a corrupted return address) or when a file has
 * no CFI for it; the result says which. x86-64 only: registers are DWARF
 * numbers 0..16 (rip is 16). */
#ifndef BPFSCOPE_UNWIND_H
#define BPFSCOPE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/procmaps.h"

#define UNWIND_NREGS	  17
#define UNWIND_MAX_FRAMES 64

struct unwind_frame {
	uint64_t pc;
	char symbol[256]; /* "" when no symbol covers pc */
	uint64_t offset;  /* pc - symbol, or the ELF address when no symbol */
	char module[256]; /* path of the mapped file, "" when none */
};

struct unwind_result {
	struct unwind_frame frames[UNWIND_MAX_FRAMES];
	int n;
	bool complete;	/* reached the outermost frame */
	char stop[256]; /* why it stopped, when not complete */
	char note[160]; /* how it started, when the pc was not usable */
};

int unwind_user(pid_t pid, const struct procmaps *maps, const uint64_t regs[UNWIND_NREGS],
		uint64_t stack_start, const void *stack, size_t stack_len,
		struct unwind_result *out);

/* Load bias of a file mapped at start from file offset pgoff, computed from
 * its PT_LOAD headers (phdrs: p_offset, p_vaddr, p_filesz triples); false
 * when no segment holds pgoff. */
bool unwind_bias(const uint64_t (*phdrs)[3], size_t n, uint64_t start, uint64_t pgoff,
		 uint64_t *bias);

#endif
