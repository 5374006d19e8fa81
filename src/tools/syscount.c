/* bpfscope syscount: syscall counts (and latency), counted in the kernel,
 * printed as a top-N table per interval or at exit. */
#include <bpf/libbpf.h>
#include <string.h>

#include "bpf/syscount.h"
#include "core/output.h"
#include "core/skelcmd.h"
#include "core/syscalls.h"
#include "core/toptable.h"
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

static int by_weight(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t wx = with_latency ? x->val.total_ns : x->val.count;
	uint64_t wy = with_latency ? y->val.total_ns : y->val.count;

	return wx < wy ? 1 : wx > wy ? -1 : (x->key.nr > y->key.nr) - (x->key.nr < y->key.nr);
}

/* One map entry: sum its per-CPU copies into the row. */
static void add_row(void *row, const void *key, const void *value, void *user)
{
	const int *ncpus = user;
	const struct syscount_val *vals = value;
	struct row *r = row;

	r->key = *(const struct syscount_key *)key;
	for (int c = 0; c < *ncpus; c++) {
		r->val.count += vals[c].count;
		r->val.errors += vals[c].errors;
		r->val.total_ns += vals[c].total_ns;
		if (!r->val.comm[0])
			memcpy(r->val.comm, vals[c].comm, sizeof(vals[c].comm));
	}
}

static void print_row(const struct toptable_ctx *c, const void *row)
{
	const struct row *r = row;
	struct out *out = c->out;
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

/* The columns the options ask for; returns how many. */
static int make_columns(struct out_col *cols)
{
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
	return n;
}

static int run(struct syscount_bpf *skel, const struct common_opts *opts)
{
	struct out_col cols[8];
	int ncpus = libbpf_num_possible_cpus();
	struct toptable table = {
	    .map_name = "counts",
	    .key_size = sizeof(struct syscount_key),
	    .value_size = (ncpus > 0 ? ncpus : 1) * sizeof(struct syscount_val),
	    .row_size = sizeof(struct row),
	    .fill = add_row,
	    .cmp = by_weight,
	    .print = print_row,
	    .top = top,
	    .cols = cols,
	    .ncols = make_columns(cols),
	    .user = &ncpus,
	};

	if (ncpus <= 0) {
		log_error("cannot count possible CPUs: %s", strerror(-ncpus));
		return 1;
	}
	skel->rodata->per_process = per_process;
	skel->rodata->with_latency = with_latency;
	skel->rodata->failed_only = failed_only;
	return toptable_run(&table, skel->skeleton, opts);
}

SKEL_COMMAND(syscount, spec, run);
