/* Symbolization (see syms.h).
 *
 * Tables. Kernel and ELF symbols share one representation: an array of
 * entries sorted by address whose names live in one string pool (offsets
 * while the pool grows, pointers once it is final, so a table is two
 * allocations however many symbols it has). Among entries at the same
 * address the preferred one sorts first: sized before unsized, then by
 * binding (GLOBAL, WEAK, LOCAL; kernel text before other kernel types),
 * then by the order read. Lookup is a binary search for the last entry
 * <= addr; an ELF lookup first looks back a few entries for a sized symbol
 * that contains the address (a zero-sized asm label inside a function must
 * not hide the function) and otherwise falls back to the nearest preceding
 * symbol.
 *
 * Kernel. /proc/kallsyms; entries whose address is 0 are skipped (that is
 * how kptr_restrict hides them), and when every one is hidden ksyms__load
 * fails with EPERM. A symbol's size runs to the next address.
 *
 * ELF. Only functions (STT_FUNC, STT_GNU_IFUNC) that are defined and have an
 * address, from .symtab and .dynsym, deduplicated by (address, name). When
 * the binary has no .symtab, its separate debug file is looked for in GDB's
 * order (after debug_dir, which goes first with the same layout):
 *   /usr/lib/debug/.build-id/ab/cdef....debug
 *   <dir>/<debuglink>   <dir>/.debug/<debuglink>   /usr/lib/debug/<dir>/<debuglink>
 * A candidate must have a .symtab, must not be the binary itself, and must
 * match: equal build-ids when both have one, else the CRC32 stored in
 * .gnu_debuglink. A mismatched debug file would name every frame wrongly,
 * which is worse than naming none. Runtime file offsets map to ELF virtual
 * addresses through the PT_LOAD headers of the binary.
 *
 * Processes. proc_syms snapshots the executable file mappings of
 * /proc/PID/maps and opens each binary on first use: through the path itself
 * when the process shares our mount namespace (so one libc serves every
 * process), through /proc/PID/root/<path> when it does not, and through
 * /proc/PID/map_files/<range> when the file was deleted or replaced.
 *
 * Cache. Opened binaries are shared through one mutex-protected hash table
 * keyed by the path opened and revalidated with stat() (device, inode, size,
 * mtime) on every lookup, so a rebuilt binary is read again. elf_syms are
 * reference counted: the cache holds one reference and every mapping using
 * it another, so syms_cache_clear() never pulls a table from under a live
 * proc_syms. */
#include "core/syms.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <libiberty/demangle.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DEBUG_ROOT    "/usr/lib/debug"
#define BUILD_ID_MAX  64 /* bytes; GNU ld emits 20 (sha1) */
#define SCAN_BACK     8	 /* entries looked at for a containing symbol */
#define CACHE_BUCKETS 256

/* ---- string pool ---- */

struct pool {
	char *buf;
	size_t len, cap;
};

/* Appends s; returns its offset or SIZE_MAX when out of memory. */
static size_t pool_add(struct pool *p, const char *s)
{
	size_t n = strlen(s) + 1, off = p->len;

	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		char *buf;

		while (cap < p->len + n)
			cap *= 2;
		buf = realloc(p->buf, cap);
		if (!buf)
			return SIZE_MAX;
		p->buf = buf;
		p->cap = cap;
	}
	memcpy(p->buf + off, s, n);
	p->len += n;
	return off;
}

/* ---- sorted symbol table ---- */

struct entry {
	struct sym s;
	size_t raw_off, name_off;
	uint32_t seq;
	uint8_t rank; /* lower is preferred at equal addresses */
};

struct symtab {
	struct entry *v;
	size_t n, cap;
	struct pool names;
};

