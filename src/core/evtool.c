#include "core/evtool.h"

#include <stdlib.h>

#include "core/container.h"
#include "core/output.h"
#include "core/session.h"

int evtool_run(const struct evtool *t, struct bpf_object_skeleton *skel,
	       const struct common_opts *opts)
{
	struct out_col *cols = calloc(t->ncols + 3, sizeof(*cols));
	struct evtool_ctx ctx = { NULL, opts, t->user };
	struct session s = { 0 };
	int err, ncols;

	if (!cols)
		return 1;
	ncols = k8s_columns(t->cols, t->ncols, opts->k8s, cols);
	err = session_start_attach(&s, skel, opts, t->attach, t->user);
	if (!err) {
		ctx.out = out__new(stdout, opts->format, cols, ncols);
		err = ctx.out ? session_events(&s, t->on_event, &ctx) : -1;
	}
	if (!err) {
		out__header(ctx.out);
		err = session_run(&s, t->on_tick, &ctx);
	}
	if (!err && t->on_end)
		err = t->on_end(&ctx);
	session_end(&s);
	out__free(ctx.out);
	free(cols);
	return err ? 1 : 0;
}
