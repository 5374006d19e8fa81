/* bpfscope types: build a type pack from headers on a machine with a
 * compiler, and show how a type is laid out (offsets and sizes, pahole-like)
 * as bpfscope will see it, from a pack or from a binary's debug info. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cmd.h"
#include "core/log.h"
#include "core/typedb.h"

#define MAX_LIST 64

struct str_list {
	const char *v[MAX_LIST];
	int n;
};

static struct str_list includes, defines;
static const char *out_path, *debug_dir;
static bool as_cxx;

static int add_to_list(const char *arg, void *dest)
{
	struct str_list *l = dest;

	if (l->n == MAX_LIST) {
		log_error("more than %d -I/-D options", MAX_LIST);
		return -1;
	}
	l->v[l->n++] = arg;
	return 0;
}

static const struct opt_def options[] = {
    {"include", 'I', OPT_CUSTOM, &includes, "DIR", "build: header search directory (repeatable)", 0,
     0, add_to_list},
    {"define", 'D', OPT_CUSTOM, &defines, "NAME[=VAL]", "build: preprocessor definition", 0, 0,
     add_to_list},
    {"output", 'o', OPT_STRING, &out_path, "FILE", "build: the type pack to write"},
    {"cxx", 0, OPT_FLAG, &as_cxx, NULL, "build: compile the headers as C++"},
    {"debug-dir", 0, OPT_STRING, &debug_dir, "DIR", "show: directory of separate debug files"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "types",
    .summary = "build type packs from C/C++ headers; show struct layouts",
    .args = "build HEADER... -o FILE | show FILE|BINARY TYPE|FUNCTION...",
    .details = "'build' compiles the headers with the C compiler into FILE, which holds only\n"
	       "their type information (use it with --types on hosts without a compiler).\n"
	       "'show' prints each TYPE with member offsets and sizes, or a FUNCTION's\n"
	       "parameters, from a type pack or a binary's DWARF (its own, or its debug file).",
    .opts = options,
    .common = 0,
    .max_args = -1,
};

static int build(int argc, char **argv)
{
	struct typedb_pack_opts o = {.cxx = as_cxx, .defines = defines.v, .ndefines = defines.n};
	struct stat st;

	if (!out_path) {
		log_error("types build needs -o FILE");
		return 2;
	}
	if (argc < 1) {
		log_error("types build needs at least one HEADER");
		return 2;
	}
	if (typedb_build_pack_opts((const char *const *)argv, argc, includes.v, includes.n,
				   out_path, &o))
		return 1;
	printf("%s: type pack of %d header%s, %lld bytes\n", out_path, argc, argc > 1 ? "s" : "",
	       stat(out_path, &st) ? 0LL : (long long)st.st_size);
	return 0;
}

static void print_member(const struct dmember *m, void *ctx)
{
	char decl[512], line[600];
	struct dtype_info info;

	(void)ctx;
	dtype__info(m->type, &info);
	dtype__format_decl(m->type, m->name, decl, sizeof(decl));
	if (m->bit_size) {
		snprintf(line, sizeof(line), "%s:%u;", decl, m->bit_size);
		printf("\t%-48s /* %5" PRIu64 ":%-2u %4" PRIu64 " */\n", line, m->offset,
		       m->bit_offset, info.size);
		return;
	}
	snprintf(line, sizeof(line), "%s;", decl);
	printf("\t%-48s /* %5" PRIu64 "    %4" PRIu64 " */\n", line, m->offset, info.size);
}

struct member_list {
	struct seq_member {
		struct dmember m;
		int seq;
	} v[512];
	int n;
};

static void collect_member(const struct dmember *m, void *ctx)
{
	struct member_list *l = ctx;

	if (l->n < (int)(sizeof(l->v) / sizeof(l->v[0])))
		l->v[l->n] = (struct seq_member){*m, l->n}, l->n++;
}

/* By offset, base class members included; declaration order among equals. */
static int member_cmp(const void *pa, const void *pb)
{
	const struct seq_member *a = pa, *b = pb;

	if (a->m.offset != b->m.offset)
		return a->m.offset < b->m.offset ? -1 : 1;
	if (a->m.bit_offset != b->m.bit_offset)
		return a->m.bit_offset < b->m.bit_offset ? -1 : 1;
	return a->seq - b->seq;
}

