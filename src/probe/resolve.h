/* Target resolution for user probes: binary or library name -> path,
 * function name or 0xADDR -> file offset, DWARF function (parameters and
 * types), USDT provider, tracepoint format. Errors are one line and name the
 * fix: close symbol names, how to get types, the available USDT probes. */
#ifndef BPFSCOPE_PROBE_RESOLVE_H
#define BPFSCOPE_PROBE_RESOLVE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/tpformat.h"
#include "core/typedb.h"
#include "probe/ast.h"
#include "probe/compile.h"

struct resolve_opts {
	pid_t pid;               /* 0: every process running the binary */
	const char *debug_dir;   /* --debug-dir */
	const char *types_path;  /* --types FILE */
};

struct resolved {
	struct probe_target target;
	char path[PATH_MAX];     /* binary to attach to */
	uint64_t file_offset;    /* u/r: uprobe offset */
	char symbol[256];        /* what was matched, for messages */
	char provider[64];       /* usdt */
	struct tp_format tp;     /* t: */
	char types_hint[PATH_MAX + 512];
	bool cxx;                /* u/r: the function has a C++ (mangled) name */
	uint64_t func_size;      /* u/r by name: the symbol's size (0: unknown) */
	uint32_t relocated;      /* u: bytes the entry probe moved (probe/site.h), 0: none */
	char site_note[256];     /* why it moved or not (-v) */
};

/* Fills *out for a probe; on error writes one line into err, returns < 0. */
int probe_resolve(const struct probe_ast *ast, const struct resolve_opts *opts,
		  struct resolved *out, char *err, size_t errlen);
/* Frees the type databases opened for all probes (they are shared). */
void probe_resolve_cleanup(void);

/* ELF virtual addresses -> uprobe file offsets through the executable
 * PT_LOAD segments; UINT64_MAX for an address outside them. 0 or -errno. */
int probe_file_offsets(const char *path, const uint64_t *vaddrs, size_t n, uint64_t *offs);

/* Levenshtein distance, bounded: used for "did you mean" suggestions. */
unsigned edit_distance(const char *a, const char *b, unsigned max);

#endif
