/* See output.h. */
#include "core/output.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

struct out {
	FILE *file;
	enum out_format format;
	const struct out_col *cols;
	int ncols;
	int col;                  /* next column of the current row */
	struct json_object *row;  /* JSON mode */
};

struct out *out__new(FILE *file, enum out_format format, const struct out_col *cols, int ncols)
{
	struct out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	*o = (struct out){ .file = file, .format = format, .cols = cols, .ncols = ncols };
	return o;
}

enum out_format out__format(const struct out *o)
{
	return o->format;
}

static void text_cell(struct out *o, const char *s)
{
	const struct out_col *c = &o->cols[o->col];
	bool last = o->col == o->ncols - 1;

	if (o->col)
		fputc(' ', o->file);
	if (last)
		fputs(s, o->file);
	else if (c->width < 0)
		fprintf(o->file, "%-*s", -c->width, s);
	else
		fprintf(o->file, "%*s", c->width, s);
}

void out__header(struct out *o)
{
	if (o->format != OUT_TEXT)
		return;
	o->col = 0;
	for (o->col = 0; o->col < o->ncols; o->col++)
		text_cell(o, o->cols[o->col].header);
	fputc('\n', o->file);
	o->col = 0;
}

void out__row_begin(struct out *o)
{
	o->col = 0;
	if (o->format == OUT_JSON)
		o->row = json_object_new_object();
}

/* Adds a cell: text form for text mode, JSON value for JSON mode. */
static void cell(struct out *o, const char *text, struct json_object *value)
{
	if (o->col >= o->ncols) {
		json_object_put(value);
		return;
	}
	if (o->format == OUT_JSON)
		json_object_object_add(o->row, o->cols[o->col].key, value);
	else {
		text_cell(o, text);
		json_object_put(value);
	}
	o->col++;
}

void out__u64(struct out *o, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cell(o, buf, o->format == OUT_JSON ? json_object_new_uint64(v) : NULL);
}

void out__i64(struct out *o, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	cell(o, buf, o->format == OUT_JSON ? json_object_new_int64(v) : NULL);
}

void out__double(struct out *o, double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	cell(o, buf, o->format == OUT_JSON ? json_object_new_double(v) : NULL);
}

void out__str(struct out *o, const char *s)
{
	cell(o, s, o->format == OUT_JSON ? json_object_new_string(s) : NULL);
}

void out__strv(struct out *o, const char *const *v, int n)
{
	struct json_object *arr;
	size_t len = 1;
	char *joined;

	if (o->format == OUT_JSON) {
		arr = json_object_new_array();
		for (int i = 0; i < n; i++)
			json_object_array_add(arr, json_object_new_string(v[i]));
		cell(o, NULL, arr);
		return;
	}
	for (int i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	joined = calloc(1, len);
	for (int i = 0; joined && i < n; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, v[i]);
	}
	cell(o, joined ? joined : "", NULL);
	free(joined);
}

void out__time(struct out *o, uint64_t wall_ns)
{
	char buf[64];

	if (o->format == OUT_JSON) {
		clock_format_iso(wall_ns, buf, sizeof(buf));
		cell(o, NULL, json_object_new_string(buf));
	} else {
		clock_format_time(wall_ns, buf, sizeof(buf));
		cell(o, buf, NULL);
	}
}

void out__json(struct out *o, struct json_object *v)
{
	if (o->format == OUT_JSON)
		cell(o, NULL, v);
	else
		cell(o, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), v);
}

void out__row_end(struct out *o)
{
	if (o->format == OUT_JSON) {
		out_json_line(o->file, o->row);
		o->row = NULL;
	} else {
		fputc('\n', o->file);
	}
}

void out_json_line(FILE *file, struct json_object *obj)
{
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	      file);
	fputc('\n', file);
	json_object_put(obj);
}

void out__free(struct out *o)
{
	if (o)
		json_object_put(o->row);
	free(o);
}
