/* bpfscope gethostlatency: latency of host name lookups through libc
 * (getaddrinfo, gethostbyname, gethostbyname2), per call. */
#include <stdio.h>

#include "bpf/gethostlatency.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/libprobe.h"
#include "core/output.h"
#include "gethostlatency.skel.h"

static const char *lib = "libc";

static const struct opt_def options[] = {
	{ "lib", 'l', OPT_STRING, &lib, "LIB", "libc to probe: path or name (default libc)" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "gethostlatency",
	.summary = "latency of host name lookups (getaddrinfo, gethostbyname*) in libc",
	.details = "With -p, the libc mapped by that process is probed (through /proc/PID/root,\n"
		   "so processes in containers work).",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 },     { "pid", "PID", 7 },	{ "comm", "COMM", -16 },
	{ "func", "FUNC", -15 },     { "ret", "RET", 4 },	{ "latency_ms", "LAT(ms)", 10 },
	{ "host", "HOST", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	static const char *const funcs[] = { "getaddrinfo", "gethostbyname", "gethostbyname2" };
	const struct gethost_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	out__str(c->out, e->comm);
	out__str(c->out, e->func < 3 ? funcs[e->func] : "?");
	out__i64(c->out, e->ret);
	out__double(c->out, e->latency_ns / 1e6, 3);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__str(c->out, e->host);
	out__row_end(c->out);
	return 0;
}

/* The library's functions, on the opened skeleton. */
static int run_probes(struct gethostlatency_bpf *s, const struct common_opts *opts)
{
	const struct uprobe_spec specs[] = {
		{ s->progs.getaddrinfo_entry, &s->links.getaddrinfo_entry, "getaddrinfo", false },
		{ s->progs.getaddrinfo_return, &s->links.getaddrinfo_return, "getaddrinfo", true },
		{ s->progs.gethostbyname_entry, &s->links.gethostbyname_entry, "gethostbyname", false,
		  true },
		{ s->progs.gethostbyname_return, &s->links.gethostbyname_return, "gethostbyname", true,
		  true },
		{ s->progs.gethostbyname2_entry, &s->links.gethostbyname2_entry, "gethostbyname2",
		  false, true },
		{ s->progs.gethostbyname2_return, &s->links.gethostbyname2_return, "gethostbyname2",
		  true, true },
	};
	const struct libprobe lp = { lib, specs, sizeof(specs) / sizeof(specs[0]) };
	const struct evtool tool = { columns, sizeof(columns) / sizeof(columns[0]), on_event };

	return libprobe_run(&lp, &tool, s->skeleton, opts);
}

SKEL_COMMAND(gethostlatency, spec, run_probes);
