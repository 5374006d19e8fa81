/* The probe site of a u:/r: probe, checked and improved once it is compiled:
 * sites the kernel would mis-emulate (AVX instructions it skips instead of
 * running) are refused unless forced, and entry probes whose first
 * instruction is single-stepped move to the first emulated instruction of
 * the prologue (prologue.h) with their argument reads rewritten. */
#ifndef BPFSCOPE_PROBE_SITE_H
#define BPFSCOPE_PROBE_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/ast.h"
#include "probe/compile.h"
#include "probe/prologue.h"
#include "probe/resolve.h"

struct site_opts {
	bool force;	  /* --force: probe mis-emulated sites anyway */
	bool no_relocate; /* --no-relocate */
};

/* Rewrites the argument reads of an entry probe's operations for a plan;
 * -1 with why filled when an argument it reads is not recoverable there or
 * the rewritten list would be too long (the operations are then unchanged). */
int probe_ops_relocate(struct probe_cfg *cfg, const struct prologue_plan *plan, char *why,
		       size_t len);

/* Checks the site and relocates when possible (res->file_offset moves;
 * res->relocated says by how much, res->site_note why or why not). Returns
 * < 0 with one line in err for a refused site. */
int probe_site_prepare(const struct probe_ast *ast, struct resolved *res, struct compiled_probe *cp,
		       const struct site_opts *opts, char *err, size_t errlen);

#endif
