/* bpfscope syscount: syscall counts (and latency), counted in the kernel,
 * printed as a top-N table per interval or at exit. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/syscount.h"
#include "core/cmd.h"
#include "core/keyhist.h"
#include "core/log.h"
#include "core/mapdrain.h"
#include "core/output.h"
#include "core/session.h"
#include "core/syscalls.h"
#include "syscount.skel.h"

static bool per_process, with_latency, failed_only, msecs;
static int top = 10;

static const struct opt_def options[] = {
    {"process", 'P', OPT_FLAG, &per_process, NULL, "count per process and syscall"},
    {"latency", 'L', OPT_FLAG, &with_latency, NULL,
     "also total and average time in syscalls; sort by time"},
    {"failed", 'x', OPT_FLAG, &failed_only, NULL, "count only failed syscalls"},
    {"milliseconds", 'm', OPT_FLAG, &msecs, NULL, "latency in milliseconds (default usecs)"},
    {"top", 'T', OPT_INT, &top, "N", "show the N most frequent (0: all; default 10)", 0, 100000},
    {0},
};

static const struct cmd_spec spec = {
    .name = "syscount",
    .summary = "count syscalls (and their latency) per syscall or process",
    .opts = options,
    .common = COMMON_ALL,
    .max_args = 0,
};

struct row {
	struct syscount_key key;
	struct syscount_val val;
};

struct report {
	struct syscount_bpf *skel;
	enum out_format format;
	struct out *out;
};

static int by_weight(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t wx = with_latency ? x->val.total_ns : x->val.count;
	uint64_t wy = with_latency ? y->val.total_ns : y->val.count;

	return wx < wy ? 1 : wx > wy ? -1 : (x->key.nr > y->key.nr) - (x->key.nr < y->key.nr);
}

struct rows {
	struct row *rows;
	int n;
	int ncpus;
};

/* One map entry: sum its per-CPU copies into the next row. */
static void add_row(void *ctx, const void *key, const void *value)
{
	struct rows *rs = ctx;
	const struct syscount_val *vals = value;
	struct row *r = &rs->rows[rs->n++];

	memset(r, 0, sizeof(*r));
	r->key = *(const struct syscount_key *)key;
	for (int c = 0; c < rs->ncpus; c++) {
		r->val.count += vals[c].count;
		r->val.errors += vals[c].errors;
		r->val.total_ns += vals[c].total_ns;
		if (!r->val.comm[0])
			memcpy(r->val.comm, vals[c].comm, sizeof(vals[c].comm));
	}
}

static void print_row(struct out *out, const struct row *r)
{
	double unit = msecs ? 1e6 : 1e3;
	char name[32];

	syscall_format(r->key.nr, name, sizeof(name));
	out__row_begin(out);
	if (per_process) {
		out__u64(out, r->key.pid);
		out__str(out, r->val.comm);
	}
	out__str(out, name);
	out__u64(out, r->key.nr);
	out__u64(out, r->val.count);
	out__u64(out, r->val.errors);
	if (with_latency) {
		out__double(out, r->val.total_ns / unit, 3);
		out__double(out, r->val.count ? r->val.total_ns / unit / r->val.count : 0, 3);
	}
	out__row_end(out);
}

static int print_report(void *ctx)
{
	struct report *rep = ctx;
	struct rows rs = {calloc(SYSCOUNT_MAX_KEYS, sizeof(struct row)), 0,
			  libbpf_num_possible_cpus()};
	struct row *rows = rs.rows;
	int n;

	if (!rows || rs.ncpus <= 0) {
		free(rows);
		return -1;
	}
	n = bpfmap_drain(bpf_map__fd(rep->skel->maps.counts), sizeof(struct syscount_key),
			 rs.ncpus * sizeof(struct syscount_val), SYSCOUNT_MAX_KEYS, add_row, &rs);
	n = n < 0 ? 0 : rs.n;
	qsort(rows, n, sizeof(*rows), by_weight);
	keyhist_time_line(rep->format);
	out__header(rep->out);
	for (int i = 0; i < n && (!top || i < top); i++)
		print_row(rep->out, &rows[i]);
	free(rows);
	fflush(stdout);
	return 0;
}

static struct out *make_out(enum out_format format)
{
	static struct out_col cols[8]; /* out__new keeps a pointer to them */
	int n = 0;

	if (per_process) {
		cols[n++] = (struct out_col){"pid", "PID", 7};
		cols[n++] = (struct out_col){"comm", "COMM", -16};
	}
	cols[n++] = (struct out_col){"syscall", "SYSCALL", -22};
	cols[n++] = (struct out_col){"nr", "NR", 4};
	cols[n++] = (struct out_col){"count", "COUNT", 10};
	cols[n++] = (struct out_col){"errors", "ERRORS", 8};
	if (with_latency) {
		cols[n++] = (struct out_col){msecs ? "total_ms" : "total_us",
					     msecs ? "TOTAL(ms)" : "TOTAL(us)", 14};
		cols[n++] = (struct out_col){msecs ? "avg_ms" : "avg_us",
					     msecs ? "AVG(ms)" : "AVG(us)", 12};
	}
	return out__new(stdout, format, cols, n);
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct syscount_bpf *skel = syscount_bpf__open();
	struct report rep = {skel, opts->format, NULL};
	struct session s = {0};
	int err;

	(void)argc;
	(void)argv;
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->per_process = per_process;
	skel->rodata->with_latency = with_latency;
	skel->rodata->failed_only = failed_only;
	rep.out = make_out(opts->format);
	err = session_start(&s, skel->skeleton, opts);
	if (!err)
		err = session_run(&s, print_report, &rep);
	if (!err)
		err = print_report(&rep);
	session_end(&s);
	out__free(rep.out);
	syscount_bpf__destroy(skel);
	return err ? 1 : 0;
}

static const struct command cmd_syscount = {&spec, run, true};
REGISTER_COMMAND(cmd_syscount);