static int symtab_push(struct symtab *t, const char *name, uint64_t addr, uint64_t size,
		       uint8_t rank)
{
	size_t off;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	off = pool_add(&t->names, name);
	if (off == SIZE_MAX)
		return -ENOMEM;
	t->v[t->n] = (struct entry){.s = {.addr = addr, .size = size},
				    .raw_off = off,
				    .name_off = off,
				    .seq = (uint32_t)t->n,
				    .rank = rank};
	t->n++;
	return 0;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->s.addr != b->s.addr)
		return a->s.addr < b->s.addr ? -1 : 1;
	if (!a->s.size != !b->s.size)
		return a->s.size ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const char *raw_of(const struct symtab *t, const struct entry *e)
{
	return t->names.buf + e->raw_off;
}

/* Drops entries repeating the (address, name) of an earlier one. */
static void symtab_dedupe(struct symtab *t)
{
	size_t kept = 0, group = 0;

	for (size_t i = 0; i < t->n; i++) {
		bool dup = false;

		if (kept && t->v[kept - 1].s.addr != t->v[i].s.addr)
			group = kept;
		for (size_t j = group; j < kept && !dup; j++)
			dup = !strcmp(raw_of(t, &t->v[j]), raw_of(t, &t->v[i]));
		if (!dup)
			t->v[kept++] = t->v[i];
	}
	t->n = kept;
}

static int symtab_demangle(struct symtab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		char *d = syms_demangle(raw_of(t, &t->v[i]));
		size_t off;

		if (!d)
			continue;
		off = pool_add(&t->names, d);
		free(d);
		if (off == SIZE_MAX)
			return -ENOMEM;
		t->v[i].name_off = off;
	}
	return 0;
}

/* Sorts and fixes the name pointers; the pool must not grow afterwards. */
static int symtab_finish(struct symtab *t, bool demangle)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
	symtab_dedupe(t);
	if (demangle && symtab_demangle(t))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		t->v[i].s.raw_name = t->names.buf + t->v[i].raw_off;
		t->v[i].s.name = t->names.buf + t->v[i].name_off;
	}
	return 0;
}

/* Number of entries whose address is <= addr. */
static size_t symtab_upper(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].s.addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The preferred entry among those sharing v[i]'s address. */
static size_t symtab_head(const struct symtab *t, size_t i)
{
	while (i && t->v[i - 1].s.addr == t->v[i].s.addr)
		i--;
	return i;
}

static const struct sym *symtab_by_name(const struct symtab *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].s.raw_name, name) || !strcmp(t->v[i].s.name, name))
			return &t->v[i].s;
	return NULL;
}

static void symtab_free(struct symtab *t)
{
	free(t->v);
	free(t->names.buf);
}

/* ---- kernel ---- */

struct ksyms {
	struct symtab t;
};

/* "ffffffff81000000 T _stext\t[module]" */
static bool parse_kallsyms(char *line, uint64_t *addr, char *type, char **name)
{
	char *end;

	*addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return false;
	*type = end[1];
	*name = end + 3;
	(*name)[strcspn(*name, " \t\n")] = '\0';
	return **name != '\0';
}

static int read_kallsyms(struct symtab *t, FILE *f)
{
	char *line = NULL, *name, type;
	size_t cap = 0;
	uint64_t addr;
	int err = 0;

	while (!err && getline(&line, &cap, f) > 0) {
		if (!parse_kallsyms(line, &addr, &type, &name) || !addr)
			continue;
		err = symtab_push(t, name, addr, 0, type == 't' || type == 'T' ? 0 : 1);
	}
	free(line);
	return err;
}

/* A kernel symbol extends to the next higher address. */
static void ksyms_sizes(struct symtab *t)
{
	uint64_t next = 0;

	for (size_t i = t->n; i-- > 0;) {
		if (i + 1 < t->n && t->v[i + 1].s.addr != t->v[i].s.addr)
			next = t->v[i + 1].s.addr;
		t->v[i].s.size = next ? next - t->v[i].s.addr : 0;
	}
}

struct ksyms *ksyms__load(void)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	FILE *f = fopen("/proc/kallsyms", "re");
	int err = f ? 0 : -errno;

	if (!ks)
		err = -ENOMEM;
	if (!err)
		err = read_kallsyms(&ks->t, f);
	if (!err && !ks->t.n)
		err = -EPERM; /* every address hidden by kptr_restrict */
	if (!err)
		err = symtab_finish(&ks->t, false);
	if (f)
		fclose(f);
	if (err) {
		ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	ksyms_sizes(&ks->t);
	return ks;
}

