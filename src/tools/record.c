/* bpfscope record: the request spans of `bpfscope spans`, written into an
 * SQLite file (docs/record-schema.md) for `report`, `predict` and sqlite3.
 * The story: open the file, run the span engine, insert each finished
 * request (batched transactions, committed at least every second), and at
 * the end write the losses and the end time. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/log.h"
#include "bpf/probe.h"
#include "probe.skel.h"
#include "probe/span_record.h"
#include "probe/span_run.h"

#define COMMIT_INTERVAL_NS 1000000000ull

static struct span_run_opts run_opts = { .root_sample = 1, .strsize = 64 };
static const char *path;

static const struct opt_def options[] = {
	{ "output", 'o', OPT_STRING, &path, "FILE", "record file to create (replaced if it exists)" },
	SPAN_RUN_OPTIONS(run_opts),
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "record",
	.summary = "record request spans, peers and connections into an SQLite file",
	.args = "PROBE...",
	.details = "Probes as for 'bpfscope spans'. The file follows docs/record-schema.md.\n"
		   "Example: bpfscope record -o run.db 'root u:./server:handle' u:libmemcached:memcached_get",
	.opts = options,
	.common = COMMON_TARGET | COMMON_DURATION,
	.max_args = -1,
};

struct recorder {
	struct span_store *store;
	int argc;
	char **argv;
};

static int put_meta_u64(struct span_store *s, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return span_store__meta(s, key, buf);
}

static int write_header(struct recorder *rec, const struct span_run *sr)
{
	char host[256] = "", command[4096] = "bpfscope record";
	struct utsname u;
	int err = 0;

	gethostname(host, sizeof(host) - 1);
	uname(&u);
	for (int i = 0; i < rec->argc; i++)
		snprintf(command + strlen(command), sizeof(command) - strlen(command), " '%s'",
			 rec->argv[i]);
	err = err ?: span_store__meta(rec->store, "host", host);
	err = err ?: span_store__meta(rec->store, "kernel", u.release);
	err = err ?: span_store__meta(rec->store, "command", command);
	err = err ?: put_meta_u64(rec->store, "started_ns", clock_wall_ns());
	err = err ?: span_store__meta(rec->store, "clock", "CLOCK_MONOTONIC, converted to wall-clock "
					 "time with an offset sampled at start");
	err = err ?: put_meta_u64(rec->store, "sample", (uint64_t)run_opts.root_sample);
	for (int i = 0; !err && i < sr->tr.nprobes; i++)
		if (sr->tr.probes[i].ast->role)
			err = span_store__probe(rec->store, i, sr->tr.probes[i].ast->text,
						span_probe_role(sr, i), span_probe_name(sr, i));
	for (int i = sr->tr.nprobes; !err && i < span_run_nprobes(sr); i++) /* --wire */
		err = span_store__probe(rec->store, i, span_probe_name(sr, i), span_probe_role(sr, i),
					span_probe_name(sr, i));
	return err;
}

static int on_start(void *ctx, const struct span_run *sr)
{
	return write_header(ctx, sr);
}

static int on_request(void *ctx, const struct span_run *sr, const struct span_request *req)
{
	struct recorder *rec = ctx;

	(void)sr;
	return span_store__request(rec->store, req);
}

static int on_tick(void *ctx, const struct span_run *sr, uint64_t now_ns)
{
	struct recorder *rec = ctx;

	(void)sr;
	return span_store__tick(rec->store, now_ns, COMMIT_INTERVAL_NS);
}

/* Nothing lost silently: per probe and session totals into losses. */
static int write_losses(struct recorder *rec, const struct span_run *sr)
{
	static const struct {
		int stat;
		const char *what;
	} per_probe[] = { { PSTAT_SAMPLED, "sampled_out" }, { PSTAT_DROPS, "ring_drops" },
			  { PSTAT_STALE, "stale" },	    { PSTAT_UNPAIRED, "unpaired" },
			  { PSTAT_ERRORS, "read_errors" } };
	int fd = bpf_map__fd(sr->tr.skel->maps.probe_stats), err = 0;

	for (int i = 0; !err && i < sr->tr.nprobes; i++)
		for (size_t s = 0; !err && s < sizeof(per_probe) / sizeof(per_probe[0]); s++)
			err = span_store__loss(rec->store, i, per_probe[s].what,
					       bpfmap_percpu_sum(fd, i * PSTAT__COUNT +
									   per_probe[s].stat));
	err = err ?: span_store__loss(rec->store, -1, "roots_sampled_out",
				      sr->kstats[SPSTAT_ROOTS_SAMPLED]);
	err = err ?: span_store__loss(rec->store, -1, "ring_drops", sr->kstats[SPSTAT_DROPS]);
	err = err ?: span_store__loss(rec->store, -1, "stale_requests", sr->asm_stats.stale);
	err = err ?: span_store__loss(rec->store, -1, "evicted_requests", sr->asm_stats.evicted);
	err = err ?: span_store__loss(rec->store, -1, "overflow", sr->asm_stats.overflow);
	err = err ?: span_store__loss(rec->store, -1, "spans_too_deep", sr->kstats[SPSTAT_TOO_DEEP]);
	err = err ?: span_store__loss(rec->store, -1, "peers_not_ip", sr->kstats[SPSTAT_IO_NOT_INET]);
	err = err ?: span_store__loss(rec->store, -1, "peers_dropped", sr->peers_dropped);
	if (!err && sr->wire_join)
		err = span_store__loss(rec->store, -1, "wire_outside_requests",
				       sr->wire_stats.outside);
	if (!err && sr->wire_join)
		err = span_store__loss(rec->store, -1, "wire_ring_drops", sr->wire_drops);
	if (!err && sr->wire_join)
		err = span_store__loss(rec->store, -1, "wire_read_errors", sr->wire_errors);
	return err;
}

static int on_end(void *ctx, const struct span_run *sr)
{
	struct recorder *rec = ctx;
	uint64_t requests, spans;
	int err = span_store__commit(rec->store);

	err = err ?: write_losses(rec, sr);
	err = err ?: put_meta_u64(rec->store, "ended_ns", clock_wall_ns());
	span_store__counts(rec->store, &requests, &spans);
	fprintf(stderr, "bpfscope: record: %llu requests, %llu spans written to %s\n",
		(unsigned long long)requests, (unsigned long long)spans, path);
	return err;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct recorder rec = { NULL, argc, argv };
	struct span_sink sink = { on_start, on_request, on_tick, on_end, &rec };
	uint64_t mono = clock_mono_ns();
	int code, err;

	if (!path) {
		log_error("-o FILE is required: where to write the record");
		return 2;
	}
	rec.store = span_store__open(path, (int64_t)(clock_mono_to_wall(mono) - mono));
	if (!rec.store)
		return 1;
	code = span_run_main(opts, argc, argv, &run_opts, &sink);
	err = span_store__close(rec.store);
	return code ? code : err ? 1 : 0;
}

static const struct command cmd_record = { &spec, run, true };
REGISTER_COMMAND(cmd_record);
