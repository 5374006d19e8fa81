/* The common shape of a tool that prints one row per event: columns (with
 * the -K attribution columns when asked), session start, the ring-buffer
 * loop, loss report. The tool keeps only its options, BPF setup and its row.
 * Its handler receives a struct evtool_ctx. */
#ifndef BPFSCOPE_EVTOOL_H
#define BPFSCOPE_EVTOOL_H

#include <stdbool.h>

#include "core/evloop.h"
#include "core/options.h"
#include "core/skelcmd.h"

struct bpf_object_skeleton;
struct out;
struct out_col;

struct evtool_ctx {
	struct out *out;
	const struct common_opts *opts;
	void *user;
};

struct evtool {
	const struct out_col *cols;
	int ncols;
	evloop_event_fn on_event; /* ctx: struct evtool_ctx * */
	void *user;
	int (*attach)(void *user);  /* optional: attach by hand after load */
	evloop_tick_fn on_tick;     /* optional: every -i seconds, ctx: struct evtool_ctx * */
	evloop_tick_fn on_end;      /* optional: once at the end, ctx: struct evtool_ctx * */
};

/* Returns the exit code (0, or 1 after an error line). */
int evtool_run(const struct evtool *t, struct bpf_object_skeleton *skel,
	       const struct common_opts *opts);

/* Defines and registers the command of an event tool built from skeleton
 * <tool>_bpf (core/skelcmd.h): let setup(skel) fill its .rodata from the
 * options (setup may be NULL), then evtool_run() with the tool's columns and
 * handler. Tools with hooks (attach, user data) call evtool_run() from their
 * own SKEL_COMMAND body. */
#define EVTOOL_COMMAND(tool, spec, columns, on_event, setup)                                       \
	static int tool##_evtool(struct tool##_bpf *skel, const struct common_opts *opts)          \
	{                                                                                          \
		const struct evtool evt = {columns, sizeof(columns) / sizeof((columns)[0]),        \
					   on_event};                                              \
		void (*setup_fn)(struct tool##_bpf *) = setup;                                     \
                                                                                                   \
		if (setup_fn)                                                                      \
			setup_fn(skel);                                                            \
		return evtool_run(&evt, skel->skeleton, opts);                                     \
	}                                                                                          \
	SKEL_COMMAND(tool, spec, tool##_evtool)

#endif
