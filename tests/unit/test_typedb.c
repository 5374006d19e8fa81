/* typedb against real DWARF: the typed target (its declarations are in
 * tests/targets/typed.h, which this test compiles too, so every expected
 * offset and size is offsetof/sizeof from the same compiler), its stripped
 * copy with a debuglink, its copy without -g, the C++ target (which prints
 * its own layout), a type pack built from typed.h, and libc through its
 * build-id debug file when libc6-dbg is installed. Run from the repository
 * root; BUILD names the build directory (default "build"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../targets/typed.h"
#include "core/syms.h"
#include "core/typedb.h"

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

static const char *target(const char *name)
{
	static char path[4][PATH_MAX];
	static int next;
	char *p = path[next++ % 4];
	const char *build = getenv("BUILD");

	snprintf(p, PATH_MAX, "%s/targets/%s", build && *build ? build : "build", name);
	return p;
}

static struct typedb *open_target(const char *name)
{
	struct typedb *db = typedb__open(target(name), NULL);

	if (!db)
		fail_msg("cannot open %s: %s", target(name), strerror(errno));
	return db;
}

static const struct dtype *member_type(const struct dtype *t, const char *name, struct dmember *m)
{
	assert_int_equal(dtype__member(t, name, m), 0);
	return m->type;
}

static uint64_t size_of(const struct dtype *t)
{
	struct dtype_info i;

	dtype__info(t, &i);
	return i.size;
}

static void assert_format(const struct dtype *t, const char *want)
{
	char buf[256];

	dtype__format(t, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

#define CHECK_MEMBER(db_type, ctype, name)                                                         \
	do {                                                                                       \
		struct dmember m_;                                                                 \
		assert_int_equal(dtype__member(db_type, #name, &m_), 0);                           \
		assert_int_equal(m_.offset, offsetof(ctype, name));                                \
		assert_int_equal(size_of(m_.type), MEMBER_SIZE(ctype, name));                      \
		assert_int_equal(m_.bit_size, 0);                                                  \
	} while (0)

static void test_struct_layout(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *t = typedb__find_type(db, "struct request");

	(void)state;
	assert_non_null(t);
	assert_ptr_equal(typedb__find_type(db, "request"), t); /* tag found by plain name */
	assert_int_equal(size_of(t), sizeof(struct request));
	CHECK_MEMBER(t, struct request, method);
	CHECK_MEMBER(t, struct request, uri);
	CHECK_MEMBER(t, struct request, conn);
	CHECK_MEMBER(t, struct request, embedded);
	CHECK_MEMBER(t, struct request, v);
	CHECK_MEMBER(t, struct request, x); /* members of anonymous struct/union */
	CHECK_MEMBER(t, struct request, s);
	CHECK_MEMBER(t, struct request, i);
	CHECK_MEMBER(t, struct request, color);
	CHECK_MEMBER(t, struct request, flags);
	CHECK_MEMBER(t, struct request, handler);
	CHECK_MEMBER(t, struct request, matrix);
	CHECK_MEMBER(t, struct request, done);
	CHECK_MEMBER(t, struct request, cv);
	CHECK_MEMBER(t, struct request, name);
	CHECK_MEMBER(t, struct request, hostname);
	assert_int_equal(dtype__member(t, "nosuchfield", &(struct dmember){0}), -ENOENT);
	typedb__free(db);
}

static void test_nested_pointer_chain(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *t = typedb__find_type(db, "struct request"), *conn, *addr;
	struct dmember m;
	struct dtype_info i;

	(void)state;
	conn = dtype__pointee(member_type(t, "conn", &m));
	assert_non_null(conn);
	dtype__info(conn, &i);
	assert_int_equal(i.kind, DT_STRUCT);
	assert_string_equal(i.name, "connection");
	addr = member_type(conn, "addr", &m);
	assert_int_equal(m.offset, offsetof(struct connection, addr));
	member_type(addr, "sin_addr", &m);
	assert_int_equal(m.offset, offsetof(struct sockaddr_in, sin_addr));
	/* a struct embedded by value: offsets are from the outer struct */
	member_type(conn, "client_ip", &m);
	assert_int_equal(m.offset, offsetof(struct connection, client_ip));
	assert_format(m.type, "char [46]");
	dtype__info(dtype__pointee(m.type), &i);
	assert_true(i.is_char);
	dtype__info(dtype__pointee(member_type(conn, "mac", &m)), &i); /* uint8_t: a number */
	assert_true(i.kind == DT_INT && i.size == 1 && !i.is_char && !i.is_signed);
	assert_int_equal(m.offset, offsetof(struct connection, mac));
	typedb__free(db);
}

