/* bpfscope tcplife: TCP sessions at close, with duration and bytes each way. */
#include "bpf/tcplife.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcplife.skel.h"

static int port;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only sessions with this local or remote port", 1,
	  65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcplife",
	.summary = "TCP sessions at close: owner, addresses, bytes each way, duration",
	.details = "SADDR/SPORT are the local end. TX is bytes sent and acknowledged, RX bytes\n"
		   "received (payload). PID is the process that called connect() or accept().",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 },     { "pid", "PID", 7 },	  { "comm", "COMM", -16 },
	INET_COLUMNS,		     { "tx_bytes", "TX", 10 }, { "rx_bytes", "RX", 10 },
	{ "duration_ms", "MS", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcplife_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	if (port && e->addrs.sport != port && e->addrs.dport != port)
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	out__str(c->out, e->pid ? e->comm : "?");
	inet_out_addrs(c->out, &e->addrs);
	out__u64(c->out, e->tx_bytes);
	out__u64(c->out, e->rx_bytes);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__double(c->out, e->duration_ns / 1e6, 3);
	out__row_end(c->out);
	return 0;
}

EVTOOL_COMMAND(tcplife, spec, columns, on_event, NULL);
