/* The run time of `bpfscope trace` (and later commands built on user
 * probes): compiled probes, their attachments, event decoding, aggregation
 * printing, duty cycling and per-probe accounting. */
#ifndef BPFSCOPE_PROBE_TRACE_RUN_H
#define BPFSCOPE_PROBE_TRACE_RUN_H

#include "core/options.h"
#include "core/session.h"
#include "probe/ast.h"
#include "probe/compile.h"
#include "probe/resolve.h"

struct bpf_link;
struct probe_bpf;
struct out;

struct traced_probe {
	struct probe_ast *ast;
	struct resolved res;
	struct compiled_probe cp;
	struct bpf_link *links[2]; /* entry, return */
};

struct trace_run {
	const struct common_opts *opts;
	int sample_every;
	int strsize;
	double duty_on, duty_period;
	struct script *script;
	struct traced_probe *probes;
	int nprobes;
	struct probe_bpf *skel;
	struct session session;
	bool attached;
	double start, next_print, attached_time, last_toggle;
};

/* Parses, resolves and compiles; -EINVAL after one error line for bad input. */
int trace_prepare(struct trace_run *tr, const char *text, const struct resolve_opts *ropts);
/* Loads, attaches, runs the loop, prints; < 0 after one error line. */
int trace_execute(struct trace_run *tr);
void trace_cleanup(struct trace_run *tr);
/* Hands every aggregation entry, summed over CPUs, to trace_serve_agg
 * without clearing the map (the --serve publisher). */
int trace_snapshot_aggs(struct trace_run *tr);

#endif
