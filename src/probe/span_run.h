/* The run time shared by `bpfscope spans` and `bpfscope record`: the trace
 * engine (trace_run.h) with span roles. It checks the span probes, turns
 * on the span programs of probe.bpf.c (span.bpf.h: span stack, socket
 * syscall tracepoints), writes each probe's role, decodes span, attribute
 * and connection records into the assembler (spans.h), and hands each
 * finished request to a sink: the live printer or the record file. */
#ifndef BPFSCOPE_PROBE_SPAN_RUN_H
#define BPFSCOPE_PROBE_SPAN_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/span.h"
#include "core/wireop.h"
#include "probe/span_wire.h"
#include "probe/spans.h"
#include "probe/trace_run.h"

#define SPAN_RUN_MAX_IO_LINKS 32
#define SPAN_RUN_EVICT_NS (60ull * 1000000000ull) /* idle open request: thread gone */

struct span_run;

struct span_sink {
	/* probes resolved and stored, about to attach */
	int (*start)(void *ctx, const struct span_run *sr);
	/* one finished request (root last in req->spans) */
	int (*request)(void *ctx, const struct span_run *sr, const struct span_request *req);
	int (*tick)(void *ctx, const struct span_run *sr, uint64_t now_ns);
	/* after the last request: losses are in sr->kstats and sr->asm_stats */
	int (*end)(void *ctx, const struct span_run *sr);
	void *ctx;
};

struct span_run_opts {
	const char *script_file; /* -f */
	int root_sample;         /* keep 1 of N requests */
	int strsize;
	const char *debug_dir, *types_path;
	bool wire;     /* --wire: SQL statements and memcached commands as child spans */
	int wire_text; /* characters kept of SQL text and keys */
};

/* The options spans and record share, filling a struct span_run_opts. */
#define SPAN_RUN_OPTIONS(o)                                                                        \
	{ "file", 'f', OPT_STRING, &(o).script_file, "FILE", "read probes from FILE" },            \
	{ "sample", 0, OPT_INT, &(o).root_sample, "N", "keep 1 of every N requests, decided at "   \
	  "the root in the kernel (children and peers follow)", 1, 1000000000 },                  \
	{ "strsize", 0, OPT_INT, &(o).strsize, "BYTES", "bytes kept of each string attribute", 1,  \
	  256 },                                                                                   \
	{ "debug-dir", 0, OPT_STRING, &(o).debug_dir, "DIR", "also look for debug files in DIR" }, \
	{ "types", 0, OPT_STRING, &(o).types_path, "FILE", "type pack from 'bpfscope types build'" }, \
	{ "wire", 0, OPT_FLAG, &(o).wire, NULL, "also capture the targets' MySQL and memcached "    \
	  "traffic (as 'bpfscope wire'): each operation a child span wire:mysql / wire:memcache" }, \
	{ "wire-text", 0, OPT_INT, &(o).wire_text, "N", "characters kept of SQL text and keys "     \
	  "with --wire (default 200)", 8, WIRE_TEXT_MAX - 1 }

struct span_run {
	struct trace_run tr;
	const struct span_sink *sink;
	struct span_asm *asm_;
	struct bpf_link *io_links[SPAN_RUN_MAX_IO_LINKS];
	int nio_links;
	int root_sample;
	int err; /* first sink error: stops the loop */
	uint64_t kstats[SPSTAT__COUNT];
	uint64_t peers_dropped; /* socket calls to peers beyond SPAN_PEERS in a span */
	struct span_asm_stats asm_stats;
	/* --wire: the wire capture, its parsers and the join (span_wire.h) */
	struct wire_bpf *wire;
	struct wireconn *wire_conns;
	struct span_wire *wire_join;
	bool wire_polled; /* its ring buffer is in the loop */
	int wire_text;
	struct span_wire_stats wire_stats;
	uint64_t wire_drops, wire_errors; /* wire records lost (ring full), failed reads */
};

/* Whole command: parse, check, load, run until -d or a signal, summarize.
 * Returns the exit code (2: bad input). */
int span_run_main(const struct common_opts *opts, int argc, char **argv,
		  const struct span_run_opts *o, const struct span_sink *sink);

/* With --wire, probes nprobes and nprobes + 1 are wire:mysql and
 * wire:memcache (children); span_run_nprobes counts them. */
int span_run_nprobes(const struct span_run *sr);
/* Short name of a probe ('memcached_mget'), its role ('root', 'child'). */
const char *span_probe_name(const struct span_run *sr, unsigned probe);
const char *span_probe_role(const struct span_run *sr, unsigned probe);

#endif
