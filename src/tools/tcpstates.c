/* bpfscope tcpstates: every TCP state change with time in the previous state. */
#include "bpf/tcpstates.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcpstates.skel.h"

static int port;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only sockets with this local or remote port", 1,
	  65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpstates",
	.summary = "TCP state transitions with the time spent in the previous state",
	.details = "Most transitions happen in softirq: PID/COMM are the task that was running,\n"
		   "and --cgroup/--container/--pod/--namespace filter on the socket's cgroup.",
	.opts = options,
	.common = COMMON_CGROUP | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 },	{ "skaddr", "SKADDR", -18 }, { "pid", "PID", 7 },
	{ "comm", "COMM", -16 },	INET_COLUMNS,		     { "oldstate", "OLDSTATE", -12 },
	{ "newstate", "NEWSTATE", -12 }, { "ms", "MS", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcpstates_event *e = data;
	struct evtool_ctx *c = ctx;
	char sk[24];

	if (size < sizeof(*e))
		return 0;
	snprintf(sk, sizeof(sk), "0x%llx", (unsigned long long)e->skaddr);
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__str(c->out, sk);
	out__u64(c->out, e->pid);
	out__str(c->out, e->comm);
	inet_out_addrs(c->out, &e->addrs);
	out__str(c->out, tcp_state_name(e->oldstate));
	out__str(c->out, tcp_state_name(e->newstate));
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, 0);
	out__double(c->out, e->delta_ns / 1e6, 3);
	out__row_end(c->out);
	return 0;
}

/* .rodata from the options */
static void setup(struct tcpstates_bpf *skel)
{
	skel->rodata->port_only = (__u16)port;
}

EVTOOL_COMMAND(tcpstates, spec, columns, on_event, setup);
