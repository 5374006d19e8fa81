/* bpfscope tcpconnect: active TCP opens (connect) with pid, addresses and
 * outcome, reported when the handshake ends. */
#include "bpf/tcpconnect.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/output.h"
#include "tcpconnect.skel.h"

static int port;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only connections to this destination port", 1, 65535 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpconnect",
	.summary = "trace active TCP connections (connect) with their outcome",
	.details = "Reported when the handshake ends: the source port is known only then.\n"
		   "RESULT is ESTABLISHED, or CLOSE for a refused or timed out connect.",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 }, { "comm", "COMM", -16 }, INET_COLUMNS,
	{ "result", "RESULT", 0 },
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
	out__str(c->out, tcp_state_name(e->result));
	out__row_end(c->out);
	return 0;
}

/* .rodata from the options */
static void setup(struct tcpconnect_bpf *skel)
{
	skel->rodata->dport_only = (__u16)port;
}

EVTOOL_COMMAND(tcpconnect, spec, columns, on_event, setup);
