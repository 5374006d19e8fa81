/* The run of a stack tool, shared so each tool is only its options and its
 * BPF side: apply -U/-K, start the session (with the tool's own attach step
 * for perf events or uprobes), snapshot processes as the BPF side reports
 * them, print the report every -i and at the end, then the loss and
 * symbolization summaries. */
#ifndef BPFSCOPE_STACKTOOL_H
#define BPFSCOPE_STACKTOOL_H

#include <stdint.h>

#include "core/options.h"
#include "core/stackreport.h"

struct bpf_object_skeleton;
struct stacks;

struct stack_tool {
	struct bpf_object_skeleton *skel;
	const char *counts_map; /* stack_key -> stack_value map to report */
	uint64_t divisor;	/* of the map's values (ns -> us: 1000) */
	struct stack_report_opts report;
	int (*attach)(void *ctx); /* optional extra attach step */
	/* optional: prints instead of the counts report (and clears) */
	int (*print)(void *ctx, struct stacks *st);
	void *ctx;
};

/* Returns the command's exit code. */
int stack_tool_run(const struct stack_tool *t, const struct common_opts *opts);

#endif
