#include "core/stacktool.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>

#include "core/log.h"
#include "core/session.h"
#include "core/stacks.h"

struct run {
	const struct stack_tool *tool;
	struct stacks *stacks;
	int counts_fd;
};

static int print_counts(void *ctx)
{
	struct run *run = ctx;
	const struct stack_tool *t = run->tool;
	struct stack_report *r;
	int err;

	if (t->print)
		return t->print(t->ctx, run->stacks);
	if (!(r = stack_report__new(&t->report)))
		return -ENOMEM;
	err = stack_report__add_map(r, run->stacks, run->counts_fd, t->divisor, true);
	if (!err)
		err = stack_report__print(r, stdout);
	stack_report__free(r);
	return err;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = name ? bpf_object__find_map_by_name(obj, name) : NULL;

	return map ? bpf_map__fd(map) : -1;
}

int stack_tool_run(const struct stack_tool *t, const struct common_opts *opts)
{
	struct bpf_object *obj = *t->skel->obj;
	struct run run = {t, NULL, -1};
	struct session s = {0};
	int err;

	err = stack_cli_apply(obj);
	if (!err)
		err = session_start_attach(&s, t->skel, opts, t->attach, t->ctx);
	if (!err) {
		run.counts_fd = map_fd(obj, t->counts_map);
		run.stacks = stacks__new(map_fd(obj, "stack_traces"));
		if (!run.stacks || (t->counts_map && run.counts_fd < 0)) {
			log_error("internal: %s lacks its stack maps", t->skel->name);
			err = -ENOENT;
		}
	}
	if (!err)
		err = session_events(&s, stacks__on_event, run.stacks);
	if (!err)
		err = session_run(&s, print_counts, &run);
	if (!err)
		err = print_counts(&run);
	session_end(&s);
	if (run.stacks)
		stacks_report_stats(run.stacks);
	stacks__free(run.stacks);
	return err ? 1 : 0;
}
