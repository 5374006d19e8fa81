/* bpfscope bitesize: histogram of block I/O sizes per process, aggregated
 * in the kernel. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "core/keyhist.h"
#include "bitesize.skel.h"

static const struct cmd_spec spec = {
    .name = "bitesize",
    .summary = "histogram of block I/O size (KiB) per submitting process",
    .details = "Requests issued from kernel threads count for the kernel thread.",
    .common = COMMON_ALL | COMMON_SERVE,
    .max_args = 0,
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct common_opts *opts = ctx;
	struct hist_view view = {HIST_LOG2, 0, 1, slots, HIST_SLOTS, "kbytes"};
	struct json_object *keys = json_object_new_object();
	char heading[64];

	snprintf(heading, sizeof(heading), "Process Name = %s (pid %u)", label, key);
	json_object_object_add(keys, "pid", json_object_new_uint64(key));
	json_object_object_add(keys, "comm", json_object_new_string(label));
	keyhist_emit(opts->format, heading, keys, &view);
}

static int setup(struct bitesize_bpf *skel)
{
	(void)skel; /* no kernel-side options */
	return 0;
}

KEYHIST_COMMAND(bitesize, spec, print_one, setup);
