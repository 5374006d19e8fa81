/* Decoding of probe records and keys (layouts from compile.h) into text
 * and JSON values. */
#ifndef BPFSCOPE_PROBE_PRINT_H
#define BPFSCOPE_PROBE_PRINT_H

#include <stddef.h>

#include "probe/compile.h"

struct json_object;

/* Formats the field found at base + f->off (base has at least f->off +
 * f->size bytes). Strings are printed as is in text. */
void probe_field_text(const struct field *f, const void *base, char *buf, size_t len);
struct json_object *probe_field_json(const struct field *f, const void *base);

#endif
