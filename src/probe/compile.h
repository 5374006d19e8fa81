/* Probe compiler: from a parsed probe and its resolved target to the
 * operation list the generic BPF program runs (src/bpf/probe.h), plus the
 * record/key layout user space needs to decode what comes back.
 *
 * Values are typed while compiling: a DWARF type (typedb) when the binary,
 * its debug file or a type pack describes it, else a plain 64-bit integer.
 * A value on the VM stack is either the value itself or, for an lvalue such
 * as arg0->conn, its address; loads (DEREF) are emitted only when a scalar is
 * needed, so arrays and embedded structs cost nothing until read. */
#ifndef BPFSCOPE_PROBE_COMPILE_H
#define BPFSCOPE_PROBE_COMPILE_H

#include <limits.h>
#include <stdbool.h>

#include "bpf/probe.h"
#include "core/typedb.h"
#include "core/tpformat.h"
#include "probe/ast.h"

#define PROBE_MAX_FIELDS 16

enum field_fmt {
	FMT_INT,
	FMT_UINT,
	FMT_HEX,
	FMT_BOOL,
	FMT_CHAR,
	FMT_STR,      /* NUL-terminated or bounded string */
	FMT_IPV4,     /* 4 bytes, network order */
	FMT_IPV6,     /* 16 bytes */
	FMT_SOCKADDR, /* struct sockaddr_in or _in6 (28 bytes) */
	FMT_COMM,
};

struct field {
	char label[96];
	enum field_fmt fmt;
	unsigned off, size;
};

/* What the compiler needs to know about the probe's target. */
struct probe_target {
	enum probe_target_kind kind;
	struct typedb *types;        /* the binary's DWARF, NULL when none */
	struct typedb *pack;         /* --types FILE, NULL when none */
	bool have_func;
	struct dfunc func;           /* u/r: parameters and return type */
	const struct tp_format *tp;  /* t: fields */
	bool tp_user_strings;        /* t: char * fields point to user memory (syscalls) */
	const char *no_types_hint;   /* why types are missing, for the error */
};

struct compiled_probe {
	struct probe_cfg cfg;
	struct field fields[PROBE_MAX_FIELDS]; /* print: record layout after the header */
	int nfields;
	struct field keys[PROBE_MAX_FIELDS];   /* aggregations: key layout */
	int nkeys;
	char value_label[96];                  /* aggregated value */
	unsigned strsize;
};

/* Compiles one probe; on error writes one line (with the column) into err
 * and returns < 0. */
int probe_compile(const struct probe_ast *ast, const struct probe_target *target,
		  unsigned strsize, struct compiled_probe *out, char *err, size_t errlen);

#endif
