/* The run time of `bpfscope trace` (and later commands built on user
 * probes): compiled probes, their attachments, event decoding, aggregation
 * printing, duty cycling and per-probe accounting. */
#ifndef BPFSCOPE_PROBE_TRACE_RUN_H
#define BPFSCOPE_PROBE_TRACE_RUN_H

#include "core/evloop.h"
#include "core/options.h"
#include "core/session.h"
#include "probe/ast.h"
#include "probe/compile.h"
#include "probe/resolve.h"
#include "probe/site.h"
#include "probe/trigger.h"

struct bpf_link;
struct probe_bpf;
struct out;
struct trace_run;
struct crash_rec;

struct traced_probe {
	struct probe_ast *ast;
	struct resolved res;
	struct compiled_probe cp;
	struct bpf_link *links[2]; /* entry, return */
	bool fast;                      /* on bpf/probe_fast.bpf.h (probe/fastpath.h) */
	struct probe_agg_value fast_base; /* fast: totals at the last drain */
};

/* What a command built on the trace engine (spans, record) adds to it. */
struct trace_hooks {
	int (*before_load)(struct trace_run *tr);   /* enable programs, set .rodata */
	int (*before_attach)(struct trace_run *tr); /* probes stored, not yet attached */
	evloop_event_fn on_event;                   /* instead of trace's printing */
	int (*on_tick)(struct trace_run *tr);       /* about every 0.2 s */
	int (*at_end)(struct trace_run *tr);        /* detached: flush, summarize */
	void *ctx;
};

struct trace_run {
	const struct trace_hooks *hooks;  /* NULL for plain trace */
	enum probe_role default_role;     /* role of probes without 'root'/'span' */
	const struct common_opts *opts;
	int sample_every;
	int strsize;
	double duty_on, duty_period;
	struct site_opts site;      /* --force, --no-relocate */
	char *trigger_texts[TRIGGER_MAX]; /* --trigger and "trigger" lines, malloc'd */
	int ntrigger_texts;
	struct trigger_clause triggers[TRIGGER_MAX];
	struct script *script;
	struct traced_probe *probes;
	int nprobes;
	struct probe_bpf *skel;
	struct session session;
	bool attached;
	double start, next_print, attached_time, last_toggle;
	struct crash_rec *crash; /* flight recorder (src/crash/), NULL: off */
};

/* One error line and -1 when the kernel cannot run the probe interpreter. */
int trace_kernel_check(void);
/* The probes of -f FILE (may be NULL) and of the arguments, one per line;
 * NULL after one error line. */
char *trace_script_text(const char *script_file, int argc, char **argv);
/* Parses, resolves and compiles; -EINVAL after one error line for bad input. */
int trace_prepare(struct trace_run *tr, const char *text, const struct resolve_opts *ropts);
/* Loads, attaches, runs the loop, prints; < 0 after one error line. */
int trace_execute(struct trace_run *tr);
void trace_cleanup(struct trace_run *tr);
/* Hands every aggregation entry, summed over CPUs, to trace_serve_agg
 * without clearing the map (the --serve publisher). */
int trace_snapshot_aggs(struct trace_run *tr);

#endif
