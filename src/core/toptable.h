/* The report of a "top" tool (filetop, syscount, tcptop): counters summed in
 * a BPF hash map are, every -i seconds and once at exit, read and cleared
 * (core/mapdrain: what is counted while printing goes to the next report),
 * turned into rows, sorted, and the first N printed.
 *
 * Text output opens each report with a time line and the column header; a
 * tool whose rows carry their own time column (time_column) gets the header
 * and a blank line after the rows instead. JSON output is one line per row.
 * The -K attribution columns are added when asked (the tool's print emits
 * them with k8s_out where k8s_columns puts them). */
#ifndef BPFSCOPE_TOPTABLE_H
#define BPFSCOPE_TOPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/options.h"

struct bpf_object_skeleton;
struct out;
struct out_col;

/* What a tool's callbacks receive. */
struct toptable_ctx {
	struct out *out;
	const struct common_opts *opts;
	void *user;
	uint64_t now_ns; /* wall clock when this report began */
	FILE *file;	 /* where out writes (stdout) */
};

struct toptable {
	const char *map_name;	     /* the hash map read and cleared per report */
	size_t key_size, value_size; /* value_size: for a per-CPU map, possible CPUs x value */
	size_t row_size;
	/* Fills row (zeroed) from one map entry, e.g. summing per-CPU copies. */
	void (*fill)(void *row, const void *key, const void *value, void *user);
	int (*cmp)(const void *a, const void *b); /* qsort: the row printed first sorts first */
	void (*print)(const struct toptable_ctx *c, const void *row);
	int top;	  /* rows per report; 0: all */
	bool time_column; /* see above */
	const struct out_col *cols;
	int ncols;
	void *user;
};

/* Session start, a report every -i and at the end, loss report. Returns the
 * exit code (0, or 1 after an error line). */
int toptable_run(const struct toptable *t, struct bpf_object_skeleton *skel,
		 const struct common_opts *opts);

/* Sorts n rows and prints one report of them (exposed for tests). */
void toptable_print_rows(const struct toptable *t, const struct toptable_ctx *c, void *rows, int n);

#endif
