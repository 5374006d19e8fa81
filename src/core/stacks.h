/* Stacks captured by BPF (src/bpf/stacks.bpf.h) turned into named frames.
 *
 * A sample names its stacks by id in the tool's BPF_MAP_TYPE_STACK_TRACE map
 * (struct stack_key). Kernel addresses resolve through /proc/kallsyms and get
 * a "_[k]" suffix (the flamegraph.pl convention); user addresses resolve
 * through a proc_syms (core/syms.h) per process, opened when the BPF side
 * first reports the pid (stacks__on_event) so that the maps are read while
 * the process still exists, and kept for the whole run.
 *
 * Frame names carry no offsets, so samples in different places of one
 * function merge in a flame graph. A frame that resolves to no symbol is
 * named after what is still known: "[libfoo.so]" when the address lies in a
 * mapped file, "[unknown]" only when nothing is; both count as unsymbolized.
 *
 * The folded form is "comm;outermost;...;innermost": user frames from the
 * process entry to the sampled user frame, then kernel frames from the
 * system call entry to the kernel leaf. */
#ifndef BPFSCOPE_STACKS_H
#define BPFSCOPE_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/stacks.h"

struct stacks;

struct stacks_stats {
	uint64_t stacks;       /* stacks symbolized */
	uint64_t frames;       /* frames named */
	uint64_t unsymbolized; /* frames without a symbol ("[module]" or "[unknown]") */
	uint64_t missing;      /* stack ids no longer in the stack map */
};

/* stack_map_fd: the tool's "stack_traces" map. NULL + errno on failure. */
struct stacks *stacks__new(int stack_map_fd);
/* Reads pid's maps now, once per run. */
void stacks__note_pid(struct stacks *st, pid_t pid);
/* Ring-buffer callback for struct stacks_pid_event records; ctx: stacks. */
int stacks__on_event(void *ctx, const void *data, size_t size);
/* The key's frames, root first, as one ';'-joined string without the comm
 * (malloc'd; NULL when out of memory). */
char *stacks__fold(struct stacks *st, const struct stack_key *key);
void stacks__stats(const struct stacks *st, struct stacks_stats *out);
void stacks__free(struct stacks *st);

/* ---- pure helpers (exposed for tests) ---- */

/* Frame name of an unsymbolized user address: "[basename]" for a module
 * path, "[unknown]" for NULL. */
void stacks_module_frame(char *buf, size_t len, const char *module);
/* Appends frame (plus suffix) to a ';'-joined path in *buf, growing it. A
 * ';' or line break inside the frame would break the folded format: they
 * become ':' and ' ' (spaces are fine: the count follows the last one). */
int stacks_path_append(char **buf, size_t *len, size_t *cap, const char *frame, const char *suffix);

#endif
