/* See snoop.h. A snoop tool is an evtool without -K columns or hooks: one
 * run loop (core/evtool.c) serves both. */
#include "core/snoop.h"

#include "core/evtool.h"

struct snoop {
	snoop_row_fn row;
	void *ctx;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct evtool_ctx *ec = ctx;
	struct snoop *sn = ec->user;

	sn->row(ec->out, data, size, sn->ctx);
	return 0;
}

int snoop_run(struct bpf_object_skeleton *skel, const struct common_opts *opts,
	      const struct out_col *cols, int ncols, snoop_row_fn row, void *ctx)
{
	struct snoop sn = { row, ctx };
	struct evtool tool = { cols, ncols, on_event, &sn };

	return evtool_run(&tool, skel, opts);
}