static void test_kinds(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *t = typedb__find_type(db, "struct request"), *p;
	struct dmember m;
	struct dtype_info i;

	(void)state;
	p = member_type(t, "method", &m);
	assert_format(p, "const char *");
	dtype__info(dtype__pointee(p), &i);
	assert_true(i.kind == DT_INT && i.is_char && i.size == 1);
	assert_int_equal(i.is_signed, (char)-1 < 0);
	dtype__info(member_type(t, "color", &m), &i);
	assert_true(i.kind == DT_INT && i.is_enum && i.is_signed && i.size == sizeof(enum color));
	dtype__info(member_type(t, "level", &m), &i);
	assert_true(i.kind == DT_INT && i.is_enum && !i.is_signed);
	dtype__info(member_type(t, "done", &m), &i);
	assert_true(i.kind == DT_INT && i.is_bool && i.size == sizeof(_Bool));
	dtype__info(member_type(t, "cv", &m), &i); /* const volatile looked through */
	assert_true(i.kind == DT_INT && !i.is_signed && i.size == sizeof(unsigned short));
	dtype__info(member_type(t, "v", &m), &i);
	assert_true(i.kind == DT_UNION && i.size == sizeof(union value));
	p = member_type(t, "handler", &m);
	assert_format(p, "handler_fn");
	dtype__info(p, &i);
	assert_int_equal(i.kind, DT_POINTER);
	dtype__info(dtype__pointee(p), &i);
	assert_int_equal(i.kind, DT_FUNC);
	assert_format(dtype__pointee(p), "int (struct request *, int)");
	dtype__info(typedb__find_type(db, "unsigned int"), &i);
	assert_true(i.kind == DT_INT && !i.is_signed && i.size == sizeof(unsigned int));
	assert_null(typedb__find_type(db, "struct no_such_struct"));
	typedb__free(db);
}

static void test_synthetic_pointers(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *req = typedb__find_type(db, "struct request"), *p, *pp;
	struct dmember m;
	struct dtype_info i;

	(void)state;
	p = typedb__find_type(db, "struct request *");
	assert_non_null(p);
	assert_ptr_equal(dtype__pointer_to(req), p); /* one handle per target */
	dtype__info(p, &i);
	assert_true(i.kind == DT_POINTER && i.size == sizeof(void *));
	assert_ptr_equal(dtype__pointee(p), req);
	assert_format(p, "struct request *");
	assert_int_equal(dtype__member(p, "uri", &m), -ENOENT); /* a pointer has no members */
	pp = typedb__find_type(db, "const char **");
	assert_format(pp, "char **");
	dtype__info(dtype__pointee(dtype__pointee(pp)), &i);
	assert_true(i.kind == DT_INT && i.is_char);
	assert_format(dtype__pointer_to(member_type(req, "matrix", &m)), "int (*)[3][4]");
	assert_null(dtype__pointee(typedb__find_type(db, "void *")));
	assert_null(typedb__find_type(db, "struct no_such_struct *"));
	typedb__free(db);
}

