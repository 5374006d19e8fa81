/* bpfscope opensnoop: file opens with flags, path, fd or errno. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "bpf/opensnoop.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/output.h"
#include "opensnoop.skel.h"

static bool failed_only;

static const struct opt_def options[] = {
	{ "failed", 'x', OPT_FLAG, &failed_only, NULL, "show only failed opens" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "opensnoop",
	.summary = "trace file opens with flags, path, and fd or error",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT | COMMON_BTF,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 },	  { "comm", "COMM", -16 },
	{ "fd", "FD", 4 },	 { "errno", "ERR", -7 }, { "flags", "FLAGS", -24 },
	{ "path", "PATH", 0 },
};

static void format_flags(char *buf, size_t len, unsigned long long flags)
{
	static const struct {
		unsigned long long bit;
		const char *name;
	} names[] = {
		{ O_CREAT, "O_CREAT" },	      { O_EXCL, "O_EXCL" },	  { O_TRUNC, "O_TRUNC" },
		{ O_APPEND, "O_APPEND" },     { O_NONBLOCK, "O_NONBLOCK" }, { O_DIRECTORY, "O_DIRECTORY" },
		{ O_CLOEXEC, "O_CLOEXEC" },   { O_DIRECT, "O_DIRECT" },	  { O_NOFOLLOW, "O_NOFOLLOW" },
		{ O_PATH, "O_PATH" },	      { O_SYNC, "O_SYNC" },
	};
	const char *acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	size_t used = snprintf(buf, len, "%s", acc[flags & O_ACCMODE]);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++)
		if ((flags & names[i].bit) == names[i].bit)
			used += snprintf(buf + used, len - used, "|%s", names[i].name);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct open_event *e = data;
	struct evtool_ctx *c = ctx;
	struct out *out = c->out;
	char flags[160];

	if (size < sizeof(*e))
		return 0;
	format_flags(flags, sizeof(flags), e->flags);
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__i64(out, e->ret >= 0 ? e->ret : -1);
	out__str(out, e->ret >= 0 ? "0" : strerrorname_np(-e->ret) ?: "?");
	out__str(out, flags);
	if (c->opts->k8s)
		k8s_out(out, e->cgroup_id, e->pid);
	out__str(out, e->path);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct opensnoop_bpf *skel)
{
	skel->rodata->failed_only = failed_only;
}

EVTOOL_COMMAND(opensnoop, spec, columns, on_event, setup);
