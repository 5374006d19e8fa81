/* bpfscope tcptop: the busiest TCP connections by bytes, every interval,
 * summed in the kernel per (process, connection). */
#include "bpf/tcptop.h"
#include "core/container.h"
#include "core/inet.h"
#include "core/output.h"
#include "core/skelcmd.h"
#include "core/toptable.h"
#include "tcptop.skel.h"

static int top = 20;

static const struct opt_def options[] = {
	{ "top", 'n', OPT_INT, &top, "N", "rows per interval (default 20)", 1, 100000 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "tcptop",
	.summary = "top TCP connections by bytes sent and received, per interval",
	.details = "Default interval: 1 second (-i). Counts what processes read and write on\n"
		   "TCP sockets (payload, at the socket layer).",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 }, { "comm", "COMM", -16 }, INET_COLUMNS,
	{ "rx_bytes", "RX", 12 }, { "tx_bytes", "TX", 0 },
};

struct row {
	struct tcptop_key key;
	struct tcptop_val val;
};

static int by_total(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	__u64 tx = x->val.tx_bytes + x->val.rx_bytes, ty = y->val.tx_bytes + y->val.rx_bytes;

	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static void fill(void *row, const void *key, const void *value, void *user)
{
	struct row *r = row;

	(void)user;
	r->key = *(const struct tcptop_key *)key;
	r->val = *(const struct tcptop_val *)value;
}

static void print_row(const struct toptable_ctx *c, const void *row)
{
	const struct row *r = row;

	out__row_begin(c->out);
	out__time(c->out, c->now_ns);
	out__u64(c->out, r->key.pid);
	out__str(c->out, r->val.comm);
	inet_out_addrs(c->out, &r->val.addrs);
	out__u64(c->out, r->val.rx_bytes);
	if (c->opts->k8s)
		k8s_out(c->out, r->val.cgroup_id, r->key.pid);
	out__u64(c->out, r->val.tx_bytes);
	out__row_end(c->out);
}

/* A key deleted while a send adds to it loses that send (core/mapdrain):
 * counted in the next interval at most once. */
static int run(struct tcptop_bpf *skel, const struct common_opts *opts)
{
	const struct toptable table = {
		.map_name = "conns",
		.key_size = sizeof(struct tcptop_key),
		.value_size = sizeof(struct tcptop_val),
		.row_size = sizeof(struct row),
		.fill = fill,
		.cmp = by_total,
		.print = print_row,
		.top = top,
		.time_column = true,
		.cols = columns,
		.ncols = sizeof(columns) / sizeof(columns[0]),
	};
	struct common_opts o = *opts;

	if (!o.interval)
		o.interval = 1;
	return toptable_run(&table, skel->skeleton, &o);
}

SKEL_COMMAND(tcptop, spec, run);