static void test_arrays(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *t = typedb__find_type(db, "struct request"), *a, *row;
	struct dmember m;
	struct dtype_info i;
	struct request r;

	(void)state;
	a = member_type(t, "matrix", &m);
	assert_format(a, "int [3][4]");
	dtype__info(a, &i);
	assert_true(i.kind == DT_ARRAY && i.array_count == 3 && i.size == sizeof(r.matrix));
	row = dtype__pointee(a);
	assert_format(row, "int [4]");
	dtype__info(row, &i);
	assert_true(i.kind == DT_ARRAY && i.array_count == 4 && i.size == sizeof(r.matrix[0]));
	dtype__info(dtype__pointee(row), &i);
	assert_true(i.kind == DT_INT && i.size == sizeof(int));
	dtype__info(member_type(t, "hostname", &m), &i);
	assert_true(i.array_count == sizeof(r.hostname) && i.size == sizeof(r.hostname));
	typedb__free(db);
}

static void test_flexible_arrays(void **state)
{
	struct typedb *db = open_target("typed");
	const struct dtype *ts = typedb__find_type(db, "tstring"), *flex;
	struct dmember m;
	struct dtype_info i;

	(void)state;
	assert_non_null(ts);
	assert_int_equal(size_of(ts), sizeof(tstring));
	CHECK_MEMBER(ts, tstring, len);
	dtype__info(member_type(ts, "val", &m), &i);
	assert_int_equal(m.offset, offsetof(tstring, val));
	assert_true(i.kind == DT_ARRAY && i.array_count == 1);
	flex = dtype__pointee(member_type(typedb__find_type(db, "struct request"), "tail", &m));
	assert_int_equal(size_of(flex), sizeof(struct flex));
	dtype__info(member_type(flex, "data", &m), &i);
	assert_int_equal(m.offset, offsetof(struct flex, data));
	assert_true(i.kind == DT_ARRAY && i.array_count == 0 && i.size == 0);
	assert_format(m.type, "char []");
	typedb__free(db);
}

/* Reads a bitfield from raw bytes the way the probe compiler will. */
static long long read_bits(const void *base, const struct dmember *m, bool is_signed)
{
	uint64_t unit = 0;
	struct dtype_info i;

	dtype__info(m->type, &i);
	memcpy(&unit, (const char *)base + m->offset, i.size);
	unit >>= m->bit_offset;
	unit &= m->bit_size == 64 ? ~0ull : (1ull << m->bit_size) - 1;
	if (is_signed && (unit >> (m->bit_size - 1)) & 1)
		return (long long)(unit | ~((1ull << m->bit_size) - 1));
	return (long long)unit;
}

