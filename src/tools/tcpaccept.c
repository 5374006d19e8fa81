/* bpfscope tcpaccept: passive TCP opens, at the accept() that takes them. */
#include "bpf/tcpaccept.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcpaccept.skel.h"

static int port;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only connections accepted on this local port", 1,
	  65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpaccept",
	.summary = "trace passive TCP connections (accept) with pid and addresses",
	.details = "SADDR/SPORT are the local end, DADDR/DPORT the remote peer.",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 }, INET_COLUMNS, { "comm", "COMM", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcpaccept_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	inet_out_addrs(c->out, &e->addrs);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__str(c->out, e->comm);
	out__row_end(c->out);
	return 0;
}

/* .rodata from the options */
static void setup(struct tcpaccept_bpf *skel)
{
	skel->rodata->lport_only = (__u16)port;
}

EVTOOL_COMMAND(tcpaccept, spec, columns, on_event, setup);