const struct sym *ksyms__find(const struct ksyms *ks, uint64_t addr)
{
	size_t i = symtab_upper(&ks->t, addr);

	return i ? &ks->t.v[symtab_head(&ks->t, i - 1)].s : NULL;
}

const struct sym *ksyms__by_name(const struct ksyms *ks, const char *name)
{
	return symtab_by_name(&ks->t, name);
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	symtab_free(&ks->t);
	free(ks);
}

/* ---- ELF helpers ---- */

struct elf_syms {
	unsigned refs;
	char *path;
	char *debug_file;
	char build_id[2 * BUILD_ID_MAX + 1];
	bool stripped;
	struct seg {
		uint64_t off, filesz, vaddr;
	} * segs;
	size_t nsegs;
	struct symtab t;
};

static Elf *elf_open_path(const char *path, int *fd)
{
	Elf *elf;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		return elf;
	elf_end(elf);
	close(*fd);
	errno = ENOEXEC;
	return NULL;
}

static void elf_close(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

/* Next section after scn of the given type (and name, when not NULL). */
static Elf_Scn *next_section(Elf *elf, Elf_Scn *scn, Elf64_Word type, const char *name,
			     GElf_Shdr *shdr)
{
	size_t shstrndx;
	const char *sname;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, shdr) || shdr->sh_type != type)
			continue;
		sname = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (!name || (sname && !strcmp(sname, name)))
			return scn;
	}
	return NULL;
}

static bool has_symtab(Elf *elf)
{
	GElf_Shdr shdr;

	return next_section(elf, NULL, SHT_SYMTAB, NULL, &shdr) != NULL;
}

static uint8_t bind_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL: return 0;
	case STB_WEAK: return 1;
	default: return 2;
	}
}

static bool is_function(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_value != 0;
}

static int read_symbols(struct symtab *t, Elf *elf, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Sym sym;

	while ((scn = next_section(elf, scn, type, NULL, &shdr))) {
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = data && shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;

		for (size_t i = 0; i < n; i++) {
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) || !is_function(&sym))
				continue;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			if (symtab_push(t, name, sym.st_value, sym.st_size, bind_rank(sym.st_info)))
				return -ENOMEM;
		}
	}
	return 0;
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* Fills out (2 * BUILD_ID_MAX + 1 bytes) with the hex build-id, or "". */
static void read_build_id(Elf *elf, char *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Nhdr nhdr;
	size_t off, next, name_off, desc_off;

	out[0] = '\0';
	while ((scn = next_section(elf, scn, SHT_NOTE, NULL, &shdr))) {
		Elf_Data *data = elf_getdata(scn, NULL);

		for (off = 0; data && (next = gelf_getnote(data, off, &nhdr, &name_off, &desc_off));
		     off = next) {
			const char *d = data->d_buf;

			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp(d + name_off, "GNU", 4) || nhdr.n_descsz > BUILD_ID_MAX)
				continue;
			hex(out, (const unsigned char *)d + desc_off, nhdr.n_descsz);
			return;
		}
	}
}

static int read_segments(struct elf_syms *es, Elf *elf)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return 0; /* relocatable objects have none */
	es->segs = calloc(n ? n : 1, sizeof(*es->segs));
	if (!es->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		es->segs[es->nsegs++] =
		    (struct seg){.off = ph.p_offset, .filesz = ph.p_filesz, .vaddr = ph.p_vaddr};
	}
	return 0;
}

/* ---- separate debug files ---- */

struct debug_query {
	const char *path, *debug_dir;
	char dir[PATH_MAX];
	char build_id[2 * BUILD_ID_MAX + 1];
	char link[NAME_MAX + 1]; /* "" when there is no .gnu_debuglink */
	uint32_t crc;
	dev_t dev;
	ino_t ino;
};

