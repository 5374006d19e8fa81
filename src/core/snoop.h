/* The whole life of a "snoop" tool (one ring-buffer event per row): start
 * the session, declare the columns, print the header, run the loop and
 * report loss. A tool only sets its .rodata and writes one row per event. */
#ifndef BPFSCOPE_SNOOP_H
#define BPFSCOPE_SNOOP_H

#include <stddef.h>

#include "core/options.h"
#include "core/output.h"

struct bpf_object_skeleton;

/* Writes one row for a record (out__row_begin ... out__row_end); records
 * shorter than expected are skipped by the callback. ctx is snoop_run's. */
typedef void (*snoop_row_fn)(struct out *out, const void *data, size_t size, void *ctx);

/* Returns the command's exit code (0, or 1 after an error line). */
int snoop_run(struct bpf_object_skeleton *skel, const struct common_opts *opts,
	      const struct out_col *cols, int ncols, snoop_row_fn row, void *ctx);

#endif
