/* See resolve.h. Type databases are opened once per binary and shared by
 * every probe on it (a cache keyed by path), since opening DWARF of a large
 * binary is the slowest step of starting a trace. */
#include "probe/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elfnotes.h"
#include "core/libpath.h"
#include "core/syms.h"

unsigned edit_distance(const char *a, const char *b, unsigned max)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[257];

	if (la > 256 || lb > 256)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0], best;

		row[0] = (unsigned)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[lb];
}

int probe_file_offsets(const char *path, const uint64_t *vaddrs, size_t n, uint64_t *offs)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = -ENOEXEC;
	size_t nph;
	Elf *elf;

	if (fd < 0)
		return -errno;
	for (size_t k = 0; k < n; k++)
		offs[k] = UINT64_MAX;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getphdrnum(elf, &nph)) {
		err = 0;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
			    !(ph.p_flags & PF_X))
				continue;
			for (size_t k = 0; k < n; k++)
				if (vaddrs[k] >= ph.p_vaddr && vaddrs[k] < ph.p_vaddr + ph.p_memsz)
					offs[k] = vaddrs[k] - ph.p_vaddr + ph.p_offset;
		}
	}
	elf_end(elf);
	close(fd);
	return err;
}

/* The PT_LOAD segment holding vaddr gives its file offset. */
static int vaddr_to_offset(const char *path, uint64_t vaddr, uint64_t *off)
{
	int err = probe_file_offsets(path, &vaddr, 1, off);

	return err ? err : *off == UINT64_MAX ? -ENOENT : 0;
}

struct symbol_search {
	const char *want;
	const struct sym *found;
	int matches;
	const char *best[3];
	unsigned best_dist[3];
};

/* "Server::handle" matches the demangled "Server::handle(int)". */
static bool same_function(const char *name, const char *want)
{
	size_t n = strlen(want);

	return !strcmp(name, want) || (!strncmp(name, want, n) && name[n] == '(');
}

static void consider_symbol(const struct sym *s, void *arg)
{
	struct symbol_search *ss = arg;
	unsigned d;

	if (same_function(s->name, ss->want) || !strcmp(s->raw_name, ss->want)) {
		if (!ss->found || ss->found->addr != s->addr)
			ss->matches++;
		ss->found = s;
		return;
	}
	d = edit_distance(s->name, ss->want, 8);
	for (int i = 0; i < 3; i++)
		if (!ss->best[i] || d < ss->best_dist[i]) {
			for (int j = 2; j > i; j--) {
				ss->best[j] = ss->best[j - 1];
				ss->best_dist[j] = ss->best_dist[j - 1];
			}
			ss->best[i] = s->name;
			ss->best_dist[i] = d;
			break;
		}
}

static void suggest(const struct symbol_search *ss, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < 3 && ss->best[i]; i++) {
		if (ss->best_dist[i] > 2 + strlen(ss->want) / 3)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "; did you mean ",
				 ss->best[i]);
		if (used >= len)
			break;
	}
}

/* Function name or 0xADDR -> ELF virtual address; 0 or -1 after err. */
static int find_vaddr(const struct probe_ast *ast, struct elf_syms *es, struct resolved *out,
		      uint64_t *vaddr, char *err, size_t errlen)
{
	struct symbol_search ss = { .want = ast->function };
	char *end, hint[200];

	if (!strncmp(ast->function, "0x", 2)) {
		*vaddr = strtoull(ast->function, &end, 16);
		if (*end) {
			snprintf(err, errlen, "%s: bad address '%s'", ast->text, ast->function);
			return -1;
		}
		snprintf(out->symbol, sizeof(out->symbol), "%s", ast->function);
		return 0;
	}
	elf_syms__glob(es, "*", consider_symbol, &ss);
	if (!ss.found) {
		suggest(&ss, hint, sizeof(hint));
		snprintf(err, errlen, "%s: no function '%s' in %s%s%s", ast->text, ast->function,
			 out->path, hint, elf_syms__stripped(es) ? " (the binary is stripped: "
			 "only exported functions are known; use an address 0x...)" : "");
		return -1;
	}
	*vaddr = ss.found->addr;
	out->func_size = ss.found->size;
	snprintf(out->symbol, sizeof(out->symbol), "%s", ss.found->name);
	out->cxx = !strncmp(ss.found->raw_name, "_Z", 2);
	return 0;
}

/* u:/r: function name or 0xADDR -> file offset. */
static int resolve_function(const struct probe_ast *ast, const struct resolve_opts *opts,
			    struct resolved *out, char *err, size_t errlen)
{
	struct elf_syms *es = elf_syms__open(out->path, opts->debug_dir);
	uint64_t vaddr;
	int ret;

	if (!es) {
		snprintf(err, errlen, "%s: cannot read %s: %s", ast->text, out->path, strerror(errno));
		return -1;
	}
	ret = find_vaddr(ast, es, out, &vaddr, err, errlen);
	elf_syms__free(es);
	if (ret)
		return ret;
	if (vaddr_to_offset(out->path, vaddr + ast->offset, &out->file_offset)) {
		snprintf(err, errlen, "%s: address 0x%llx is not in an executable segment of %s",
			 ast->text, (unsigned long long)(vaddr + ast->offset), out->path);
		return -1;
	}
	return 0;
}

struct typedb_cache_entry {
	char path[PATH_MAX];
	struct typedb *db;
	int err;
};

static struct typedb_cache_entry typedb_cache[16];

