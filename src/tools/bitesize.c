/* bpfscope bitesize: histogram of block I/O sizes per process, aggregated
 * in the kernel. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "core/cmd.h"
#include "core/keyhist.h"
#include "core/log.h"
#include "bitesize.skel.h"

static const struct cmd_spec spec = {
	.name = "bitesize",
	.summary = "histogram of block I/O size (KiB) per submitting process",
	.details = "Requests issued from kernel threads count for the kernel thread.",
	.common = COMMON_ALL,
	.max_args = 0,
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct common_opts *opts = ctx;
	struct hist_view view = { HIST_LOG2, 0, 1, slots, HIST_SLOTS, "kbytes" };
	struct json_object *keys = json_object_new_object();
	char heading[64];

	snprintf(heading, sizeof(heading), "Process Name = %s (pid %u)", label, key);
	json_object_object_add(keys, "pid", json_object_new_uint64(key));
	json_object_object_add(keys, "comm", json_object_new_string(label));
	keyhist_emit(opts->format, heading, keys, &view);
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct bitesize_bpf *skel;
	struct keyhist_tool tool;
	int rc;

	(void)argc;
	(void)argv;
	skel = bitesize_bpf__open();
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	tool = (struct keyhist_tool){ skel->skeleton, "hists", print_one, (void *)opts, NULL };
	rc = keyhist_run(&tool, opts);
	bitesize_bpf__destroy(skel);
	return rc;
}

static const struct command cmd_bitesize = { &spec, run, true };
REGISTER_COMMAND(cmd_bitesize);