/* .gnu_debuglink: file name, NUL, padding to 4, CRC32 of the debug file. */
static void read_debuglink(Elf *elf, struct debug_query *q)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = next_section(elf, NULL, SHT_PROGBITS, ".gnu_debuglink", &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	size_t n, crc_off;

	q->link[0] = '\0';
	if (!data || !data->d_buf)
		return;
	n = strnlen(data->d_buf, data->d_size);
	crc_off = (n + 4) & ~(size_t)3;
	if (n == 0 || n > NAME_MAX || crc_off + 4 > data->d_size)
		return;
	memcpy(q->link, data->d_buf, n);
	q->link[n] = '\0';
	memcpy(&q->crc, (const char *)data->d_buf + crc_off, 4);
}

static bool file_crc32(const char *path, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c = crc32(c, buf, (uInt)n);
	close(fd);
	*crc = (uint32_t)c;
	return n == 0;
}

/* Whether cand is a usable debug file for the binary described by q. */
static bool debug_matches(const struct debug_query *q, const char *cand)
{
	char build_id[2 * BUILD_ID_MAX + 1];
	struct stat st;
	uint32_t crc;
	bool ok;
	int fd;
	Elf *elf;

	if (stat(cand, &st) || !S_ISREG(st.st_mode) || (st.st_dev == q->dev && st.st_ino == q->ino))
		return false;
	elf = elf_open_path(cand, &fd);
	if (!elf)
		return false;
	ok = has_symtab(elf);
	read_build_id(elf, build_id);
	elf_close(elf, fd);
	if (!ok)
		return false;
	if (q->build_id[0] && build_id[0])
		return !strcmp(q->build_id, build_id);
	return !q->link[0] || (file_crc32(cand, &crc) && crc == q->crc);
}

static bool try_build_id(const struct debug_query *q, char *out, const char *root)
{
	int n;

	if (strlen(q->build_id) < 3)
		return false;
	n = snprintf(out, PATH_MAX, "%s/.build-id/%.2s/%s.debug", root, q->build_id,
		     q->build_id + 2);
	return n < PATH_MAX && debug_matches(q, out);
}

__attribute__((format(printf, 3, 4))) static bool try_link(const struct debug_query *q, char *out,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!q->link[0])
		return false;
	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < PATH_MAX && debug_matches(q, out);
}

static char *find_debug_file(const struct debug_query *q)
{
	char c[PATH_MAX];
	const char *dd = q->debug_dir, *dir = q->dir, *link = q->link;

	if (dd && (try_build_id(q, c, dd) || try_link(q, c, "%s/%s", dd, link) ||
		   try_link(q, c, "%s%s/%s", dd, dir, link)))
		return strdup(c);
	if (try_build_id(q, c, DEBUG_ROOT) || try_link(q, c, "%s/%s", dir, link) ||
	    try_link(q, c, "%s/.debug/%s", dir, link) ||
	    try_link(q, c, "%s%s/%s", DEBUG_ROOT, dir, link))
		return strdup(c);
	return NULL;
}

/* The directory part of path, textually: "/a/b" -> "/a", "b" -> ".". */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* debug_dir/<basename>.debug: for binaries with a build-id but no debuglink. */
static char *try_basename(const struct debug_query *q)
{
	char c[PATH_MAX];
	const char *base = strrchr(q->path, '/');
	int n;

	if (!q->debug_dir)
		return NULL;
	n = snprintf(c, sizeof(c), "%s/%s.debug", q->debug_dir, base ? base + 1 : q->path);
	return n < PATH_MAX && debug_matches(q, c) ? strdup(c) : NULL;
}

char *syms_debug_file(const char *path, const char *debug_dir)
{
	struct debug_query q = {.path = path, .debug_dir = debug_dir};
	struct stat st;
	char *found = NULL;
	int fd;
	Elf *elf = elf_open_path(path, &fd);

	if (!elf)
		return NULL;
	if (!fstat(fd, &st)) {
		q.dev = st.st_dev;
		q.ino = st.st_ino;
		read_build_id(elf, q.build_id);
		read_debuglink(elf, &q);
		dir_of(path, q.dir, sizeof(q.dir));
		found = find_debug_file(&q);
		if (!found)
			found = try_basename(&q);
	}
	elf_close(elf, fd);
	return found;
}

