/* bpfscope tcpconnlat: TCP connect latency (SYN sent to ESTABLISHED). */
#include "bpf/tcpconnlat.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcpconnlat.skel.h"

static double min_ms;
static int port;

static const struct opt_def options[] = {
	{ "min-ms", 'm', OPT_DOUBLE, &min_ms, "MS", "only connects slower than MS milliseconds", 0,
	  1e9 },
	{ "port", 'P', OPT_INT, &port, "PORT", "only connections to this destination port", 1, 65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpconnlat",
	.summary = "TCP connect latency: SYN sent to ESTABLISHED, per connection",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 }, { "comm", "COMM", -16 }, INET_COLUMNS,
	{ "latency_ms", "LAT(ms)", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcpconn_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	out__str(c->out, e->comm);
	inet_out_addrs(c->out, &e->addrs);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__double(c->out, e->latency_ns / 1e6, 3);
	out__row_end(c->out);
	return 0;
}

/* .rodata from the options */
static void setup(struct tcpconnlat_bpf *skel)
{
	skel->rodata->established_only = true;
	skel->rodata->min_latency_ns = (__u64)(min_ms * 1e6);
	skel->rodata->dport_only = (__u16)port;
}

EVTOOL_COMMAND(tcpconnlat, spec, columns, on_event, setup);
