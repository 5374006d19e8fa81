/* bpfscope filetop: the files read and written most, per process, summed
 * in the kernel and printed per interval (-i) or at exit. */
#include <string.h>

#include "bpf/filetop.h"
#include "core/fdpath.h"
#include "core/output.h"
#include "core/skelcmd.h"
#include "core/toptable.h"
#include "filetop.skel.h"

enum sort_by { SORT_BYTES, SORT_READS, SORT_WRITES, SORT_RBYTES, SORT_WBYTES };

static bool all_files;
static int rows_max = 20;
static enum sort_by sort_by;

static int parse_sort(const char *arg, void *dest)
{
	static const char *const names[] = {"bytes", "reads", "writes", "rbytes", "wbytes"};

	for (int i = 0; i < 5; i++) {
		if (!strcmp(arg, names[i])) {
			*(enum sort_by *)dest = i;
			return 0;
		}
	}
	log_error("-s: sort by bytes, reads, writes, rbytes or wbytes, not '%s'", arg);
	return -1;
}

static const struct opt_def options[] = {
    {"sort", 's', OPT_CUSTOM, &sort_by, "KEY", "bytes (default), reads, writes, rbytes, wbytes", 0,
     0, parse_sort},
    {"top", 'T', OPT_INT, &rows_max, "N", "rows per report (default 20; 0: all)", 0, 100000},
    {"all-files", 'a', OPT_FLAG, &all_files, NULL,
     "include sockets, pipes, devices (default: regular files)"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "filetop",
    .summary = "top files by reads and writes per process, counted in the kernel",
    .details = "Reports every -i seconds, or once at exit.",
    .opts = options,
    .common = COMMON_ALL,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"pid", "PID", 7},	     {"comm", "COMM", -16},	{"reads", "READS", 7},
    {"writes", "WRITES", 7}, {"rbytes", "R_BYTES", 11}, {"wbytes", "W_BYTES", 11},
    {"type", "T", 1},	     {"file", "FILE", 0},
};

struct entry {
	struct filetop_key key;
	struct filetop_val val;
};

static uint64_t weight(const struct filetop_val *v)
{
	switch (sort_by) {
	case SORT_READS: return v->reads;
	case SORT_WRITES: return v->writes;
	case SORT_RBYTES: return v->rbytes;
	case SORT_WBYTES: return v->wbytes;
	default: return v->rbytes + v->wbytes;
	}
}

static int heaviest_first(const void *a, const void *b)
{
	uint64_t x = weight(&((const struct entry *)a)->val),
		 y = weight(&((const struct entry *)b)->val);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void fill(void *row, const void *key, const void *value, void *user)
{
	struct entry *e = row;

	(void)user;
	e->key = *(const struct filetop_key *)key;
	e->val = *(const struct filetop_val *)value;
}

static void print_entry(const struct toptable_ctx *c, const void *row)
{
	const struct entry *e = row;
	char file[FDPATH_BUF + 8], type[2] = {fdpath_type(&e->val.path), 0};

	fdpath_format(&e->val.path, file, sizeof(file));
	out__row_begin(c->out);
	out__u64(c->out, e->key.pid);
	out__str(c->out, e->val.comm);
	out__u64(c->out, e->val.reads);
	out__u64(c->out, e->val.writes);
	out__u64(c->out, e->val.rbytes);
	out__u64(c->out, e->val.wbytes);
	out__str(c->out, type);
	out__str(c->out, file);
	out__row_end(c->out);
}

static int run(struct filetop_bpf *skel, const struct common_opts *opts)
{
	const struct toptable table = {
	    .map_name = "files",
	    .key_size = sizeof(struct filetop_key),
	    .value_size = sizeof(struct filetop_val),
	    .row_size = sizeof(struct entry),
	    .fill = fill,
	    .cmp = heaviest_first,
	    .print = print_entry,
	    .top = rows_max,
	    .cols = columns,
	    .ncols = sizeof(columns) / sizeof(columns[0]),
	};

	skel->rodata->all_files = all_files;
	return toptable_run(&table, skel->skeleton, opts);
}

SKEL_COMMAND(filetop, spec, run);
