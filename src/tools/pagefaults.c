/* bpfscope pagefaults: user page faults by stack, or by the file (or heap,
 * stack, anonymous memory) that the faulting address belongs to. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf/pagefaults.h"
#include "core/features.h"
#include "core/log.h"
#include "core/output.h"
#include "core/skelcmd.h"
#include "core/stacktool.h"
#include "pagefaults.skel.h"

static bool by_file;

static const struct opt_def options[] = {
    {"by-file", 0, OPT_FLAG, &by_file, NULL,
     "count by the faulting address's mapping (file base name, [heap], [stack], [anon])"},
    STACK_REPORT_OPTIONS,
    {0},
};

static const struct cmd_spec spec = {
    .name = "pagefaults",
    .summary = "user page faults by stack or by mapped file",
    .opts = options,
    .common = COMMON_ALL,
    .max_args = 0,
};

static const struct out_col file_columns[] = {
    {"faults", "FAULTS", 9},
    {"pid", "PID", 7},
    {"comm", "COMM", -16},
    {"file", "FILE", 0},
};

struct by_file {
	struct pagefaults_bpf *skel;
	enum out_format format;
};

struct by_file_entry {
	struct pagefault_file_key key;
	uint64_t faults;
};

static int by_faults(const void *pa, const void *pb)
{
	const struct by_file_entry *a = pa, *b = pb;

	return a->faults < b->faults ? 1 : a->faults > b->faults ? -1 : 0;
}

/* Reads and clears the by-file map; prints heaviest first. */
static int print_by_file(void *ctx, struct stacks *st)
{
	const struct by_file *bf = ctx;
	int fd = bpf_map__fd(bf->skel->maps.file_counts);
	struct pagefault_file_key key, next, *prev = NULL;
	struct by_file_entry *v = NULL, *grown;
	struct out *out = out__new(stdout, bf->format, file_columns, 4);
	struct stack_value value;
	size_t n = 0, cap = 0;

	(void)st;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value))
			continue;
		if (n == cap && (cap = cap ? cap * 2 : 256, grown = realloc(v, cap * sizeof(*v))))
			v = grown;
		if (n < cap && v)
			v[n++] = (struct by_file_entry){key, value.count};
	}
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	if (n)
		qsort(v, n, sizeof(*v), by_faults);
	out__header(out);
	for (size_t i = 0; i < n && (stack_cli.top <= 0 || i < (size_t)stack_cli.top); i++) {
		out__row_begin(out);
		out__u64(out, v[i].faults);
		out__u64(out, v[i].key.pid);
		out__str(out, v[i].key.comm);
		out__str(out, v[i].key.file);
		out__row_end(out);
	}
	out__free(out);
	free(v);
	fflush(stdout);
	return 0;
}

static int run(struct pagefaults_bpf *skel, const struct common_opts *opts)
{
	struct stack_tool tool = {
	    .skel = skel->skeleton,
	    .counts_map = "counts",
	    .divisor = 1,
	    .report = {"faults", NULL, "User page faults", opts->format},
	};
	struct by_file bf = {skel, opts->format};

	if (by_file && (stack_cli.folded || stack_cli.svg)) {
		log_error("--by-file counts files, not stacks: no --folded or --svg");
		return 2;
	}
	if (by_file && !feature_has(FEAT_FIND_VMA)) {
		log_error("--by-file needs the bpf_find_vma helper (Linux 5.17+), which this kernel "
			  "lacks; stacks work without --by-file");
		return 2;
	}
	bpf_program__set_autoload(by_file ? skel->progs.page_fault_user : skel->progs.page_fault_user_by_file,
				  false);
	if (by_file) {
		tool.print = print_by_file;
		tool.ctx = &bf;
	}
	return stack_tool_run(&tool, opts);
}

SKEL_COMMAND(pagefaults, spec, run);