static struct typedb *typedb_for(const char *path, const char *debug_dir, int *err)
{
	int free_slot = -1;

	for (int i = 0; i < 16; i++) {
		if (!strcmp(typedb_cache[i].path, path)) {
			*err = typedb_cache[i].err;
			return typedb_cache[i].db;
		}
		if (!typedb_cache[i].path[0] && free_slot < 0)
			free_slot = i;
	}
	struct typedb *db = typedb__open(path, debug_dir);

	*err = db ? 0 : errno;
	if (free_slot >= 0) {
		snprintf(typedb_cache[free_slot].path, PATH_MAX, "%s", path);
		typedb_cache[free_slot].db = db;
		typedb_cache[free_slot].err = *err;
	}
	return db;
}

/* DWARF of the binary (or its debug file), and the --types pack. */
static void attach_types(const struct probe_ast *ast, const struct resolve_opts *opts,
			 struct resolved *out)
{
	struct probe_target *t = &out->target;
	int err = 0;

	t->types = typedb_for(out->path, opts->debug_dir, &err);
	if (opts->types_path)
		t->pack = typedb_for(opts->types_path, NULL, &err);
	if (ast->kind != TARGET_USDT && strncmp(ast->function, "0x", 2)) {
		char name[256];

		/* the demangled symbol without its parameter list: "ns::Class::method" */
		snprintf(name, sizeof(name), "%s", out->symbol);
		name[strcspn(name, "(")] = 0;
		if (t->types)
			t->have_func = !typedb__find_func(t->types, name, &t->func);
		/* a type pack carries the headers' prototypes: typed argN on a
		 * binary without debug info */
		if (!t->have_func && t->pack)
			t->have_func = !typedb__find_func(t->pack, name, &t->func);
	}
	if (!t->types)
		snprintf(out->types_hint, sizeof(out->types_hint),
			 "%s has no debug info: install its debug package (-dbgsym), pass "
			 "--debug-dir DIR, or build a type pack with 'bpfscope types build' and pass "
			 "--types FILE (then cast: (struct x *)arg0); raw reads like "
			 "*(u64 *)(arg0 + 8) need no types",
			 out->path);
	t->no_types_hint = out->types_hint[0] ? out->types_hint : NULL;
}

static int resolve_usdt(const struct probe_ast *ast, struct resolved *out, char *err,
			size_t errlen)
{
	struct usdt_note *notes = NULL;
	int n = usdt_notes_read(out->path, &notes), found = 0;
	char names[200] = "";
	size_t used = 0;

	for (int i = 0; i < n; i++) {
		if (!strcmp(notes[i].name, ast->function) &&
		    (!ast->provider || !strcmp(notes[i].provider, ast->provider))) {
			if (found && strcmp(out->provider, notes[i].provider)) {
				snprintf(err, errlen, "%s: '%s' exists in providers %s and %s: name one",
					 ast->text, ast->function, out->provider, notes[i].provider);
				free(notes);
				return -1;
			}
			snprintf(out->provider, sizeof(out->provider), "%s", notes[i].provider);
			found++;
		} else if (used < sizeof(names)) {
			used += snprintf(names + used, sizeof(names) - used, "%s%s:%s", used ? ", " : "",
					 notes[i].provider, notes[i].name);
		}
	}
	free(notes);
	if (!found) {
		snprintf(err, errlen, "%s: no USDT probe '%s' in %s%s%s", ast->text, ast->function,
			 out->path, n > 0 ? "; it has " : " (it has none)", n > 0 ? names : "");
		return -1;
	}
	snprintf(out->symbol, sizeof(out->symbol), "%s:%s", out->provider, ast->function);
	return 0;
}

static int resolve_tracepoint(const struct probe_ast *ast, struct resolved *out, char *err,
			      size_t errlen)
{
	int e = tpformat_load(ast->binary, ast->function, &out->tp);

	if (e) {
		snprintf(err, errlen, "%s: no tracepoint %s:%s (%s; see 'bpfscope list --tracepoints')",
			 ast->text, ast->binary, ast->function, strerror(-e));
		return -1;
	}
	out->target.tp = &out->tp;
	out->target.tp_user_strings = !strcmp(ast->binary, "syscalls");
	snprintf(out->symbol, sizeof(out->symbol), "%s:%s", ast->binary, ast->function);
	return 0;
}

int probe_resolve(const struct probe_ast *ast, const struct resolve_opts *opts,
		  struct resolved *out, char *err, size_t errlen)
{
	int e;

	memset(out, 0, sizeof(*out));
	out->target.kind = ast->kind;
	if (ast->kind == TARGET_TRACEPOINT)
		return resolve_tracepoint(ast, out, err, errlen);
	e = libpath_resolve(ast->binary, opts->pid, out->path, sizeof(out->path));
	if (e) {
		snprintf(err, errlen, "%s: cannot find '%s'%s (looked in %s/etc/ld.so.cache and $PATH)",
			 ast->text, ast->binary, e == -ENOENT ? "" : ": not readable",
			 opts->pid ? "the process's maps, " : "");
		return -1;
	}
	e = ast->kind == TARGET_USDT ? resolve_usdt(ast, out, err, errlen)
				     : resolve_function(ast, opts, out, err, errlen);
	if (!e)
		attach_types(ast, opts, out);
	return e;
}

void probe_resolve_cleanup(void)
{
	for (int i = 0; i < 16; i++) {
		typedb__free(typedb_cache[i].db);
		typedb_cache[i] = (struct typedb_cache_entry){ 0 };
	}
}
