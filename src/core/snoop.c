/* See snoop.h. */
#include "core/snoop.h"

#include "core/session.h"

struct snoop {
	struct out *out;
	snoop_row_fn row;
	void *ctx;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct snoop *sn = ctx;

	sn->row(sn->out, data, size, sn->ctx);
	return 0;
}

int snoop_run(struct bpf_object_skeleton *skel, const struct common_opts *opts,
	      const struct out_col *cols, int ncols, snoop_row_fn row, void *ctx)
{
	struct snoop sn = {NULL, row, ctx};
	struct session s = {0};
	int err;

	err = session_start(&s, skel, opts);
	if (!err) {
		sn.out = out__new(stdout, opts->format, cols, ncols);
		err = sn.out ? session_events(&s, on_event, &sn) : -1;
	}
	if (!err) {
		out__header(sn.out);
		err = session_run(&s, NULL, NULL);
	}
	session_end(&s);
	out__free(sn.out);
	return err ? 1 : 0;
}