static void print_members(const struct dtype *t)
{
	static struct member_list l;

	l.n = 0;
	dtype__each_member(t, collect_member, &l);
	qsort(l.v, l.n, sizeof(l.v[0]), member_cmp);
	for (int i = 0; i < l.n; i++)
		print_member(&l.v[i].m, NULL);
}

static const char *kind_name(const struct dtype_info *i)
{
	static const char *const names[] = {"void",    "integer",  "floating point",
					    "pointer", "array",	   "struct",
					    "union",   "function", "unknown"};

	if (i->is_enum)
		return "enum";
	if (i->is_reference)
		return "reference";
	return names[i->kind];
}

static void show_type(const char *asked, const struct dtype *t)
{
	struct dtype_info info;
	char spelled[512];

	dtype__info(t, &info);
	dtype__format(t, spelled, sizeof(spelled));
	if (info.kind != DT_STRUCT && info.kind != DT_UNION) {
		printf("%s: %s, %s, size %" PRIu64 "%s\n", asked, spelled, kind_name(&info),
		       info.size,
		       info.kind == DT_INT ? (info.is_signed ? ", signed" : ", unsigned") : "");
		return;
	}
	printf("%s %s {%*s/* size %" PRIu64 " */\n", info.kind == DT_UNION ? "union" : "struct",
	       *info.name ? info.name : asked, 40 - (int)strlen(*info.name ? info.name : asked), "",
	       info.size);
	print_members(t);
	printf("};\n");
}

static void show_func(const struct dfunc *f)
{
	char ret[256], param[512];

	if (f->ret)
		dtype__format(f->ret, ret, sizeof(ret));
	if (!f->ret)
		snprintf(ret, sizeof(ret), "void");
	printf("%s%s%s(", ret, ret[strlen(ret) - 1] == '*' ? "" : " ", f->name);
	for (int i = 0; i < f->nparams; i++) {
		dtype__format_decl(f->params[i].type, f->params[i].name, param, sizeof(param));
		printf("%s%s", i ? ", " : "", param);
	}
	if (f->entry_pc)
		printf(");\t/* entry 0x%" PRIx64 ", %s */\n", f->entry_pc, f->linkage_name);
	else
		printf(");\t/* declared only, no code in this file */\n");
}

static struct typedb *open_types(const char *path)
{
	struct typedb *db = typedb__open(path, debug_dir);

	if (db)
		return db;
	if (errno == ENODATA)
		log_error("%s has no debug info: install its debug package, point --debug-dir at "
			  "its .debug file, or build a type pack ('bpfscope types build')",
			  path);
	else if (errno == ENOEXEC)
		log_error("%s is not an ELF file (a binary, a shared library or a type pack)",
			  path);
	else
		log_error("cannot read %s: %s", path, strerror(errno));
	return NULL;
}

static int show(int argc, char **argv)
{
	struct typedb *db;
	struct dfunc f;
	int rc = 0;

	if (argc < 2) {
		log_error("types show needs FILE|BINARY and at least one TYPE");
		return 2;
	}
	db = open_types(argv[0]);
	if (!db)
		return 1;
	for (int i = 1; i < argc && !rc; i++) {
		const struct dtype *t = typedb__find_type(db, argv[i]);

		if (t)
			show_type(argv[i], t);
		else if (typedb__find_func(db, argv[i], &f) == 0)
			show_func(&f);
		else {
			log_error("no type or function '%s' in %s", argv[i], typedb__source(db));
			rc = 1;
		}
	}
	typedb__free(db);
	return rc;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	(void)opts;
	if (argc >= 1 && !strcmp(argv[0], "build"))
		return build(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "show"))
		return show(argc - 1, argv + 1);
	log_error("expected 'build' or 'show' (see 'bpfscope types --help')");
	return 2;
}

static const struct command cmd_types = {&spec, run, false};
REGISTER_COMMAND(cmd_types);
