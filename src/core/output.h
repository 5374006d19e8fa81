/* Tabular event output in two formats from one description.
 *
 * A command declares its columns once (JSON key, text header, width) and
 * then emits rows field by field in column order. Text mode pads to the
 * widths (the last column takes the rest of the line); JSON mode writes one
 * object per line with the keys, through json-c so strings are escaped. */
#ifndef BPFSCOPE_OUTPUT_H
#define BPFSCOPE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "core/options.h"

struct json_object;

struct out_col {
	const char *key;    /* JSON key */
	const char *header; /* text header */
	int width;          /* text width; negative: left-aligned */
};

struct out;

struct out *out__new(FILE *file, enum out_format format, const struct out_col *cols, int ncols);
void out__header(struct out *o); /* text only; no-op in JSON */
void out__row_begin(struct out *o);
void out__u64(struct out *o, uint64_t v);
void out__i64(struct out *o, int64_t v);
void out__double(struct out *o, double v, int decimals);
void out__str(struct out *o, const char *s);
void out__strv(struct out *o, const char *const *v, int n); /* text: joined by spaces; JSON: array */
void out__time(struct out *o, uint64_t wall_ns);           /* text: HH:MM:SS.us; JSON: ISO 8601 */
void out__json(struct out *o, struct json_object *v);       /* JSON: takes ownership; text: compact */
void out__row_end(struct out *o);
enum out_format out__format(const struct out *o);
void out__free(struct out *o);

/* Writes one JSON object as a line and releases it. */
void out_json_line(FILE *file, struct json_object *obj);

#endif
