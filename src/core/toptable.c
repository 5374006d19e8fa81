/* See toptable.h. */
#include "core/toptable.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/container.h"
#include "core/mapdrain.h"
#include "core/output.h"
#include "core/session.h"

struct report {
	const struct toptable *t;
	struct toptable_ctx c;
	int map_fd, max_rows;
};

struct collected {
	const struct toptable *t;
	char *rows;
	int n;
};

static void add_row(void *ctx, const void *key, const void *value)
{
	struct collected *col = ctx;

	col->t->fill(col->rows + (size_t)col->n++ * col->t->row_size, key, value, col->t->user);
}

void toptable_print_rows(const struct toptable *t, const struct toptable_ctx *c, void *rows, int n)
{
	bool text = out__format(c->out) == OUT_TEXT;
	char now[32];

	if (n > 0) /* rows may be NULL when empty */
		qsort(rows, n, t->row_size, t->cmp);
	if (text && !t->time_column) {
		clock_format_time(c->now_ns, now, sizeof(now));
		fprintf(c->file, "\n%s\n", now);
	}
	out__header(c->out);
	for (int i = 0; i < n && (!t->top || i < t->top); i++)
		t->print(c, (char *)rows + (size_t)i * t->row_size);
	if (text && t->time_column)
		fputc('\n', c->file);
}

static int report(void *ctx)
{
	struct report *r = ctx;
	struct collected col = {r->t, calloc(r->max_rows, r->t->row_size), 0};
	int n;

	if (!col.rows)
		return -1;
	r->c.now_ns = clock_wall_ns();
	n = bpfmap_drain(r->map_fd, r->t->key_size, r->t->value_size, r->max_rows, add_row, &col);
	toptable_print_rows(r->t, &r->c, col.rows, n < 0 ? 0 : col.n);
	free(col.rows);
	fflush(r->c.file);
	return 0;
}

int toptable_run(const struct toptable *t, struct bpf_object_skeleton *skel,
		 const struct common_opts *opts)
{
	struct out_col *cols = calloc(t->ncols + 3, sizeof(*cols)); /* out keeps a pointer */
	struct report r = {t, {NULL, opts, t->user, 0, stdout}, -1, 0};
	struct session s = {0};
	struct bpf_map *map;
	int err;

	if (!cols)
		return 1;
	err = session_start(&s, skel, opts);
	if (!err) {
		map = bpf_object__find_map_by_name(*skel->obj, t->map_name);
		r.map_fd = map ? bpf_map__fd(map) : -1;
		r.max_rows = map ? (int)bpf_map__max_entries(map) : 0;
		r.c.out = out__new(stdout, opts->format, cols,
				   k8s_columns(t->cols, t->ncols, opts->k8s, cols));
		err = r.map_fd < 0 ? -ENOENT : !r.c.out ? -ENOMEM : 0;
	}
	if (!err)
		err = session_run(&s, report, &r);
	if (!err)
		err = report(&r);
	session_end(&s);
	out__free(r.c.out);
	free(cols);
	return err ? 1 : 0;
}
