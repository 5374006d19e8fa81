#include "core/stacktool.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/serve.h"
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

/* Folded lines "frame;frame count" -> {"unit","stacks":[{"stack","count"}]}. */
static struct json_object *folded_to_json(char *text, const char *unit)
{
	struct json_object *doc = json_object_new_object(), *stacks = json_object_new_array();
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *space = strrchr(line, ' ');
		struct json_object *e;

		if (!space)
			continue;
		*space = 0;
		e = json_object_new_object();
		json_object_object_add(e, "stack", json_object_new_string(line));
		json_object_object_add(e, "count", json_object_new_uint64(strtoull(space + 1, NULL, 10)));
		json_object_array_add(stacks, e);
	}
	json_object_object_add(doc, "unit", json_object_new_string(unit ? unit : "samples"));
	json_object_object_add(doc, "stacks", stacks);
	return doc;
}

/* --serve: the counts so far (this interval with -i) as folded stacks for
 * the UI's flame graph; the map is read, not cleared. */
static void publish_flame(void *ctx)
{
	struct run *run = ctx;
	struct stack_cli saved = stack_cli;
	struct stack_report *r = stack_report__new(&run->tool->report);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (r && out && !stack_report__add_map(r, run->stacks, run->counts_fd, run->tool->divisor,
						false)) {
		stack_cli.folded = true;
		stack_cli.svg = NULL;
		stack_report__print(r, out);
		stack_cli = saved;
	}
	if (out)
		fclose(out);
	if (text)
		serve_set_doc("flame", folded_to_json(text, run->tool->report.unit));
	free(text);
	stack_report__free(r);
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
	if (!err && serve_metrics_on() && !t->print)
		err = serve_add_publisher(publish_flame, &run);
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
