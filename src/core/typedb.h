/* Type database for the probe compiler: C/C++ types, struct members and
 * function parameters from DWARF (elfutils libdw).
 *
 * Sources, in the order typedb__open tries them: the binary's own
 * .debug_info; the separate debug file found through build-id
 * (/usr/lib/debug/.build-id/xx/rest.debug) or .gnu_debuglink (same rules as
 * src/core/syms.c), with debug_dir searched first; nothing else. A type pack
 * (`bpfscope types build`) is an ELF object holding only DWARF for the
 * declarations of some headers; typedb__open_pack opens it, and then its
 * types are known, and the C functions of those headers as declarations
 * (entry_pc 0, parameter types without names).
 *
 * Handles are valid until typedb__free. typedef/const/volatile/restrict are
 * looked through by dtype__info, dtype__pointee and dtype__member. */
#ifndef BPFSCOPE_TYPEDB_H
#define BPFSCOPE_TYPEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dtype_kind {
	DT_VOID,
	DT_INT,     /* integers, bool, char, enums (is_enum) */
	DT_FLOAT,
	DT_POINTER, /* also C++ references (is_reference) */
	DT_ARRAY,
	DT_STRUCT,  /* struct and class */
	DT_UNION,
	DT_FUNC,
	DT_UNKNOWN,
};

struct dtype;
struct typedb;

struct dtype_info {
	enum dtype_kind kind;
	const char *name;     /* "request_rec", "int", "" for anonymous */
	uint64_t size;        /* bytes; 0 when incomplete or void */
	bool is_signed;       /* DT_INT */
	bool is_char;         /* DT_INT of size 1 declared as a char type (not when
			       * reached through int8_t/uint8_t/u8/__u8 typedefs) */
	bool is_bool;         /* DT_INT: _Bool / bool */
	bool is_enum;         /* DT_INT from an enum */
	bool is_reference;    /* DT_POINTER from a C++ reference */
	uint64_t array_count; /* DT_ARRAY: elements, 0 when flexible/unknown */
};

struct dmember {
	const char *name;
	uint64_t offset;         /* bytes from the start of the outer struct */
	uint32_t bit_offset;     /* bitfields: bit offset within the storage unit at offset */
	uint32_t bit_size;       /* 0 unless a bitfield */
	const struct dtype *type;
};

#define DFUNC_MAX_PARAMS 16

struct dparam {
	const char *name;        /* "this" for C++ methods (artificial) */
	const struct dtype *type;
};

struct dfunc {
	const char *name;        /* as asked */
	const char *linkage_name;
	uint64_t entry_pc;       /* ELF virtual address, 0 when only declared */
	int nparams;
	struct dparam params[DFUNC_MAX_PARAMS];
	const struct dtype *ret; /* NULL for void */
};

/* NULL + errno (ENODATA: the binary has no DWARF and no debug file). */
struct typedb *typedb__open(const char *binary, const char *debug_dir);
struct typedb *typedb__open_pack(const char *pack_path);
void typedb__free(struct typedb *db);
/* Path of the file the DWARF came from. */
const char *typedb__source(const struct typedb *db);

/* "request_rec", "struct conn_rec", "union u", "enum e", "unsigned int",
 * "Server::Connection" (C++ qualified names), "void"; trailing '*' make
 * pointers ("struct conn_rec *", "const char **"), leading const/volatile are
 * ignored. NULL when unknown. */
const struct dtype *typedb__find_type(struct typedb *db, const char *name);
/* By function name (C name or C++ qualified name without parameters, e.g.
 * "Server::handle", or mangled name); 0 or -ENOENT. When DWARF knows the
 * name only as a declaration, or not at all, the ELF symbol of that name
 * in the DWARF file leads to the function at its address (glibc's "malloc"
 * is "__libc_malloc": out->name stays "malloc"). */
int typedb__find_func(struct typedb *db, const char *name, struct dfunc *out);
/* The function whose code starts at entry_pc (an ELF virtual address, e.g.
 * from an ELF symbol: finds "__printf" for the alias "printf"); name is the
 * DWARF (C++: qualified) name. 0 or -ENOENT. */
int typedb__find_func_at(struct typedb *db, uint64_t entry_pc, struct dfunc *out);

void dtype__info(const struct dtype *t, struct dtype_info *out);
/* Target of a pointer/reference, element of an array; NULL for void* or
 * other kinds. */
const struct dtype *dtype__pointee(const struct dtype *t);
/* A pointer to t (for casts such as "(struct request_rec *)arg0"), made
 * when DWARF has none; the same handle each time for the same t. */
const struct dtype *dtype__pointer_to(const struct dtype *t);
/* A member of a struct/union/class, found also inside anonymous members and
 * C++ base classes (offsets accumulated). 0 or -ENOENT. */
int dtype__member(const struct dtype *t, const char *name, struct dmember *out);
/* Calls fn for each direct member (for "no such field; fields are: ...").
 * Members of anonymous struct/union members and of C++ base classes are
 * reported in their place, with accumulated offsets: exactly the names
 * dtype__member finds. */
void dtype__each_member(const struct dtype *t, void (*fn)(const struct dmember *m, void *ctx),
			void *ctx);
/* Writes a C spelling: "struct request_rec *", "char [16]", "int". */
void dtype__format(const struct dtype *t, char *buf, size_t len);
/* The same with a declarator name: "char val[1]", "int (*cb)(int)". Typedef
 * names are kept as written; qualifiers are kept (never dropped); C++ types
 * are spelled without "struct"/"class". */
void dtype__format_decl(const struct dtype *t, const char *name, char *buf, size_t len);

/* Builds a type pack: compiles the headers with the system C compiler
 * (cc -g -fno-eliminate-unused-debug-types) into an ELF object that keeps
 * only debug sections. include_dirs may be NULL. 0 or negative errno after
 * one error line. */
int typedb_build_pack(const char *const *headers, int nheaders, const char *const *include_dirs,
		      int nincludes, const char *out_path);

struct typedb_pack_opts {
	bool cxx;          /* compile as C++ (default: only when a header ends in .hpp/.hh/.hxx) */
	const char *cc;    /* compiler; NULL: "cc", or "c++" for C++ */
	const char *const *defines; /* "-D" arguments without the -D, may be NULL */
	int ndefines;
};
/* typedb_build_pack with options; opts may be NULL. */
int typedb_build_pack_opts(const char *const *headers, int nheaders,
			   const char *const *include_dirs, int nincludes, const char *out_path,
			   const struct typedb_pack_opts *opts);

#endif
