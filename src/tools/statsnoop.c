/* bpfscope statsnoop: stat-family calls with path and result. */
#include <stdio.h>
#include <string.h>

#include "bpf/statsnoop.h"
#include "core/clock.h"
#include "core/evtool.h"
#include "core/output.h"
#include "statsnoop.skel.h"

static bool failed_only;

static const struct opt_def options[] = {
    {"failed", 'x', OPT_FLAG, &failed_only, NULL, "show only failed calls"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "statsnoop",
    .summary = "trace stat, lstat, fstatat, statx and statfs with path and result",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	    {"comm", "COMM", -16},
    {"call", "CALL", -8},  {"errno", "RESULT", -8}, {"path", "PATH", 0},
};

static int on_event(void *ctx, const void *data, size_t size)
{
	static const char *const calls[] = {"stat", "lstat", "fstatat", "statx", "statfs"};
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct stat_event *e = data;
	char fdname[32];

	if (size < sizeof(*e))
		return 0;
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, e->call < 5 ? calls[e->call] : "?");
	out__str(out, e->ret >= 0 ? "0" : strerrorname_np(-e->ret) ?: "?");
	/* fstat() is fstatat(fd, "", AT_EMPTY_PATH): name the fd */
	snprintf(fdname, sizeof(fdname), "(fd %d)", e->dirfd);
	out__str(out, e->path[0] ? e->path : fdname);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct statsnoop_bpf *skel)
{
	skel->rodata->failed_only = failed_only;
}

EVTOOL_COMMAND(statsnoop, spec, columns, on_event, setup);
