/* bpfscope tcptop: the busiest TCP connections by bytes, every interval,
 * summed in the kernel per (process, connection). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf/tcptop.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/container.h"
#include "core/inet.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
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

struct printer {
	struct tcptop_bpf *skel;
	struct out *out;
	const struct common_opts *opts;
};

static int by_total(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	__u64 tx = x->val.tx_bytes + x->val.rx_bytes, ty = y->val.tx_bytes + y->val.rx_bytes;

	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static void print_row(const struct printer *p, const struct row *r, uint64_t now)
{
	out__row_begin(p->out);
	out__time(p->out, now);
	out__u64(p->out, r->key.pid);
	out__str(p->out, r->val.comm);
	inet_out_addrs(p->out, &r->val.addrs);
	out__u64(p->out, r->val.rx_bytes);
	if (p->opts->k8s)
		k8s_out(p->out, r->val.cgroup_id, r->key.pid);
	out__u64(p->out, r->val.tx_bytes);
	out__row_end(p->out);
}

/* Reads and deletes every entry (a key deleted while a send adds to it
 * loses that send: counted in the next interval at most once). */
static int print_top(void *ctx)
{
	const struct printer *p = ctx;
	int fd = bpf_map__fd(p->skel->maps.conns), n = 0, cap = 256;
	struct row *rows = malloc(cap * sizeof(*rows)), *grown;
	struct tcptop_key key, next, *prev = NULL;
	uint64_t now = clock_wall_ns();

	if (!rows)
		return -1;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n == cap) {
			grown = realloc(rows, 2 * cap * sizeof(*rows));
			if (!grown)
				break;
			rows = grown;
			cap *= 2;
		}
		rows[n].key = key;
		if (!bpf_map_lookup_elem(fd, &key, &rows[n].val))
			n++;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &rows[i].key);
	qsort(rows, n, sizeof(*rows), by_total);
	if (out__format(p->out) == OUT_TEXT)
		out__header(p->out);
	for (int i = 0; i < n && i < top; i++)
		print_row(p, &rows[i], now);
	if (out__format(p->out) == OUT_TEXT)
		printf("\n");
	fflush(stdout);
	free(rows);
	return 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct tcptop_bpf *skel = tcptop_bpf__open();
	struct out_col cols[sizeof(columns) / sizeof(columns[0]) + 3];
	int ncols = k8s_columns(columns, sizeof(columns) / sizeof(columns[0]), opts->k8s, cols);
	struct common_opts o = *opts;
	struct printer p = { skel, NULL, &o };
	struct session s = { 0 };
	int err;

	(void)argc;
	(void)argv;
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	if (!o.interval)
		o.interval = 1;
	err = session_start(&s, skel->skeleton, &o);
	if (!err && !(p.out = out__new(stdout, o.format, cols, ncols)))
		err = -1;
	if (!err)
		err = session_run(&s, print_top, &p);
	if (!err)
		err = print_top(&p);
	session_end(&s);
	out__free(p.out);
	tcptop_bpf__destroy(skel);
	return err ? 1 : 0;
}

static const struct command cmd_tcptop = { &spec, run, true };
REGISTER_COMMAND(cmd_tcptop);
