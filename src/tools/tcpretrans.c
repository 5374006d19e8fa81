/* bpfscope tcpretrans: TCP retransmits with addresses and socket state. */
#include "bpf/tcpretrans.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcpretrans.skel.h"

static int port;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only sockets with this local or remote port", 1,
	  65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpretrans",
	.summary = "trace TCP retransmits with addresses and socket state",
	.details = "Retransmits run in timer or softirq context: there is no meaningful pid, and\n"
		   "--cgroup/--container/--pod/--namespace filter on the socket's cgroup.",
	.opts = options,
	.common = COMMON_CGROUP | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, INET_COLUMNS, { "state", "STATE", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcpretrans_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	if (port && e->addrs.sport != port && e->addrs.dport != port)
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	inet_out_addrs(c->out, &e->addrs);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, 0);
	out__str(c->out, tcp_state_name(e->state));
	out__row_end(c->out);
	return 0;
}

EVTOOL_COMMAND(tcpretrans, spec, columns, on_event, NULL);
