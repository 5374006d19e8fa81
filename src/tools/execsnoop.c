/* bpfscope execsnoop: every exec with pid, parent, return code and argv. */
#include <stdio.h>
#include <string.h>

#include "bpf/execsnoop.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/output.h"
#include "execsnoop.skel.h"

static bool failed_only;

static const struct opt_def options[] = {
	{ "failed", 'x', OPT_FLAG, &failed_only, NULL, "show only failed execs" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "execsnoop",
	.summary = "trace new processes (exec) with argv and return code",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT | COMMON_BTF,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "comm", "PCOMM", -16 }, { "pid", "PID", 7 },
	{ "ppid", "PPID", 7 },	 { "ret", "RET", 4 },	   { "argv", "ARGS", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct exec_event *e = data;
	const char *argv[EXECSNOOP_MAX_ARGS + 1];
	struct evtool_ctx *c = ctx;
	struct out *out = c->out;
	size_t off = 0;
	int n = 0;

	if (size < offsetof(struct exec_event, args))
		return 0;
	size -= offsetof(struct exec_event, args);
	while (off < size && n < EXECSNOOP_MAX_ARGS) {
		size_t len = strnlen(e->args + off, size - off);

		if (off + len >= size)
			break; /* unterminated tail */
		argv[n++] = e->args + off;
		off += len + 1;
	}
	if (e->truncated)
		argv[n++] = "...";
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__str(out, e->comm);
	out__u64(out, e->pid);
	out__u64(out, e->ppid);
	out__i64(out, e->retval);
	if (c->opts->k8s)
		k8s_out(out, e->cgroup_id, e->pid);
	out__strv(out, argv, n);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct execsnoop_bpf *skel)
{
	skel->rodata->failed_only = failed_only;
}

EVTOOL_COMMAND(execsnoop, spec, columns, on_event, setup);
