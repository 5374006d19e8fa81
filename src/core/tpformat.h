/* Kernel tracepoint formats from tracefs events/<cat>/<name>/format: the
 * fields with offsets, sizes, signedness, and whether they are __data_loc
 * (dynamic arrays/strings) or fixed char arrays. */
#ifndef BPFSCOPE_TPFORMAT_H
#define BPFSCOPE_TPFORMAT_H

#include <stdbool.h>
#include <stddef.h>

#define TPFORMAT_MAX_FIELDS 64

struct tp_field {
	char name[64];
	char type[96];       /* as declared: "const char *", "char[16]", "__data_loc char[]" */
	unsigned offset, size;
	bool is_signed;
	bool is_data_loc;    /* u32: (len << 16) | offset into the record */
	bool is_string;      /* char array or __data_loc char[] */
	unsigned array_len;  /* fixed arrays */
};

struct tp_format {
	char category[64], name[64];
	int id;
	int nfields;         /* common_* fields excluded */
	struct tp_field fields[TPFORMAT_MAX_FIELDS];
};

/* Parses the text of a format file (exposed for unit tests and fuzzing). */
int tpformat_parse(const char *text, struct tp_format *out);
/* Reads and parses tracefs events/<category>/<name>/format. 0 or -errno. */
int tpformat_load(const char *category, const char *name, struct tp_format *out);
const struct tp_field *tpformat_field(const struct tp_format *f, const char *name);

#endif