static void check_bitfields(struct typedb *db)
{
	const struct dtype *t = typedb__find_type(db, "struct flags");
	struct flags f;
	struct dmember m;

	memset(&f, 0xa5, sizeof(f));
	f.a = 5;
	f.b = 19;
	f.c = -37;
	f.e = 0x9876543210ull;
	f.f = -2;
	assert_int_equal(size_of(t), sizeof(struct flags));
	member_type(t, "a", &m);
	assert_int_equal(m.bit_size, 3);
	assert_int_equal(read_bits(&f, &m, false), 5);
	member_type(t, "b", &m);
	assert_int_equal(read_bits(&f, &m, false), 19);
	member_type(t, "c", &m);
	assert_int_equal(m.bit_size, 7);
	assert_int_equal(read_bits(&f, &m, true), -37);
	member_type(t, "e", &m);
	assert_int_equal(m.bit_size, 40);
	assert_int_equal(read_bits(&f, &m, false), 0x9876543210ll);
	member_type(t, "f", &m);
	assert_int_equal(read_bits(&f, &m, true), -2);
	CHECK_MEMBER(t, struct flags, d);
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Writes files (name, text pairs) into a new directory, runs the build
 * command there and opens the "prog" it made; *dir must be freed with
 * scratch_remove. */
static struct typedb *scratch_build(char *dir, const char *const (*files)[2], int nfiles,
				    const char *build)
{
	char path[PATH_MAX];
	struct typedb *db;
	FILE *f;

	strcpy(dir, "/tmp/test_typedb.XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i][1], f);
		fclose(f);
	}
	assert_int_equal(sh("cd %s && %s", dir, build), 0);
	snprintf(path, sizeof(path), "%s/prog", dir);
	db = typedb__open(path, NULL);
	if (!db)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	return db;
}

static void scratch_remove(const char *dir)
{
	sh("rm -rf %s", dir);
}

/* DW_AT_data_bit_offset (DWARF 5, the default), then the legacy
 * big-endian DW_AT_bit_offset that gcc writes for -gdwarf-3. */
static void test_bitfields(void **state)
{
	char dir[32], build[PATH_MAX + 64];
	struct typedb *db = open_target("typed");

	(void)state;
	check_bitfields(db);
	typedb__free(db);
	snprintf(build, sizeof(build),
		 "cc -gdwarf-3 -gstrict-dwarf -O0 -o prog %s/tests/targets/typed.c",
		 getcwd((char[PATH_MAX]){0}, PATH_MAX));
	db = scratch_build(dir, NULL, 0, build);
	assert_int_equal(sh("readelf --debug-dump=info %s/prog | grep -q DW_AT_bit_offset", dir),
			 0);
	check_bitfields(db);
	typedb__free(db);
	scratch_remove(dir);
}

static void test_function(void **state)
{
	struct typedb *db = open_target("typed");
	struct elf_syms *es = elf_syms__open(target("typed"), NULL);
	const struct sym *s = es ? elf_syms__by_name(es, "handle_request") : NULL;
	struct dfunc f;
	struct dtype_info i;

	(void)state;
	assert_non_null(s);
	assert_int_equal(typedb__find_func(db, "handle_request", &f), 0);
	assert_string_equal(f.name, "handle_request");
	assert_int_equal(f.entry_pc, s->addr);
	assert_int_equal(f.nparams, 3);
	assert_string_equal(f.params[0].name, "r");
	dtype__info(dtype__pointee(f.params[0].type), &i);
	assert_string_equal(i.name, "request");
	assert_string_equal(f.params[1].name, "host");
	assert_format(f.params[1].type, "const char *");
	assert_string_equal(f.params[2].name, "n");
	assert_format(f.ret, "int");
	assert_int_equal(typedb__find_func(db, "no_such_function", &f), -ENOENT);
	assert_int_equal(typedb__find_func_at(db, s->addr, &f), 0); /* by address */
	assert_string_equal(f.name, "handle_request");
	assert_int_equal(f.nparams, 3);
	assert_int_equal(typedb__find_func_at(db, s->addr + 1, &f), -ENOENT);
	elf_syms__free(es);
	typedb__free(db);
}

static void test_debuglink(void **state)
{
	struct typedb *db = open_target("typed.stripped");
	const char *src;
	struct dfunc f;

	(void)state;
	src = typedb__source(db);
	assert_non_null(strstr(src, "typed.debug"));
	assert_int_equal(size_of(typedb__find_type(db, "struct request")), sizeof(struct request));
	assert_int_equal(typedb__find_func(db, "handle_request", &f), 0);
	assert_int_equal(f.nparams, 3);
	typedb__free(db);
}

/* A copy with no debuglink, found only through --debug-dir (basename.debug). */
static void test_debug_dir(void **state)
{
	char dir[] = "/tmp/test_typedb.XXXXXX", bin[PATH_MAX], dd[PATH_MAX];
	struct typedb *db;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/nolink", dir);
	snprintf(dd, sizeof(dd), "%s/dbg", dir);
	assert_int_equal(sh("objcopy --strip-all %s %s && mkdir %s", target("typed"), bin, dd), 0);
	assert_null(typedb__open(bin, dd));
	assert_int_equal(errno, ENODATA);
	assert_int_equal(sh("cp %s %s/nolink.debug", target("typed.debug"), dd), 0);
	db = typedb__open(bin, dd);
	assert_non_null(db);
	assert_non_null(strstr(typedb__source(db), "/dbg/nolink.debug"));
	assert_int_equal(size_of(typedb__find_type(db, "tstring")), sizeof(tstring));
	typedb__free(db);
	sh("rm -rf %s", dir);
}

static void test_no_debug_info(void **state)
{
	(void)state;
	assert_null(typedb__open(target("typed.nodebug"), NULL));
	assert_int_equal(errno, ENODATA);
	assert_null(typedb__open("/no/such/binary", NULL));
	assert_int_equal(errno, ENOENT);
	assert_null(typedb__open_pack(target("typed.nodebug")));
	assert_int_equal(errno, ENODATA);
	assert_null(typedb__open("tests/targets/typed.h", NULL)); /* not ELF */
	assert_int_equal(errno, ENOEXEC);
}

/* "name value" lines from `typedxx layout`. */
static long cxx_layout(const char *key)
{
	char cmd[PATH_MAX + 16], k[64];
	long v, found = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s layout", target("typedxx"));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fscanf(p, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	pclose(p);
	assert_true(found >= 0);
	return found;
}

static void test_cxx_class(void **state)
{
	struct typedb *db = open_target("typedxx");
	const struct dtype *h = typedb__find_type(db, "srv::Handler"), *conn, *ref;
	struct dmember m, r;
	struct dtype_info i;

	(void)state;
	assert_non_null(h);
	assert_ptr_equal(typedb__find_type(db, "class srv::Handler"), h);
	assert_int_equal(size_of(h), cxx_layout("sizeof.Handler"));
	member_type(h, "base_id", &m); /* from the base class */
	assert_int_equal(m.offset, cxx_layout("Handler.base_id"));
	member_type(h, "misses", &m); /* from the second base, at a non-zero offset */
	assert_int_equal(m.offset, cxx_layout("Handler.misses"));
	member_type(h, "counter", &m);
	assert_int_equal(m.offset, cxx_layout("Handler.counter"));
	conn = dtype__pointee(member_type(h, "conn", &m));
	assert_int_equal(m.offset, cxx_layout("Handler.conn"));
	assert_int_equal(size_of(conn), cxx_layout("sizeof.connection"));
	/* this->conn->addr.sin_addr */
	member_type(member_type(conn, "addr", &m), "sin_addr", &r);
	assert_int_equal(m.offset, cxx_layout("connection.addr"));
	assert_int_equal(r.offset, offsetof(struct sockaddr_in, sin_addr));
	ref = member_type(h, "ref", &r);
	dtype__info(ref, &i);
	assert_true(i.kind == DT_POINTER && i.is_reference && i.size == sizeof(void *));
	assert_ptr_equal(dtype__pointee(ref), dtype__pointee(member_type(h, "conn", &m)));
	assert_true(r.offset > m.offset && r.offset < (uint64_t)cxx_layout("Handler.counter"));
	typedb__free(db);
}

static void test_cxx_method(void **state)
{
	struct typedb *db = open_target("typedxx");
	struct elf_syms *es = elf_syms__open(target("typedxx"), NULL);
	const struct sym *s;
	struct dfunc f, g;
	struct dtype_info i;

	(void)state;
	assert_int_equal(typedb__find_func(db, "srv::Handler::handle", &f), 0);
	s = elf_syms__by_name(es, f.linkage_name);
	assert_non_null(s);
	assert_int_equal(f.entry_pc, s->addr);
	assert_int_equal(f.nparams, 3);
	assert_string_equal(f.params[0].name, "this");
	dtype__info(dtype__pointee(f.params[0].type), &i);
	assert_true(i.kind == DT_STRUCT && !strcmp(i.name, "Handler"));
	assert_string_equal(f.params[1].name, "code");
	assert_string_equal(f.params[2].name, "msg");
	assert_format(f.params[2].type, "const char *");
	assert_int_equal(typedb__find_func(db, f.linkage_name, &g), 0); /* mangled */
	assert_int_equal(g.entry_pc, f.entry_pc);
	assert_int_equal(typedb__find_func_at(db, f.entry_pc, &g), 0);
	assert_string_equal(g.name, "srv::Handler::handle");
	assert_string_equal(g.params[0].name, "this");
	elf_syms__free(es);
	typedb__free(db);
}

static void test_pack(void **state)
{
	char dir[] = "/tmp/test_typedb_pack.XXXXXX", out[PATH_MAX];
	const char *headers[] = {"tests/targets/typed.h"}, *missing[] = {"no_such_header_xyz.h"};
	struct typedb *db;
	struct dmember m;
	struct dfunc f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/typed.types", dir);
	assert_int_equal(typedb_build_pack(headers, 1, NULL, 0, out), 0);
	db = typedb__open_pack(out);
	assert_non_null(db);
	/* an unused typedef survives in a pack */
	assert_int_equal(size_of(typedb__find_type(db, "request_t")), sizeof(request_t));
	member_type(typedb__find_type(db, "request_t"), "hostname", &m);
	assert_int_equal(m.offset, offsetof(request_t, hostname));
	member_type(typedb__find_type(db, "tstring"), "val", &m);
	assert_int_equal(m.offset, offsetof(tstring, val));
	/* functions of the headers come as prototypes: types, no names, no code */
	assert_int_equal(typedb__find_func(db, "handle_request", &f), 0);
	assert_int_equal(f.entry_pc, 0);
	assert_int_equal(f.nparams, 3);
	assert_ptr_equal(dtype__pointee(f.params[0].type), typedb__find_type(db, "struct request"));
	assert_format(f.params[1].type, "const char *");
	assert_format(f.ret, "int");
	assert_int_equal(typedb__find_func(db, "printf", &f),
			 -ENOENT); /* not from libc's headers */
	typedb__free(db);
	assert_true(typedb_build_pack(missing, 1, NULL, 0, out) < 0);
	sh("rm -rf %s", dir);
}

struct hidden { /* as compiled into the program below */
	long pad[3];
	int x;
};

/* A struct only declared in the unit of the function that takes it is
 * followed to its definition in another unit. */
static void test_declaration_in_other_unit(void **state)
{
	static const char *const files[][2] = {
	    {"a.c", "struct hidden;\nint use(struct hidden *h) { return h != 0; }\n"},
	    {"b.c", "struct hidden { long pad[3]; int x; };\nint use(struct hidden *);\n"
		    "int main(void) { struct hidden h = {{0}, 1}; return use(&h) + h.x; }\n"},
	};
	char dir[32];
	struct typedb *db = scratch_build(dir, files, 2, "cc -g -O0 -o prog a.c b.c");
	struct dfunc f;
	struct dmember m;
	const struct dtype *hidden;

	(void)state;
	assert_int_equal(typedb__find_func(db, "use", &f), 0);
	hidden = dtype__pointee(f.params[0].type);
	assert_int_equal(size_of(hidden), sizeof(struct hidden));
	member_type(hidden, "x", &m);
	assert_int_equal(m.offset, offsetof(struct hidden, x));
	typedb__free(db);
	scratch_remove(dir);
}

struct cxx_conn_layout { /* ns::Conn below, as a C struct of the same layout */
	long id;
	char name[12];
	int port;
};

/* The same in C++: ns::Conn is only declared in the unit of Server. */
static void test_cxx_declaration_in_other_unit(void **state)
{
	static const char *const files[][2] = {
	    {"a.cc", "namespace ns { class Conn; }\nstruct Server { ns::Conn *c; int n; };\n"
		     "int serve(Server *s) { return s->n; }\n"},
	    {"b.cc", "namespace ns { class Conn { public: long id; char name[12]; int port; }; }\n"
		     "struct Server { ns::Conn *c; int n; };\nint serve(Server *);\n"
		     "int main() { ns::Conn c{}; Server s{&c, 1}; return serve(&s) + c.port; }\n"},
	};
	char dir[32];
	struct typedb *db = scratch_build(dir, files, 2, "c++ -g -O0 -o prog a.cc b.cc");
	struct dfunc f;
	struct dmember m;
	const struct dtype *server, *conn;

	(void)state;
	assert_int_equal(typedb__find_func(db, "serve", &f), 0);
	server = dtype__pointee(f.params[0].type);
	conn = dtype__pointee(member_type(server, "c", &m));
	assert_int_equal(size_of(conn), sizeof(struct cxx_conn_layout));
	member_type(conn, "port", &m);
	assert_int_equal(m.offset, offsetof(struct cxx_conn_layout, port));
	typedb__free(db);
	scratch_remove(dir);
}

/* Anonymous namespaces add nothing to names, for types and functions alike. */
static void test_cxx_anonymous_namespace(void **state)
{
	static const char *const files[][2] = {
	    {"a.cc", "namespace { struct Local { int a; long b; };\n"
		     "__attribute__((noinline)) int helper(Local *l) { return l->a; } }\n"
		     "namespace outer { namespace { int inner(int x) { return x + 1; } } }\n"
		     "int main() { Local l{}; return helper(&l) + outer::inner(1); }\n"},
	};
	char dir[32];
	struct typedb *db = scratch_build(dir, files, 1, "c++ -g -O0 -o prog a.cc");
	struct dfunc f;

	(void)state;
	assert_non_null(typedb__find_type(db, "Local"));
	assert_int_equal(typedb__find_func(db, "helper", &f), 0);
	assert_true(f.entry_pc != 0);
	assert_ptr_equal(dtype__pointee(f.params[0].type), typedb__find_type(db, "Local"));
	assert_int_equal(typedb__find_func(db, "outer::inner", &f), 0);
	assert_string_equal(f.params[0].name, "x");
	typedb__free(db);
	scratch_remove(dir);
}

/* A real library: libc through /usr/lib/debug/.build-id (libc6-dbg). */
static void test_libc_build_id(void **state)
{
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	char *debug = syms_debug_file(libc, NULL);
	struct elf_syms *es;
	const struct sym *s;
	struct typedb *db;
	struct dmember m;
	struct dfunc f;

	(void)state;
	if (!debug)
		skip(); /* libc6-dbg not installed or not matching */
	db = typedb__open(libc, NULL);
	assert_non_null(db);
	assert_string_equal(typedb__source(db), debug);
	assert_int_equal(size_of(typedb__find_type(db, "FILE")), sizeof(FILE));
	member_type(typedb__find_type(db, "struct _IO_FILE"), "_fileno", &m);
	assert_int_equal(m.offset, offsetof(FILE, _fileno));
	/* printf is an alias of __printf: found through its address */
	es = elf_syms__open(libc, NULL);
	assert_non_null(es);
	/* DWARF has malloc only as a declaration; the symbol leads to its code */
	assert_int_equal(typedb__find_func(db, "malloc", &f), 0);
	assert_string_equal(f.name, "malloc");
	assert_int_equal(f.entry_pc, elf_syms__by_name(es, "malloc")->addr);
	assert_int_equal(f.nparams, 1);
	assert_string_equal(f.params[0].name, "bytes");
	assert_non_null(f.ret);
	assert_int_equal(typedb__find_func(db, "printf", &f), 0); /* no DWARF name at all */
	assert_int_equal(f.entry_pc, elf_syms__by_name(es, "printf")->addr);
	s = elf_syms__by_name(es, "printf");
	assert_non_null(s);
	assert_int_equal(typedb__find_func_at(db, s->addr, &f), 0);
	assert_string_equal(f.params[0].name, "format");
	elf_syms__free(es);
	free(debug);
	typedb__free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_struct_layout),
	    cmocka_unit_test(test_nested_pointer_chain),
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_synthetic_pointers),
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_flexible_arrays),
	    cmocka_unit_test(test_bitfields),
	    cmocka_unit_test(test_function),
	    cmocka_unit_test(test_debuglink),
	    cmocka_unit_test(test_debug_dir),
	    cmocka_unit_test(test_no_debug_info),
	    cmocka_unit_test(test_cxx_class),
	    cmocka_unit_test(test_cxx_method),
	    cmocka_unit_test(test_pack),
	    cmocka_unit_test(test_declaration_in_other_unit),
	    cmocka_unit_test(test_cxx_declaration_in_other_unit),
	    cmocka_unit_test(test_cxx_anonymous_namespace),
	    cmocka_unit_test(test_libc_build_id),
	};

	return cmocka_run_group_tests_name("typedb", tests, NULL, NULL);
}
