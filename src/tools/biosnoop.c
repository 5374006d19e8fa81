/* bpfscope biosnoop: every block I/O with submitter, disk, type, sector,
 * size and latency. */
#include <stdio.h>

#include "bpf/biosnoop.h"
#include "core/blkdesc.h"
#include "core/clock.h"
#include "core/evtool.h"
#include "core/output.h"
#include "biosnoop.skel.h"

static bool with_queued;

static const struct opt_def options[] = {
    {"queued", 'Q', OPT_FLAG, &with_queued, NULL, "also show the time queued before issue"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "biosnoop",
    .summary = "trace block I/O with submitter, disk, type, sector, size and latency",
    .details = "-p/-c/--cgroup select the submitter; requests issued from kernel threads\n"
	       "are then not shown.",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	       {"comm", "COMM", -16},
    {"disk", "DISK", -8},  {"rwbs", "T", -4},	       {"sector", "SECTOR", 12},
    {"bytes", "BYTES", 8}, {"queue_ms", "QUE(ms)", 8}, {"lat_ms", "LAT(ms)", 0},
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct bio_event *e = data;
	char rwbs[8], disk[BLK_DISK_NAME_LEN + 1];

	if (size < sizeof(*e))
		return 0;
	blk_flags_rwbs(e->flags, rwbs, sizeof(rwbs));
	if (e->disk[0])
		snprintf(disk, sizeof(disk), "%.*s", BLK_DISK_NAME_LEN, e->disk);
	else
		blk_dev_name(e->dev, disk, sizeof(disk));
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, disk);
	out__str(out, rwbs);
	out__u64(out, e->sector);
	out__u64(out, e->bytes);
	out__double(out, with_queued ? e->queued_ns / 1e6 : 0, 3);
	out__double(out, e->latency_ns / 1e6, 3);
	out__row_end(out);
	return 0;
}

static void setup(struct biosnoop_bpf *skel)
{
	(void)skel; /* no kernel-side options */
}

EVTOOL_COMMAND(biosnoop, spec, columns, on_event, setup);
