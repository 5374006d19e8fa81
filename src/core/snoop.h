/* The whole life of a "snoop" tool (one ring-buffer event per row): start
 * the session, declare the columns, print the header, run the loop and
 * report loss. A tool only sets its .rodata and writes one row per event. */
#ifndef BPFSCOPE_SNOOP_H
#define BPFSCOPE_SNOOP_H

#include <stddef.h>

#include "core/cmd.h"
#include "core/log.h"
#include "core/options.h"
#include "core/output.h"

struct bpf_object_skeleton;

/* Writes one row for a record (out__row_begin ... out__row_end); records
 * shorter than expected are skipped by the callback. ctx is snoop_run's. */
typedef void (*snoop_row_fn)(struct out *out, const void *data, size_t size, void *ctx);

/* Returns the command's exit code (0, or 1 after an error line). */
int snoop_run(struct bpf_object_skeleton *skel, const struct common_opts *opts,
	      const struct out_col *cols, int ncols, snoop_row_fn row, void *ctx);

/* Defines and registers the command of an event tool built from skeleton
 * <tool>_bpf: open it, let setup(skel) fill its .rodata from the options,
 * snoop_run() with the tool's columns and row writer, destroy it. */
#define SNOOP_COMMAND(tool, spec, columns, on_event, setup)                                        \
	static int tool##_run(const struct common_opts *opts, int argc, char **argv)               \
	{                                                                                          \
		struct tool##_bpf *skel = tool##_bpf__open();                                      \
		int rc;                                                                            \
                                                                                                   \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		if (!skel) {                                                                       \
			log_error("cannot open BPF object");                                       \
			return 1;                                                                  \
		}                                                                                  \
		setup(skel);                                                                       \
		rc = snoop_run(skel->skeleton, opts, columns,                                      \
			       sizeof(columns) / sizeof((columns)[0]), on_event, NULL);            \
		tool##_bpf__destroy(skel);                                                         \
		return rc;                                                                         \
	}                                                                                          \
	static const struct command cmd_##tool = {&(spec), tool##_run, true};                      \
	REGISTER_COMMAND(cmd_##tool)

#endif