/* ---- one ELF binary ---- */

static int load_main(struct elf_syms *es, Elf *elf, int fd, struct debug_query *q, bool *symtab)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return -errno;
	q->dev = st.st_dev;
	q->ino = st.st_ino;
	read_build_id(elf, es->build_id);
	memcpy(q->build_id, es->build_id, sizeof(q->build_id));
	read_debuglink(elf, q);
	*symtab = has_symtab(elf);
	err = read_segments(es, elf);
	if (!err)
		err = read_symbols(&es->t, elf, SHT_SYMTAB);
	if (!err)
		err = read_symbols(&es->t, elf, SHT_DYNSYM);
	return err;
}

static int load_debug(struct elf_syms *es, const struct debug_query *q)
{
	int fd, err;
	Elf *elf;

	es->debug_file = find_debug_file(q);
	if (!es->debug_file)
		return 0;
	elf = elf_open_path(es->debug_file, &fd);
	if (!elf)
		return 0;
	err = read_symbols(&es->t, elf, SHT_SYMTAB);
	elf_close(elf, fd);
	return err;
}

static int load(struct elf_syms *es, const char *debug_dir)
{
	struct debug_query q = {.path = es->path, .debug_dir = debug_dir};
	bool symtab = false;
	int fd, err;
	Elf *elf = elf_open_path(es->path, &fd);

	if (!elf)
		return -errno;
	err = load_main(es, elf, fd, &q, &symtab);
	elf_close(elf, fd);
	if (err)
		return err;
	if (!symtab) {
		dir_of(es->path, q.dir, sizeof(q.dir));
		err = load_debug(es, &q);
	}
	es->stripped = !symtab && !es->debug_file;
	return err ? err : symtab_finish(&es->t, true);
}

struct elf_syms *elf_syms__open(const char *path, const char *debug_dir)
{
	struct elf_syms *es = calloc(1, sizeof(*es));
	int err = -ENOMEM;

	if (es) {
		es->refs = 1;
		es->path = strdup(path);
	}
	if (es && es->path)
		err = load(es, debug_dir);
	if (err) {
		elf_syms__free(es);
		errno = -err;
		return NULL;
	}
	return es;
}

/* The preferred entry at v[i]'s address that contains vaddr. */
static const struct sym *containing_in_group(const struct symtab *t, size_t i, uint64_t vaddr)
{
	for (size_t j = symtab_head(t, i); j < i; j++)
		if (vaddr - t->v[j].s.addr < t->v[j].s.size)
			return &t->v[j].s;
	return &t->v[i].s;
}

const struct sym *elf_syms__find(const struct elf_syms *es, uint64_t vaddr)
{
	const struct symtab *t = &es->t;
	size_t i = symtab_upper(t, vaddr);

	if (!i)
		return NULL;
	for (size_t j = i, k = 0; j-- > 0 && k < SCAN_BACK; k++)
		if (vaddr - t->v[j].s.addr < t->v[j].s.size)
			return containing_in_group(t, j, vaddr);
	return &t->v[symtab_head(t, i - 1)].s;
}

const struct sym *elf_syms__by_name(const struct elf_syms *es, const char *name)
{
	return symtab_by_name(&es->t, name);
}

size_t elf_syms__glob(const struct elf_syms *es, const char *glob,
		      void (*fn)(const struct sym *s, void *ctx), void *ctx)
{
	size_t matches = 0;

	for (size_t i = 0; i < es->t.n; i++) {
		const struct sym *s = &es->t.v[i].s;

		if (fnmatch(glob, s->raw_name, 0) &&
		    (s->name == s->raw_name || fnmatch(glob, s->name, 0)))
			continue;
		matches++;
		if (fn)
			fn(s, ctx);
	}
	return matches;
}

size_t elf_syms__count(const struct elf_syms *es)
{
	return es->t.n;
}

const char *elf_syms__build_id(const struct elf_syms *es)
{
	return es->build_id;
}

const char *elf_syms__debug_file(const struct elf_syms *es)
{
	return es->debug_file;
}

