/* bpfscope tcpdrop: TCP packets dropped by the kernel, with the kernel's
 * reason (enum skb_drop_reason, named from the running kernel's BTF, so new
 * reasons need no update here) and the function that dropped them. */
#include <stdio.h>
#include <string.h>

#include "bpf/tcpdrop.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/container.h"
#include "core/dropreason.h"
#include "core/evtool.h"
#include "core/inet.h"
#include "core/log.h"
#include "core/output.h"
#include "core/syms.h"
#include "tcpdrop.skel.h"

static int port;
static bool all_reasons;

static const struct opt_def options[] = {
	{ "port", 'P', OPT_INT, &port, "PORT", "only packets from or to this port", 1, 65535 },
	{ "all", 'a', OPT_FLAG, &all_reasons, NULL,
	  "include reason NOT_SPECIFIED (also frees some processed packets)" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcpdrop",
	.summary = "trace TCP packets the kernel drops, with the drop reason",
	.details = "SADDR/SPORT are the packet's source. STATE is the socket's, '-' when the\n"
		   "packet had none. Drops run in softirq: there is no meaningful pid, and\n"
		   "--cgroup/--container/--pod/--namespace filter on the socket's cgroup.",
	.opts = options,
	.common = COMMON_CGROUP | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 },	INET_COLUMNS, { "flags", "FLAGS", -8 },
	{ "state", "STATE", -12 },	{ "reason", "REASON", -20 },
	{ "location", "LOCATION", 0 },
};

struct names {
	struct drop_reasons reasons;
	struct ksyms *ksyms;
};

static const char *flags_str(__u8 f, char *buf)
{
	static const char letters[] = "FSRPAU";
	int n = 0;

	for (int i = 0; i < 6; i++)
		if (f & (1 << i))
			buf[n++] = letters[i];
	buf[n] = 0;
	return buf;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct tcpdrop_event *e = data;
	struct evtool_ctx *c = ctx;
	const struct names *n = c->user;
	const struct sym *s = n->ksyms ? ksyms__find(n->ksyms, e->location) : NULL;
	char reason[64], flags[8], where[128];

	if (size < sizeof(*e))
		return 0;
	syms_format(where, sizeof(where), s, NULL, e->location, s ? e->location - s->addr : 0);
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	inet_out_addrs(c->out, &e->addrs);
	out__str(c->out, flags_str(e->tcpflags, flags));
	out__str(c->out, e->state < 0 ? "-" : tcp_state_name(e->state));
	out__str(c->out, drop_reason_name(&n->reasons, e->reason, reason, sizeof(reason)));
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, 0);
	out__str(c->out, where);
	out__row_end(c->out);
	return 0;
}

static int run(struct tcpdrop_bpf *skel, const struct common_opts *opts)
{
	struct names names = { .ksyms = ksyms__load() };
	struct evtool tool = { columns, sizeof(columns) / sizeof(columns[0]), on_event, &names };
	int rc;

	if (!drop_reasons__open(&names.reasons))
		log_info("no enum skb_drop_reason in kernel BTF (Linux < 5.17): every kfree_skb "
			 "of a TCP packet is shown, reason unknown");
	skel->rodata->port_only = (__u16)port;
	skel->rodata->with_unspecified = all_reasons;
	rc = evtool_run(&tool, skel->skeleton, opts);
	ksyms__free(names.ksyms);
	drop_reasons__close(&names.reasons);
	return rc;
}

SKEL_COMMAND(tcpdrop, spec, run);
