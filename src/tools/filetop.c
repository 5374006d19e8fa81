/* bpfscope filetop: the files read and written most, per process, summed
 * in the kernel and printed per interval (-i) or at exit. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/filetop.h"
#include "core/cmd.h"
#include "core/fdpath.h"
#include "core/keyhist.h"
#include "core/log.h"
#include "core/mapdrain.h"
#include "core/output.h"
#include "core/session.h"
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

struct entries {
	struct entry *ents;
	int n;
};

static void add_entry(void *ctx, const void *key, const void *value)
{
	struct entries *es = ctx;

	es->ents[es->n].key = *(const struct filetop_key *)key;
	es->ents[es->n++].val = *(const struct filetop_val *)value;
}

static void print_entry(struct out *out, const struct entry *e)
{
	char file[FDPATH_BUF + 8], type[2] = {fdpath_type(&e->val.path), 0};

	fdpath_format(&e->val.path, file, sizeof(file));
	out__row_begin(out);
	out__u64(out, e->key.pid);
	out__str(out, e->val.comm);
	out__u64(out, e->val.reads);
	out__u64(out, e->val.writes);
	out__u64(out, e->val.rbytes);
	out__u64(out, e->val.wbytes);
	out__str(out, type);
	out__str(out, file);
	out__row_end(out);
}

struct report {
	struct filetop_bpf *skel;
	enum out_format format;
	struct out *out;
};

static int print_report(void *ctx)
{
	struct report *rep = ctx;
	struct entries es = {calloc(FILETOP_MAX_FILES, sizeof(struct entry)), 0};
	struct entry *ents = es.ents;
	int n;

	if (!ents)
		return -1;
	n = bpfmap_drain(bpf_map__fd(rep->skel->maps.files), sizeof(struct filetop_key),
			 sizeof(struct filetop_val), FILETOP_MAX_FILES, add_entry, &es);
	n = n < 0 ? 0 : es.n;
	qsort(ents, n, sizeof(*ents), heaviest_first);
	keyhist_time_line(rep->format);
	out__header(rep->out);
	for (int i = 0; i < n && (!rows_max || i < rows_max); i++)
		print_entry(rep->out, &ents[i]);
	free(ents);
	fflush(stdout);
	return 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct filetop_bpf *skel = filetop_bpf__open();
	struct report rep = {skel, opts->format, NULL};
	struct session s = {0};
	int err;

	(void)argc;
	(void)argv;
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->all_files = all_files;
	rep.out = out__new(stdout, opts->format, columns, sizeof(columns) / sizeof(columns[0]));
	err = session_start(&s, skel->skeleton, opts);
	if (!err)
		err = session_run(&s, print_report, &rep);
	if (!err)
		err = print_report(&rep);
	session_end(&s);
	out__free(rep.out);
	filetop_bpf__destroy(skel);
	return err ? 1 : 0;
}

static const struct command cmd_filetop = {&spec, run, true};
REGISTER_COMMAND(cmd_filetop);
