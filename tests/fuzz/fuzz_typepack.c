/* libFuzzer target: type packs (`bpfscope types build` output, read by
 * --types FILE). The input is the pack file; when it opens, every lookup the
 * probe compiler makes is run on the types of tests/targets/typed.h (the
 * seed) and on names taken from the input itself: type and function
 * lookups, members, pointees, C spellings. A pack that does not open must
 * fail with an error, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/typedb.h"
#include "fuzz_memfile.h"

static void visit_member(const struct dmember *m, void *ctx);

/* Walks t a few levels deep (types may be cyclic through pointers). */
static void visit(const struct dtype *t, int depth)
{
	struct dtype_info info;
	char buf[256];

	if (!t || depth > 3)
		return;
	dtype__info(t, &info);
	dtype__format(t, buf, sizeof(buf));
	dtype__format_decl(t, "v", buf, sizeof(buf));
	if (!memchr(buf, 0, sizeof(buf)))
		abort();
	visit(dtype__pointee(t), depth + 1);
	if (info.kind == DT_STRUCT || info.kind == DT_UNION)
		dtype__each_member(t, visit_member, &depth);
}

static void visit_member(const struct dmember *m, void *ctx)
{
	int depth = *(int *)ctx;
	struct dmember again;

	if (!m->name)
		abort();
	visit(m->type, depth + 1);
	(void)dtype__member(m->type, "x", &again);
}

static void lookup_func(struct typedb *db, const char *name)
{
	struct dfunc f;

	if (typedb__find_func(db, name, &f))
		return;
	if (f.nparams < 0 || f.nparams > DFUNC_MAX_PARAMS)
		abort();
	for (int i = 0; i < f.nparams; i++)
		visit(f.params[i].type, 2);
	visit(f.ret, 2);
	(void)typedb__find_func_at(db, f.entry_pc, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
	    "struct request", "request_t", "struct connection *", "union value", "enum color",
	    "struct flex", "struct flags", "tstring", "handler_fn", "int", "char **", "void"};
	struct typedb *db;
	char name[32];

	log_verbosity = -1; /* a bad pack logs one error line per run */
	db = typedb__open_pack(memfile_put(data, size));
	if (!db)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct dtype *t = typedb__find_type(db, names[i]);
		struct dmember m;

		visit(t, 0);
		if (t && !dtype__member(t, "conn", &m))
			visit(m.type, 1);
	}
	lookup_func(db, "handle_request");
	/* a name from the input's tail (where a pack's strings usually are) */
	if (size > sizeof(name)) {
		memcpy(name, data + size - sizeof(name), sizeof(name) - 1);
		name[sizeof(name) - 1] = 0;
		visit(typedb__find_type(db, name), 0);
		lookup_func(db, name);
	}
	typedb__free(db);
	return 0;
}
