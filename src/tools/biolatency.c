/* bpfscope biolatency: block I/O latency histograms, aggregated in the
 * kernel, overall, per disk (-D) or per request type (-F). */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/blk.h"
#include "bpf/keyhist.h"
#include "core/blkdesc.h"
#include "core/keyhist.h"
#include "biolatency.skel.h"

static bool per_disk, per_flags, with_queued, msecs;

static const struct opt_def options[] = {
    {"disks", 'D', OPT_FLAG, &per_disk, NULL, "one histogram per disk"},
    {"flags", 'F', OPT_FLAG, &per_flags, NULL,
     "one histogram per request type (Read, Write Sync, ...)"},
    {"queued", 'Q', OPT_FLAG, &with_queued, NULL, "include time queued in the kernel before issue"},
    {"milliseconds", 'm', OPT_FLAG, &msecs, NULL, "histogram in milliseconds (default usecs)"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "biolatency",
    .summary = "histogram of block I/O latency (issue, or -Q queue, to completion)",
    .details = "-p/-c/--cgroup select the submitter of the I/O; requests issued from\n"
	       "kernel threads are then not counted.",
    .opts = options,
    .common = COMMON_ALL | COMMON_SERVE,
    .max_args = 0,
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct common_opts *opts = ctx;
	struct hist_view view = {HIST_LOG2, 0, 1, slots, HIST_SLOTS, msecs ? "msecs" : "usecs"};
	struct json_object *keys = NULL;
	char heading[96], name[64];

	if (per_disk) {
		if (label[0])
			snprintf(name, sizeof(name), "%s", label);
		else
			blk_dev_name(key, name, sizeof(name));
		snprintf(heading, sizeof(heading), "disk = %s", name);
		keys = json_object_new_object();
		json_object_object_add(keys, "disk", json_object_new_string(name));
		snprintf(name, sizeof(name), "%u:%u", BLK_MAJOR(key), BLK_MINOR(key));
		json_object_object_add(keys, "dev", json_object_new_string(name));
	} else if (per_flags) {
		blk_flags_words(key, name, sizeof(name));
		snprintf(heading, sizeof(heading), "flags = %s", name);
		keys = json_object_new_object();
		json_object_object_add(keys, "flags", json_object_new_string(name));
	}
	keyhist_emit(opts->format, keys ? heading : NULL, keys, &view);
}

/* Checks the options and fills .rodata from them. */
static int setup(struct biolatency_bpf *skel)
{
	if (per_disk && per_flags) {
		log_error("-D and -F cannot be combined");
		return -1;
	}
	skel->rodata->group_by = per_disk ? 1 : per_flags ? 2 : 0;
	skel->rodata->with_queued = with_queued;
	skel->rodata->in_msecs = msecs;
	return 0;
}

KEYHIST_COMMAND(biolatency, spec, print_one, setup);