bool elf_syms__stripped(const struct elf_syms *es)
{
	return es->stripped;
}

bool elf_syms__offset_to_vaddr(const struct elf_syms *es, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < es->nsegs; i++) {
		const struct seg *s = &es->segs[i];

		if (off >= s->off && off - s->off < s->filesz) {
			*vaddr = off - s->off + s->vaddr;
			return true;
		}
	}
	return false;
}

static struct elf_syms *elf_syms_ref(struct elf_syms *es)
{
	__atomic_add_fetch(&es->refs, 1, __ATOMIC_RELAXED);
	return es;
}

void elf_syms__free(struct elf_syms *es)
{
	if (!es || __atomic_sub_fetch(&es->refs, 1, __ATOMIC_ACQ_REL))
		return;
	symtab_free(&es->t);
	free(es->segs);
	free(es->debug_file);
	free(es->path);
	free(es);
}

/* ---- cache of opened binaries ---- */

struct cache_ent {
	struct cache_ent *next;
	char *path;
	struct stat st;
	struct elf_syms *es;
};

static struct {
	pthread_mutex_t lock;
	struct cache_ent *buckets[CACHE_BUCKETS];
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct cache_ent **cache_bucket(const char *path)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &cache.buckets[h % CACHE_BUCKETS];
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void cache_ent_free(struct cache_ent *e)
{
	elf_syms__free(e->es);
	free(e->path);
	free(e);
}

/* Unlinks the entry for path; returns it when it still describes st. */
static struct cache_ent *cache_take(const char *path, const struct stat *st)
{
	for (struct cache_ent **pp = cache_bucket(path); *pp; pp = &(*pp)->next) {
		struct cache_ent *e = *pp;

		if (strcmp(e->path, path))
			continue;
		*pp = e->next;
		if (same_file(&e->st, st))
			return e;
		cache_ent_free(e);
		return NULL;
	}
	return NULL;
}

static struct cache_ent *cache_ent_new(const char *path, const struct stat *st)
{
	struct cache_ent *e = calloc(1, sizeof(*e));

	if (e)
		e->path = strdup(path);
	if (e && e->path)
		e->es = elf_syms__open(path, NULL);
	if (!e || !e->path || !e->es) {
		int saved = e && e->path ? errno : ENOMEM;

		if (e)
			free(e->path);
		free(e);
		errno = saved;
		return NULL;
	}
	e->st = *st;
	return e;
}

/* A new reference to the cached table for path, opening it when needed. */
static struct elf_syms *cache_get(const char *path)
{
	struct cache_ent *e, **bucket;
	struct stat st;

	if (stat(path, &st))
		return NULL;
	pthread_mutex_lock(&cache.lock);
	e = cache_take(path, &st);
	if (!e)
		e = cache_ent_new(path, &st);
	if (e) {
		bucket = cache_bucket(path);
		e->next = *bucket;
		*bucket = e;
	}
	pthread_mutex_unlock(&cache.lock);
	return e ? elf_syms_ref(e->es) : NULL;
}

void syms_cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		while (cache.buckets[i]) {
			struct cache_ent *e = cache.buckets[i];

			cache.buckets[i] = e->next;
			cache_ent_free(e);
		}
	}
	pthread_mutex_unlock(&cache.lock);
}

/* ---- a process ---- */

struct map {
	uint64_t start, end, pgoff;
	char *path; /* as in maps, without " (deleted)" */
	bool deleted, tried;
	struct elf_syms *es;
};

struct proc_syms {
	pid_t pid;
	bool same_ns;
	struct map *maps;
	size_t n, cap;
};

/* "start-end perms offset dev inode path"; keeps executable file mappings. */
static bool parse_map(char *line, struct map *m)
{
	static const char deleted[] = " (deleted)";
	char perms[5];
	size_t len;
	int pos = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*s %*u %n", &m->start, &m->end,
		   perms, &m->pgoff, &pos) != 4 ||
	    !pos || perms[2] != 'x' || line[pos] != '/')
		return false;
	line += pos;
	line[strcspn(line, "\n")] = '\0';
	len = strlen(line);
	m->deleted =
	    len > sizeof(deleted) - 1 && !strcmp(line + len - (sizeof(deleted) - 1), deleted);
	if (m->deleted)
		line[len - (sizeof(deleted) - 1)] = '\0';
	m->path = strdup(line);
	return m->path != NULL;
}

