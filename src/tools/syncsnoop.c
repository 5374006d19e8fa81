/* bpfscope syncsnoop: sync, fsync, fdatasync, syncfs, msync and
 * sync_file_range with file, latency and result. */
#include <stdio.h>
#include <string.h>

#include "bpf/syncsnoop.h"
#include "core/clock.h"
#include "core/fdpath.h"
#include "core/evtool.h"
#include "core/output.h"
#include "syncsnoop.skel.h"

static const struct cmd_spec spec = {
    .name = "syncsnoop",
    .summary = "trace sync, fsync, fdatasync, syncfs, msync, sync_file_range with file and latency",
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	     {"comm", "COMM", -16},   {"call", "CALL", -16},
    {"fd", "FD", 4},	   {"lat_ms", "LAT(ms)", 9}, {"errno", "RESULT", -8}, {"file", "FILE", 0},
};

static int on_event(void *ctx, const void *data, size_t size)
{
	static const char *const calls[] = {"sync",   "fsync", "fdatasync",
					    "syncfs", "msync", "sync_file_range"};
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct sync_event *e = data;
	char file[FDPATH_BUF + 8];

	if (size < sizeof(*e))
		return 0;
	if (e->call == SYNC_MSYNC)
		snprintf(file, sizeof(file), "0x%llx", (unsigned long long)e->addr);
	else
		fdpath_format(&e->path, file, sizeof(file));
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, e->call < 6 ? calls[e->call] : "?");
	out__i64(out, e->fd);
	out__double(out, e->latency_ns / 1e6, 3);
	out__str(out, e->ret >= 0 ? "0" : strerrorname_np(-e->ret) ?: "?");
	out__str(out, file);
	out__row_end(out);
	return 0;
}

static void setup(struct syncsnoop_bpf *skel)
{
	(void)skel; /* no kernel-side options */
}

EVTOOL_COMMAND(syncsnoop, spec, columns, on_event, setup);