static int add_map(struct proc_syms *ps, const struct map *m)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct map *v = realloc(ps->maps, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ps->maps = v;
		ps->cap = cap;
	}
	ps->maps[ps->n++] = *m;
	return 0;
}

static int read_maps(struct proc_syms *ps, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (!err && getline(&line, &cap, f) > 0) {
		struct map m = {0};

		if (!parse_map(line, &m))
			continue;
		err = add_map(ps, &m);
		if (err)
			free(m.path);
	}
	free(line);
	return err;
}

/* True unless pid is known to live in another mount namespace. */
static bool same_mount_ns(pid_t pid)
{
	char path[64];
	struct stat self, other;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &other) || stat("/proc/self/ns/mnt", &self))
		return true;
	return self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

struct proc_syms *proc_syms__new(pid_t pid)
{
	char path[64];
	struct proc_syms *ps;
	FILE *f;
	int err;

	if (pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	ps = calloc(1, sizeof(*ps));
	err = ps ? read_maps(ps, f) : -ENOMEM;
	fclose(f);
	if (err) {
		proc_syms__free(ps);
		errno = -err;
		return NULL;
	}
	ps->pid = pid;
	ps->same_ns = same_mount_ns(pid);
	return ps;
}

static struct map *find_map(struct proc_syms *ps, uint64_t addr)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < ps->maps[mid].start)
			hi = mid;
		else if (addr >= ps->maps[mid].end)
			lo = mid + 1;
		else
			return &ps->maps[mid];
	}
	return NULL;
}

/* The symbol table of a mapping, opened on first use. */
static struct elf_syms *map_syms(struct proc_syms *ps, struct map *m)
{
	char path[PATH_MAX];
	int n;

	if (m->tried)
		return m->es;
	m->tried = true;
	if (m->deleted)
		n = snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
			     (int)ps->pid, m->start, m->end);
	else if (ps->same_ns)
		n = snprintf(path, sizeof(path), "%s", m->path);
	else
		n = snprintf(path, sizeof(path), "/proc/%d/root%s", (int)ps->pid, m->path);
	if (n >= (int)sizeof(path))
		return NULL;
	m->es = m->deleted ? elf_syms__open(path, NULL) : cache_get(path);
	return m->es;
}

bool proc_syms__resolve(struct proc_syms *ps, uint64_t addr, const struct sym **s,
			const char **module, uint64_t *offset)
{
	struct map *m = find_map(ps, addr);
	struct elf_syms *es = m ? map_syms(ps, m) : NULL;
	const struct sym *sym = NULL;
	uint64_t off = m ? addr - m->start + m->pgoff : addr, vaddr = off;

	if (es && elf_syms__offset_to_vaddr(es, off, &vaddr))
		sym = elf_syms__find(es, vaddr);
	if (s)
		*s = sym;
	if (module)
		*module = m ? m->path : NULL;
	if (offset)
		*offset = sym ? vaddr - sym->addr : vaddr;
	return sym != NULL;
}

void proc_syms__free(struct proc_syms *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		elf_syms__free(ps->maps[i].es);
		free(ps->maps[i].path);
	}
	free(ps->maps);
	free(ps);
}

/* ---- names ---- */

void syms_format(char *buf, size_t len, const struct sym *s, const char *module, uint64_t addr,
		 uint64_t offset)
{
	(void)addr;
	if (s)
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, offset);
	else if (module)
		snprintf(buf, len, "%s+0x%" PRIx64, module, offset);
	else
		snprintf(buf, len, "[unknown]");
}

char *syms_demangle(const char *name)
{
	/* Itanium C++ ("_Z") and Rust v0 ("_R"); anything else is a C name that
	 * the other demangling styles would only garble. */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);
}
