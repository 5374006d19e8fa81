/* Type database (see typedb.h): C/C++ types, members and function
 * parameters from DWARF through elfutils libdw.
 *
 * Source. typedb__open reads the binary's own .debug_info when it has at
 * least one unit; otherwise the separate debug file that syms_debug_file()
 * finds (build-id, .gnu_debuglink, debug_dir, exactly as symbolization does);
 * otherwise ENODATA. A type pack is just an ELF file whose only content is
 * DWARF, opened directly.
 *
 * Name index. One chained hash table per typedb maps a name to one DIE per
 * name space: ordinary (typedef, base type), struct (struct and class),
 * union, enum, function. Names are those of the unit's top-level DIEs; in
 * C++ units also the DIEs inside namespaces and classes, under their
 * qualified name ("ns::Class", "Class::method"; anonymous namespaces add no
 * prefix). A function defined out of line (DW_AT_specification or
 * DW_AT_abstract_origin) is named by its demangled linkage name without the
 * parameter list, since its DIE sits at unit level, far from its class.
 * A definition replaces a declaration already in its slot (a struct without
 * DW_AT_declaration, a function with code); otherwise the first one wins.
 * Lookups by entry address (ELF aliases: printf is __printf) bypass the
 * index: the unit from .debug_aranges, then its subprograms.
 *
 * Laziness. Units are indexed one at a time, only when a lookup misses or
 * finds only a declaration: a lookup of a type defined early in a large
 * debug file touches only the first units, and a miss indexes every unit
 * once, after which all lookups are hash probes. Indexing reads only the
 * top-level DIEs (and, in C++, the children of namespaces and classes).
 *
 * Handles. A struct dtype is (DIE, array dimension) and is made once per DIE
 * (an offset map keyed by DIE offset), so handles compare equal by pointer
 * and live until typedb__free. The dimension lets "int a[3][4]", one DWARF
 * array with two subranges, yield the element type "int [4]". A synthetic
 * pointer (no DIE) to any handle serves casts ("struct x *" by name), made
 * once per target. Operations look through typedef/const/volatile/restrict/
 * _Atomic and replace a struct/union/enum declaration by its definition
 * found by name (a pointer to a type declared but not defined in this
 * unit). DIEs have no parent links, so a C++ declaration's qualified name
 * ("ns::Conn") is recorded while its unit is indexed; resolving a
 * declaration from a unit not yet indexed indexes that unit first.
 *
 * Bitfields. DW_AT_data_bit_offset (DWARF 4+) or the legacy big-endian
 * DW_AT_bit_offset is turned into the storage unit of the member's type
 * that holds the field (offset) and the bit position inside it (bit_offset,
 * little-endian numbering), so reading sizeof(type) bytes at offset,
 * shifting right by bit_offset and masking bit_size bits gives the value. */
#include "core/typedb.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/syms.h"

#define MAX_DEPTH   32 /* typedef chains, nested anonymous members, scopes */
#define ARENA_BLOCK (64 * 1024)
#define QNAME_MAX   512
#define MAX_DIMS    15

enum name_space { NS_ORDINARY, NS_STRUCT, NS_UNION, NS_ENUM, NS_FUNC, NS_COUNT };

struct name_entry {
	struct name_entry *next;
	uint64_t hash;
	const char *name;
	Dwarf_Off off[NS_COUNT]; /* 0: nothing under this name space */
	bool complete[NS_COUNT];
};

/* Open addressing from a non-zero 64-bit key to a pointer. */
struct offmap {
	struct offmap_slot {
		uint64_t key; /* 0: empty */
		void *val;
	} * v;
	size_t cap, n;
};

struct arena_block {
	struct arena_block *next;
	size_t used;
	char data[];
};

struct typedb {
	char *source;
	int fd;
	Elf *elf;
	Dwarf *dw;
	Dwarf_CU *next_cu; /* last unit indexed; NULL before the first */
	bool indexed_all;
	struct name_entry **names;
	size_t nbuckets, nnames;
	struct offmap types;	  /* DIE offset << 4 | dimension -> struct dtype */
	struct offmap decl_names; /* C++ declaration DIE offset -> qualified name */
	struct offmap units_done; /* unit DIE offset -> (void *)1 once indexed */
	struct arena_block *arena;
	struct dtype *void_type;
	struct elf_syms *syms; /* the DWARF file's symbols, for aliases */
	bool syms_tried;
};

struct dtype {
	struct typedb *db;
	Dwarf_Die die;
	uint8_t dim;
	bool is_void;
	const struct dtype *ptr_to; /* synthetic pointer (no DIE) to this type */
	struct dtype *ptr_cache;    /* the synthetic pointer to this type, once made */
};

/* ---- memory ---- */

static void *arena_alloc(struct typedb *db, size_t size)
{
	struct arena_block *b = db->arena;

	size = (size + 15) & ~(size_t)15;
	if (!b || b->used + size > ARENA_BLOCK) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = db->arena;
		b->used = 0;
		db->arena = b;
	}
	b->used += size;
	return memset(b->data + b->used - size, 0, size);
}

static const char *arena_strdup(struct typedb *db, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(db, n);

	return p ? memcpy(p, s, n) : NULL;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* ---- offset maps ---- */

static size_t offmap_home(uint64_t key)
{
	return (size_t)(key * 0x9e3779b97f4a7c15ull >> 20);
}

static bool offmap_grow(struct offmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct offmap_slot *v = calloc(cap, sizeof(*v));

	if (!v)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j = offmap_home(m->v[i].key);

		if (!m->v[i].key)
			continue;
		while (v[j & (cap - 1)].key)
			j++;
		v[j & (cap - 1)] = m->v[i];
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return true;
}

/* The value slot of key; with insert, created (value NULL) when missing.
 * NULL when missing and not inserted, or out of memory. */
static void **offmap_get(struct offmap *m, uint64_t key, bool insert)
{
	size_t j;

	if (insert && 2 * (m->n + 1) > m->cap && !offmap_grow(m))
		return NULL;
	if (!m->cap)
		return NULL;
	for (j = offmap_home(key); m->v[j & (m->cap - 1)].key; j++)
		if (m->v[j & (m->cap - 1)].key == key)
			return &m->v[j & (m->cap - 1)].val;
	if (!insert)
		return NULL;
	m->v[j & (m->cap - 1)].key = key;
	m->n++;
	return &m->v[j & (m->cap - 1)].val;
}

/* ---- name index ---- */

static struct name_entry *names_get(struct typedb *db, const char *name, uint64_t h)
{
	for (struct name_entry *e = db->names[h & (db->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && !strcmp(e->name, name))
			return e;
	return NULL;
}

static void names_grow(struct typedb *db)
{
	size_t n = db->nbuckets * 2;
	struct name_entry **v = calloc(n, sizeof(*v));

	if (!v)
		return; /* keep the longer chains */
	for (size_t i = 0; i < db->nbuckets; i++)
		for (struct name_entry *e = db->names[i], *next; e; e = next) {
			next = e->next;
			e->next = v[e->hash & (n - 1)];
			v[e->hash & (n - 1)] = e;
		}
	free(db->names);
	db->names = v;
	db->nbuckets = n;
}

static void names_add(struct typedb *db, const char *name, enum name_space ns, Dwarf_Off off,
		      bool complete)
{
	uint64_t h = hash_str(name);
	struct name_entry *e = names_get(db, name, h);

	if (!e) {
		if (db->nnames >= db->nbuckets)
			names_grow(db);
		e = arena_alloc(db, sizeof(*e));
		if (!e || !(e->name = arena_strdup(db, name)))
			return;
		e->hash = h;
		e->next = db->names[h & (db->nbuckets - 1)];
		db->names[h & (db->nbuckets - 1)] = e;
		db->nnames++;
	}
	if (!e->off[ns] || (complete && !e->complete[ns])) {
		e->off[ns] = off;
		e->complete[ns] = complete;
	}
}

static bool is_cxx(Dwarf_Die *die)
{
	Dwarf_Die cu;
	int lang;

	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return false;
	lang = dwarf_srclang(&cu);
	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

static bool is_declaration(Dwarf_Die *die)
{
	bool flag = false;
	Dwarf_Attribute attr;

	return dwarf_attr(die, DW_AT_declaration, &attr) && !dwarf_formflag(&attr, &flag) && flag;
}

/* The address a uprobe on the function goes to; false when it has no code. */
static bool func_entry(Dwarf_Die *die, uint64_t *pc)
{
	Dwarf_Addr addr, base, start, end;

	if (dwarf_entrypc(die, &addr) == 0) {
		*pc = addr;
		return true;
	}
	if (dwarf_ranges(die, 0, &base, &start, &end) > 0) {
		*pc = start;
		return true;
	}
	return false;
}

/* "ns::C::f(int) const" -> "ns::C::f": cut at the '(' matching the last ')'. */
static void strip_params(char *s)
{
	char *p = strrchr(s, ')');
	int depth = 0;

	for (; p && p >= s; p--) {
		depth += *p == ')' ? 1 : *p == '(' ? -1 : 0;
		if (!depth) {
			*p = '\0';
			return;
		}
	}
}

static bool qualify(char *out, const char *prefix, const char *name)
{
	return snprintf(out, QNAME_MAX, "%s%s%s", prefix, *prefix ? "::" : "", name) < QNAME_MAX;
}

static const char *linkage_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		return dwarf_formstring(&attr);
	return NULL;
}

/* "(anonymous namespace)::" adds nothing, as for types (see index_die). */
static void drop_anonymous_namespaces(char *s)
{
	static const char anon[] = "(anonymous namespace)::";
	char *p;

	while ((p = strstr(s, anon)))
		memmove(p, p + sizeof(anon) - 1, strlen(p + sizeof(anon) - 1) + 1);
}

/* The qualified name of a C++ function, from its demangled linkage name. */
static bool cxx_func_name(Dwarf_Die *die, char *out)
{
	const char *link = linkage_name(die);
	char *d = link ? syms_demangle(link) : NULL;
	bool ok = d && strlen(d) < QNAME_MAX;

	if (ok) {
		strcpy(out, d);
		strip_params(out);
		drop_anonymous_namespaces(out);
	}
	free(d);
	return ok;
}

/* A C++ declaration's qualified name, for finding its definition later:
 * DIEs know no parents, so this is the only time the scope is known. */
static void remember_decl(struct typedb *db, Dwarf_Die *die, const char *qname)
{
	void **slot = offmap_get(&db->decl_names, dwarf_dieoffset(die), true);

	if (slot && !*slot)
		*slot = (void *)arena_strdup(db, qname);
}

/* The qualified name recorded for the declaration that an out-of-line
 * definition completes (DW_AT_specification, through abstract origins). */
static bool recorded_name(struct typedb *db, Dwarf_Die *die, char *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die decl = *die;
	void **slot;

	for (int i = 0; i < 4; i++) {
		if (!dwarf_attr(&decl, DW_AT_specification, &attr) &&
		    !dwarf_attr(&decl, DW_AT_abstract_origin, &attr))
			return false;
		if (!dwarf_formref_die(&attr, &decl))
			return false;
		slot = offmap_get(&db->decl_names, dwarf_dieoffset(&decl), false);
		if (slot && *slot)
			return snprintf(out, QNAME_MAX, "%s", (const char *)*slot) < QNAME_MAX;
	}
	return false;
}

/* C++ out-of-line definitions sit at unit level: their name comes from the
 * linkage name, else from the declaration they complete. */
static bool func_name(struct typedb *db, Dwarf_Die *die, const char *prefix, bool cxx, char *qname)
{
	bool out_of_line =
	    dwarf_hasattr(die, DW_AT_specification) || dwarf_hasattr(die, DW_AT_abstract_origin);
	const char *name = dwarf_diename(die);

	if (cxx && out_of_line && (cxx_func_name(die, qname) || recorded_name(db, die, qname)))
		return true;
	return name && qualify(qname, prefix, name);
}

static void index_func(struct typedb *db, Dwarf_Die *die, const char *prefix, bool cxx)
{
	char qname[QNAME_MAX];
	const char *link;
	uint64_t pc;
	bool has_code = func_entry(die, &pc);

	if (!func_name(db, die, prefix, cxx, qname))
		return;
	names_add(db, qname, NS_FUNC, dwarf_dieoffset(die), has_code);
	if (cxx && *prefix && is_declaration(die))
		remember_decl(db, die, qname);
	link = cxx ? linkage_name(die) : NULL;
	if (link && strcmp(link, qname))
		names_add(db, link, NS_FUNC, dwarf_dieoffset(die), has_code);
}

static void index_scope(struct typedb *db, Dwarf_Die *scope, const char *prefix, bool cxx,
			int depth);

static void index_type(struct typedb *db, Dwarf_Die *die, enum name_space ns, const char *prefix,
		       bool cxx, int depth)
{
	char qname[QNAME_MAX];
	const char *name = dwarf_diename(die);

	if (!name || !qualify(qname, prefix, name))
		return;
	names_add(db, qname, ns, dwarf_dieoffset(die), !is_declaration(die));
	if (cxx && *prefix && is_declaration(die))
		remember_decl(db, die, qname);
	if (cxx && ns == NS_STRUCT && dwarf_haschildren(die))
		index_scope(db, die, qname, cxx, depth + 1);
}

static void index_die(struct typedb *db, Dwarf_Die *die, const char *prefix, bool cxx, int depth)
{
	char qname[QNAME_MAX];
	const char *name;

	switch (dwarf_tag(die)) {
	case DW_TAG_typedef:
	case DW_TAG_base_type:
	case DW_TAG_unspecified_type: index_type(db, die, NS_ORDINARY, prefix, cxx, depth); break;
	case DW_TAG_structure_type:
	case DW_TAG_class_type: index_type(db, die, NS_STRUCT, prefix, cxx, depth); break;
	case DW_TAG_union_type: index_type(db, die, NS_UNION, prefix, cxx, depth); break;
	case DW_TAG_enumeration_type: index_type(db, die, NS_ENUM, prefix, cxx, depth); break;
	case DW_TAG_subprogram: index_func(db, die, prefix, cxx); break;
	case DW_TAG_namespace:
		name = dwarf_diename(die);
		if (!name)
			index_scope(db, die, prefix, cxx, depth + 1);
		else if (qualify(qname, prefix, name))
			index_scope(db, die, qname, cxx, depth + 1);
		break;
	default: break;
	}
}

static void index_scope(struct typedb *db, Dwarf_Die *scope, const char *prefix, bool cxx,
			int depth)
{
	Dwarf_Die child;

	if (depth > MAX_DEPTH || dwarf_child(scope, &child) != 0)
		return;
	do
		index_die(db, &child, prefix, cxx, depth);
	while (dwarf_siblingof(&child, &child) == 0);
}

static void index_unit(struct typedb *db, Dwarf_Die *cudie)
{
	void **done = offmap_get(&db->units_done, dwarf_dieoffset(cudie) + 1, true);

	if (done && *done)
		return;
	if (done)
		*done = (void *)1;
	index_scope(db, cudie, "", is_cxx(cudie), 0);
}

/* Indexes the next unit; false when every unit has been indexed. */
static bool index_next_unit(struct typedb *db)
{
	Dwarf_CU *cu = db->next_cu;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;

	if (db->indexed_all)
		return false;
	if (dwarf_get_units(db->dw, cu, &db->next_cu, &version, &unit_type, &cudie, NULL) != 0) {
		db->indexed_all = true;
		return false;
	}
	index_unit(db, &cudie);
	return true;
}

/* The DIE offset for name in name space ns, indexing more units until a
 * complete entry shows up; a declaration when nothing better exists. */
static Dwarf_Off lookup(struct typedb *db, const char *name, enum name_space ns)
{
	uint64_t h = hash_str(name);
	struct name_entry *e;

	for (;;) {
		e = names_get(db, name, h);
		if (e && e->off[ns] && e->complete[ns])
			return e->off[ns];
		if (!index_next_unit(db))
			return e ? e->off[ns] : 0;
	}
}

/* ---- handles ---- */

static struct dtype *make_dtype(struct typedb *db, Dwarf_Die *die, uint8_t dim)
{
	void **slot = offmap_get(&db->types, (uint64_t)dwarf_dieoffset(die) << 4 | dim, true);
	struct dtype *t = slot ? *slot : NULL;

	if (!slot || t)
		return t;
	t = arena_alloc(db, sizeof(*t));
	if (t)
		*t = (struct dtype){.db = db, .die = *die, .dim = dim};
	*slot = t;
	return t;
}

/* Pointers have the address size of the unit their target comes from. */
static uint64_t synth_ptr_size(const struct dtype *t)
{
	const struct dtype *to = t->ptr_to;
	Dwarf_Die cu;
	uint8_t size = 8;

	while (to->ptr_to)
		to = to->ptr_to;
	if (!to->is_void)
		dwarf_diecu((Dwarf_Die *)&to->die, &cu, &size, NULL);
	return size;
}

const struct dtype *dtype__pointer_to(const struct dtype *t)
{
	struct dtype *target = (struct dtype *)t, *p;

	if (target->ptr_cache)
		return target->ptr_cache;
	p = arena_alloc(t->db, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct dtype){.db = t->db, .ptr_to = t};
	target->ptr_cache = p;
	return p;
}

/* The DIE that die's DW_AT_type names; false for void (no attribute). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, out);
}

static const struct dtype *dtype_of(struct typedb *db, Dwarf_Die *die)
{
	Dwarf_Die t;

	return type_of(die, &t) ? make_dtype(db, &t, 0) : db->void_type;
}

/* A type stripped of typedefs and qualifiers; alias is the innermost
 * typedef name seen (for anonymous structs). */
struct peeled {
	Dwarf_Die die;
	uint8_t dim;
	bool is_void;
	bool byte_alias; /* reached through uint8_t & co: a number, not a char */
	const char *alias;
};

static bool is_byte_typedef(const char *name)
{
	static const char *const names[] = {"int8_t", "uint8_t", "__int8_t", "__uint8_t", "u8",
					    "s8",     "__u8",	 "__s8",     "u_int8_t",  "u_char"};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static bool is_qualifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

static enum name_space tag_name_space(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type: return NS_STRUCT;
	case DW_TAG_union_type: return NS_UNION;
	case DW_TAG_enumeration_type: return NS_ENUM;
	default: return NS_COUNT;
	}
}

/* The name a declaration's definition is indexed under: C++ declarations
 * inside namespaces or classes by their qualified name, recorded when their
 * unit was indexed (done now if the lazy index has not got there yet). */
static const char *decl_name(struct typedb *db, Dwarf_Die *die)
{
	void **slot = offmap_get(&db->decl_names, dwarf_dieoffset(die), false);
	Dwarf_Die cu;

	if (!slot && is_cxx(die) && dwarf_diecu(die, &cu, NULL, NULL)) {
		index_unit(db, &cu);
		slot = offmap_get(&db->decl_names, dwarf_dieoffset(die), false);
	}
	return slot && *slot ? *slot : dwarf_diename(die);
}

/* A struct/union/enum declaration replaced by the definition of that name. */
static void complete_decl(struct typedb *db, Dwarf_Die *die)
{
	enum name_space ns = tag_name_space(dwarf_tag(die));
	const char *name;
	Dwarf_Off off;

	if (ns == NS_COUNT || !is_declaration(die) || !(name = decl_name(db, die)))
		return;
	off = lookup(db, name, ns);
	if (off && off != dwarf_dieoffset(die))
		dwarf_offdie(db->dw, off, die);
}

static struct peeled peel(const struct dtype *t)
{
	struct peeled p = {.die = t->die, .dim = t->dim, .is_void = t->is_void || t->ptr_to};

	for (int i = 0; !p.is_void && i < MAX_DEPTH && is_qualifier(dwarf_tag(&p.die)); i++) {
		if (dwarf_tag(&p.die) == DW_TAG_typedef) {
			p.alias = dwarf_diename(&p.die);
			p.byte_alias = p.byte_alias || is_byte_typedef(p.alias);
		}
		p.is_void = !type_of(&p.die, &p.die);
	}
	if (!p.is_void)
		complete_decl(t->db, &p.die);
	return p;
}

/* ---- sizes and arrays ---- */

static uint64_t addr_size(Dwarf_Die *die)
{
	Dwarf_Die cu;
	uint8_t size = 8;

	dwarf_diecu(die, &cu, &size, NULL);
	return size;
}

/* Element count of the dim-th subrange; 0 when unknown or flexible. */
static uint64_t subrange_count(Dwarf_Die *sub)
{
	Dwarf_Attribute attr;
	Dwarf_Word count;
	Dwarf_Sword upper, lower = 0;

	if (dwarf_attr(sub, DW_AT_count, &attr))
		return dwarf_formudata(&attr, &count) == 0 ? count : 0;
	if (!dwarf_attr(sub, DW_AT_upper_bound, &attr) || dwarf_formsdata(&attr, &upper) != 0)
		return 0;
	if (dwarf_attr(sub, DW_AT_lower_bound, &attr))
		dwarf_formsdata(&attr, &lower);
	return upper >= lower ? (uint64_t)(upper - lower + 1) : 0;
}

/* Subrange number dim of an array DIE; false when there are not that many. */
static bool array_subrange(Dwarf_Die *array, int dim, Dwarf_Die *sub)
{
	int n = 0;

	if (dwarf_child(array, sub) != 0)
		return false;
	do
		if (dwarf_tag(sub) == DW_TAG_subrange_type && n++ == dim)
			return true;
	while (dwarf_siblingof(sub, sub) == 0);
	return false;
}

static uint64_t peeled_size(struct typedb *db, struct peeled *p, int depth);

static uint64_t array_size(struct typedb *db, struct peeled *p, int depth)
{
	Dwarf_Die sub;
	struct peeled next = *p;
	uint64_t count;

	if (!array_subrange(&p->die, p->dim, &sub))
		return 0;
	count = subrange_count(&sub);
	next.dim++;
	if (!array_subrange(&p->die, next.dim, &sub)) {
		struct dtype *elem = (struct dtype *)dtype_of(db, &p->die);

		if (!elem)
			return 0;
		next = peel(elem);
	}
	return count * peeled_size(db, &next, depth + 1);
}

static uint64_t peeled_size(struct typedb *db, struct peeled *p, int depth)
{
	Dwarf_Word size;
	Dwarf_Attribute attr;
	int tag;

	if (p->is_void || depth > MAX_DEPTH)
		return 0;
	tag = dwarf_tag(&p->die);
	if (tag == DW_TAG_array_type)
		return array_size(db, p, depth);
	if (dwarf_attr(&p->die, DW_AT_byte_size, &attr) && dwarf_formudata(&attr, &size) == 0)
		return size;
	if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
	    tag == DW_TAG_rvalue_reference_type || tag == DW_TAG_ptr_to_member_type)
		return addr_size(&p->die);
	return 0;
}

/* ---- dtype__info ---- */

static void base_info(Dwarf_Die *die, struct dtype_info *out)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc = 0;

	if (dwarf_attr(die, DW_AT_encoding, &attr))
		dwarf_formudata(&attr, &enc);
	out->kind = DT_INT;
	switch (enc) {
	case DW_ATE_float: out->kind = DT_FLOAT; break;
	case DW_ATE_complex_float: out->kind = DT_UNKNOWN; break;
	case DW_ATE_boolean: out->is_bool = true; break;
	case DW_ATE_signed_char: out->is_signed = true; /* fallthrough */
	case DW_ATE_unsigned_char: out->is_char = out->size == 1; break;
	case DW_ATE_signed: out->is_signed = true; break;
	case DW_ATE_UTF: out->is_char = out->size == 1; break;
	default: break;
	}
}

/* An enum is signed when its underlying type is, or when a value is negative. */
static bool enum_signed(Dwarf_Die *die)
{
	Dwarf_Die under, child;
	Dwarf_Attribute attr;
	Dwarf_Sword value;
	struct dtype_info info = {0};

	if (type_of(die, &under)) {
		base_info(&under, &info);
		return info.is_signed;
	}
	if (dwarf_child(die, &child) != 0)
		return false;
	do
		if (dwarf_attr(&child, DW_AT_const_value, &attr) &&
		    dwarf_whatform(&attr) == DW_FORM_sdata && dwarf_formsdata(&attr, &value) == 0 &&
		    value < 0)
			return true;
	while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static enum dtype_kind tag_kind(int tag)
{
	switch (tag) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: return DT_POINTER;
	case DW_TAG_array_type: return DT_ARRAY;
	case DW_TAG_structure_type:
	case DW_TAG_class_type: return DT_STRUCT;
	case DW_TAG_union_type: return DT_UNION;
	case DW_TAG_subroutine_type: return DT_FUNC;
	case DW_TAG_enumeration_type: return DT_INT;
	default: return DT_UNKNOWN;
	}
}

void dtype__info(const struct dtype *t, struct dtype_info *out)
{
	struct peeled p = peel(t);
	int tag;

	*out = (struct dtype_info){.kind = DT_VOID, .name = "void"};
	if (t->ptr_to) {
		*out =
		    (struct dtype_info){.kind = DT_POINTER, .name = "", .size = synth_ptr_size(t)};
		return;
	}
	if (p.is_void)
		return;
	tag = dwarf_tag(&p.die);
	out->name = dwarf_diename(&p.die) ?: p.alias ?: "";
	out->size = peeled_size(t->db, &p, 0);
	out->kind = tag_kind(tag);
	if (tag == DW_TAG_base_type)
		base_info(&p.die, out);
	out->is_char = out->is_char && !p.byte_alias;
	out->is_enum = tag == DW_TAG_enumeration_type;
	if (out->is_enum)
		out->is_signed = enum_signed(&p.die);
	out->is_reference = tag == DW_TAG_reference_type || tag == DW_TAG_rvalue_reference_type;
	if (tag == DW_TAG_array_type) {
		Dwarf_Die sub;

		out->array_count = array_subrange(&p.die, p.dim, &sub) ? subrange_count(&sub) : 0;
	}
}

const struct dtype *dtype__pointee(const struct dtype *t)
{
	struct peeled p = peel(t);
	Dwarf_Die sub, target;
	int tag;

	if (t->ptr_to)
		return t->ptr_to->is_void ? NULL : t->ptr_to;
	if (p.is_void)
		return NULL;
	tag = dwarf_tag(&p.die);
	if (tag == DW_TAG_array_type) {
		if (p.dim < MAX_DIMS && array_subrange(&p.die, p.dim + 1, &sub))
			return make_dtype(t->db, &p.die, p.dim + 1);
		return dtype_of(t->db, &p.die);
	}
	if (tag_kind(tag) != DT_POINTER || !type_of(&p.die, &target))
		return NULL;
	return make_dtype(t->db, &target, 0);
}

/* ---- members ---- */

/* DW_AT_data_member_location as a constant or a DW_OP_plus_uconst
 * expression; false for what needs run-time data (virtual bases). */
static bool member_location(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;
	Dwarf_Op *ops;
	size_t nops;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &attr))
		return true; /* union members, first members in some producers */
	if (dwarf_formudata(&attr, &value) == 0) {
		*off = value;
		return true;
	}
	if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return true;
	}
	return false;
}

static uint64_t member_type_size(const struct dtype *type)
{
	struct peeled p = peel(type);

	return peeled_size(type->db, &p, 0);
}

/* Bit position from the start of the struct of a bitfield member. */
static bool bit_position(Dwarf_Die *m, uint64_t byte_off, uint64_t bit_size, uint64_t unit,
			 uint64_t *pos)
{
	Dwarf_Attribute attr;
	Dwarf_Word value, size = unit;

	if (dwarf_attr(m, DW_AT_data_bit_offset, &attr) && dwarf_formudata(&attr, &value) == 0) {
		*pos = value;
		return true;
	}
	if (!dwarf_attr(m, DW_AT_bit_offset, &attr) || dwarf_formudata(&attr, &value) != 0)
		return false;
	if (dwarf_attr(m, DW_AT_byte_size, &attr))
		dwarf_formudata(&attr, &size);
	*pos = byte_off * 8 + size * 8 - value - bit_size; /* legacy: counted from the MSB */
	return true;
}

static void fill_bitfield(Dwarf_Die *m, struct dmember *out)
{
	Dwarf_Attribute attr;
	Dwarf_Word bits;
	uint64_t unit = member_type_size(out->type), pos, start;

	if (!dwarf_attr(m, DW_AT_bit_size, &attr) || dwarf_formudata(&attr, &bits) != 0 ||
	    !bit_position(m, out->offset, bits, unit, &pos))
		return;
	if (!unit || unit > 8)
		unit = 1;
	start = pos / (unit * 8) * unit;
	if (pos - start * 8 + bits > unit * 8)
		start = pos / 8; /* straddles (packed struct): start at its byte */
	out->offset = start;
	out->bit_offset = (uint32_t)(pos - start * 8);
	out->bit_size = (uint32_t)bits;
}

/* Visits members; returns true to stop the walk. */
typedef bool (*member_visit)(const struct dmember *m, void *ctx);

static bool walk_members(struct typedb *db, Dwarf_Die *s, uint64_t base, member_visit visit,
			 void *ctx, int depth);

static bool walk_nested(struct typedb *db, Dwarf_Die *m, uint64_t off, member_visit visit,
			void *ctx, int depth)
{
	const struct dtype *type = dtype_of(db, m);
	struct peeled p;

	if (!type)
		return false;
	p = peel(type);
	if (p.is_void ||
	    (tag_kind(dwarf_tag(&p.die)) != DT_STRUCT && tag_kind(dwarf_tag(&p.die)) != DT_UNION))
		return false;
	return walk_members(db, &p.die, off, visit, ctx, depth + 1);
}

static bool visit_member(struct typedb *db, Dwarf_Die *m, uint64_t base, member_visit visit,
			 void *ctx, int depth)
{
	struct dmember dm = {.name = dwarf_diename(m)};
	uint64_t off;

	if (is_declaration(m) || !member_location(m, &off))
		return false; /* C++ static members, virtual bases */
	if (!dm.name)
		return walk_nested(db, m, base + off, visit, ctx, depth);
	dm.offset = base + off;
	dm.type = dtype_of(db, m);
	if (!dm.type)
		return false;
	if (dwarf_hasattr(m, DW_AT_bit_size)) {
		dm.offset = off;
		fill_bitfield(m, &dm);
		dm.offset += base;
	}
	return visit(&dm, ctx);
}

/* Direct and anonymous members in declaration order, then base classes:
 * a derived member hides a base member of the same name, as in C++. */
static bool walk_members(struct typedb *db, Dwarf_Die *s, uint64_t base, member_visit visit,
			 void *ctx, int depth)
{
	Dwarf_Die child;
	uint64_t off;

	if (depth > MAX_DEPTH || dwarf_child(s, &child) != 0)
		return false;
	do
		if (dwarf_tag(&child) == DW_TAG_member &&
		    visit_member(db, &child, base, visit, ctx, depth))
			return true;
	while (dwarf_siblingof(&child, &child) == 0);
	dwarf_child(s, &child);
	do
		if (dwarf_tag(&child) == DW_TAG_inheritance && member_location(&child, &off) &&
		    walk_nested(db, &child, base + off, visit, ctx, depth))
			return true;
	while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static bool struct_die(const struct dtype *t, Dwarf_Die *out)
{
	struct peeled p = peel(t);
	enum dtype_kind kind = p.is_void ? DT_VOID : tag_kind(dwarf_tag(&p.die));

	*out = p.die;
	return kind == DT_STRUCT || kind == DT_UNION;
}

struct find_ctx {
	const char *name;
	struct dmember *out;
};

static bool match_member(const struct dmember *m, void *ctx)
{
	struct find_ctx *f = ctx;

	if (strcmp(m->name, f->name))
		return false;
	*f->out = *m;
	return true;
}

int dtype__member(const struct dtype *t, const char *name, struct dmember *out)
{
	struct find_ctx f = {name, out};
	Dwarf_Die s;

	if (!struct_die(t, &s) || !walk_members(t->db, &s, 0, match_member, &f, 0))
		return -ENOENT;
	return 0;
}

struct each_ctx {
	void (*fn)(const struct dmember *m, void *ctx);
	void *ctx;
};

static bool each_member(const struct dmember *m, void *ctx)
{
	struct each_ctx *e = ctx;

	e->fn(m, e->ctx);
	return false;
}

void dtype__each_member(const struct dtype *t, void (*fn)(const struct dmember *m, void *ctx),
			void *ctx)
{
	struct each_ctx e = {fn, ctx};
	Dwarf_Die s;

	if (struct_die(t, &s))
		walk_members(t->db, &s, 0, each_member, &e, 0);
}

/* ---- C spelling ---- */

#define DECL_MAX 256

static void format_die(Dwarf_Die *die, int dim, const char *decl, char *buf, size_t len, int depth);

static void format_named(Dwarf_Die *die, const char *decl, char *buf, size_t len)
{
	const char *kw = "", *name = dwarf_diename(die);
	int tag = dwarf_tag(die);

	if (!is_cxx(die) || !name) {
		kw = tag == DW_TAG_structure_type     ? "struct "
		     : tag == DW_TAG_class_type	      ? "class "
		     : tag == DW_TAG_union_type	      ? "union "
		     : tag == DW_TAG_enumeration_type ? "enum "
						      : "";
	}
	snprintf(buf, len, "%s%s%s%s", kw, name ?: (*kw ? "{...}" : "?"), *decl ? " " : "", decl);
}

static void format_void(const char *decl, char *buf, size_t len)
{
	snprintf(buf, len, "void%s%s", *decl ? " " : "", decl);
}

static void format_next(Dwarf_Die *die, const char *decl, char *buf, size_t len, int depth)
{
	Dwarf_Die next;

	if (type_of(die, &next))
		format_die(&next, 0, decl, buf, len, depth + 1);
	else
		format_void(decl, buf, len);
}

static void format_pointer(Dwarf_Die *die, const char *decl, char *buf, size_t len, int depth)
{
	char d[DECL_MAX];
	Dwarf_Die next;
	int tag = dwarf_tag(die), ntag = type_of(die, &next) ? dwarf_tag(&next) : 0;
	const char *sym = tag == DW_TAG_pointer_type	 ? "*"
			  : tag == DW_TAG_reference_type ? "&"
							 : "&&";
	bool parens = ntag == DW_TAG_array_type || ntag == DW_TAG_subroutine_type;

	snprintf(d, sizeof(d), parens ? "(%s%s)" : "%s%s", sym, decl);
	format_next(die, d, buf, len, depth);
}

static void format_qualified(Dwarf_Die *die, const char *decl, char *buf, size_t len, int depth)
{
	char d[DECL_MAX];
	Dwarf_Die next;
	int tag = dwarf_tag(die);
	const char *kw = tag == DW_TAG_const_type      ? "const"
			 : tag == DW_TAG_volatile_type ? "volatile"
			 : tag == DW_TAG_restrict_type ? "restrict"
						       : "_Atomic";
	size_t n;

	if (type_of(die, &next) && dwarf_tag(&next) == DW_TAG_pointer_type) {
		snprintf(d, sizeof(d), "%s%s%s", kw, *decl ? " " : "", decl); /* char *const p */
		format_next(die, d, buf, len, depth);
		return;
	}
	n = (size_t)snprintf(buf, len, "%s ", kw);
	if (n < len)
		format_next(die, decl, buf + n, len - n, depth);
}

static void format_array(Dwarf_Die *die, int dim, const char *decl, char *buf, size_t len,
			 int depth)
{
	char d[DECL_MAX];
	Dwarf_Die sub;
	uint64_t count = array_subrange(die, dim, &sub) ? subrange_count(&sub) : 0;

	if (count)
		snprintf(d, sizeof(d), "%s[%llu]", decl, (unsigned long long)count);
	else
		snprintf(d, sizeof(d), "%s[]", decl);
	if (dim < MAX_DIMS && array_subrange(die, dim + 1, &sub))
		format_die(die, dim + 1, d, buf, len, depth + 1);
	else
		format_next(die, d, buf, len, depth);
}

static void format_function(Dwarf_Die *die, const char *decl, char *buf, size_t len, int depth)
{
	char d[DECL_MAX], param[DECL_MAX];
	size_t n = (size_t)snprintf(d, sizeof(d), "%s(", decl);
	Dwarf_Die child;
	bool first = true;

	if (dwarf_child(die, &child) == 0) {
		do {
			int tag = dwarf_tag(&child);

			if (tag == DW_TAG_formal_parameter)
				format_next(&child, "", param, sizeof(param), depth);
			else if (tag == DW_TAG_unspecified_parameters)
				snprintf(param, sizeof(param), "...");
			else
				continue;
			if (n < sizeof(d))
				n += (size_t)snprintf(d + n, sizeof(d) - n, "%s%s",
						      first ? "" : ", ", param);
			first = false;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (n < sizeof(d))
		snprintf(d + n, sizeof(d) - n, first && !is_cxx(die) ? "void)" : ")");
	format_next(die, d, buf, len, depth);
}

static void format_die(Dwarf_Die *die, int dim, const char *decl, char *buf, size_t len, int depth)
{
	int tag = dwarf_tag(die);

	if (depth > MAX_DEPTH) {
		snprintf(buf, len, "?");
		return;
	}
	switch (tag) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: format_pointer(die, decl, buf, len, depth); break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type: format_qualified(die, decl, buf, len, depth); break;
	case DW_TAG_array_type: format_array(die, dim, decl, buf, len, depth); break;
	case DW_TAG_subroutine_type: format_function(die, decl, buf, len, depth); break;
	default: format_named(die, decl, buf, len); break;
	}
}

static void format_synth_ptr(const struct dtype *t, const char *name, char *buf, size_t len)
{
	const struct dtype *to = t->ptr_to;
	int tag = to->is_void || to->ptr_to ? 0 : dwarf_tag((Dwarf_Die *)&to->die);
	bool parens = tag == DW_TAG_array_type || tag == DW_TAG_subroutine_type;
	char decl[DECL_MAX];

	snprintf(decl, sizeof(decl), parens ? "(*%s)" : "*%s", name);
	dtype__format_decl(to, decl, buf, len);
}

void dtype__format_decl(const struct dtype *t, const char *name, char *buf, size_t len)
{
	if (!len)
		return;
	if (t->ptr_to)
		format_synth_ptr(t, name ?: "", buf, len);
	else if (t->is_void)
		format_void(name ?: "", buf, len);
	else
		format_die((Dwarf_Die *)&t->die, t->dim, name ?: "", buf, len, 0);
}

void dtype__format(const struct dtype *t, char *buf, size_t len)
{
	dtype__format_decl(t, NULL, buf, len);
}

/* ---- functions ---- */

static bool add_param(struct typedb *db, Dwarf_Die *p, struct dfunc *out)
{
	struct dparam *dp;
	bool artificial = false;
	Dwarf_Attribute attr;

	if (out->nparams >= DFUNC_MAX_PARAMS)
		return false;
	dp = &out->params[out->nparams];
	if (dwarf_attr_integrate(p, DW_AT_artificial, &attr))
		dwarf_formflag(&attr, &artificial);
	dp->name = dwarf_diename(p) ?: (artificial ? "this" : "");
	dp->type = dtype_of(db, p);
	if (!dp->type)
		return false;
	out->nparams++;
	return true;
}

static int read_params(struct typedb *db, Dwarf_Die *fn, struct dfunc *out)
{
	Dwarf_Die child;

	out->nparams = 0;
	if (dwarf_child(fn, &child) != 0)
		return 0;
	do
		if (dwarf_tag(&child) == DW_TAG_formal_parameter && !add_param(db, &child, out))
			return -E2BIG;
	while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/* Parameters from the DIE with code; its abstract origin when a concrete
 * instance lists none (all optimized away but still part of the ABI). */
static int func_params(struct typedb *db, Dwarf_Die *fn, struct dfunc *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die origin;
	int err = read_params(db, fn, out);

	for (int i = 0; !err && !out->nparams && i < 4; i++) {
		if (!dwarf_attr(fn, DW_AT_abstract_origin, &attr) &&
		    !dwarf_attr(fn, DW_AT_specification, &attr))
			break;
		if (!dwarf_formref_die(&attr, &origin))
			break;
		*fn = origin;
		err = read_params(db, fn, out);
	}
	return err;
}

static int fill_func(struct typedb *db, Dwarf_Die *fn, const char *name, struct dfunc *out)
{
	Dwarf_Die params = *fn, ret;

	out->name = name;
	out->linkage_name = linkage_name(fn) ?: dwarf_diename(fn);
	if (!func_entry(fn, &out->entry_pc))
		out->entry_pc = 0;
	out->ret = type_of(fn, &ret) ? make_dtype(db, &ret, 0) : NULL;
	return func_params(db, &params, out);
}

/* The function an ELF symbol of the DWARF file names, through its address:
 * glibc's malloc symbol is the code of __libc_malloc. */
static int find_func_by_symbol(struct typedb *db, const char *name, struct dfunc *out)
{
	const struct sym *s;
	const char *asked;

	if (!db->syms && !db->syms_tried) {
		db->syms_tried = true;
		db->syms = elf_syms__open(db->source, NULL);
	}
	s = db->syms ? elf_syms__by_name(db->syms, name) : NULL;
	if (!s || typedb__find_func_at(db, s->addr, out))
		return -ENOENT;
	asked = arena_strdup(db, name);
	out->name = asked ?: out->name;
	return 0;
}

int typedb__find_func(struct typedb *db, const char *name, struct dfunc *out)
{
	Dwarf_Off off = lookup(db, name, NS_FUNC);
	Dwarf_Die fn;
	int err;

	memset(out, 0, sizeof(*out));
	if (!off || !dwarf_offdie(db->dw, off, &fn))
		return find_func_by_symbol(db, name, out);
	err = fill_func(db, &fn, names_get(db, name, hash_str(name))->name, out);
	if (!err && !out->entry_pc) {
		struct dfunc alias;

		if (find_func_by_symbol(db, name, &alias) == 0)
			*out = alias; /* declared here, defined under another name */
	}
	return err;
}

struct at_ctx {
	uint64_t pc;
	Dwarf_Die found;
	bool ok;
};

static int match_entry(Dwarf_Die *fn, void *arg)
{
	struct at_ctx *c = arg;
	uint64_t pc;

	if (!func_entry(fn, &pc) || pc != c->pc)
		return DWARF_CB_OK;
	c->found = *fn;
	c->ok = true;
	return DWARF_CB_ABORT;
}

int typedb__find_func_at(struct typedb *db, uint64_t entry_pc, struct dfunc *out)
{
	struct at_ctx c = {.pc = entry_pc};
	char qname[QNAME_MAX];
	const char *name;
	Dwarf_Die cu;

	memset(out, 0, sizeof(*out));
	if (!dwarf_addrdie(db->dw, entry_pc, &cu))
		return -ENOENT;
	dwarf_getfuncs(&cu, match_entry, &c, 0);
	if (!c.ok)
		return -ENOENT;
	name = dwarf_diename(&c.found);
	if (is_cxx(&c.found) && cxx_func_name(&c.found, qname))
		name = qname;
	name = name ? arena_strdup(db, name) : NULL;
	if (!name)
		return -ENOENT;
	return fill_func(db, &c.found, name, out);
}

/* ---- types by name ---- */

static const struct dtype *find_in(struct typedb *db, const char *name, enum name_space ns)
{
	Dwarf_Off off = lookup(db, name, ns);
	Dwarf_Die die;

	if (!off || !dwarf_offdie(db->dw, off, &die))
		return NULL;
	return make_dtype(db, &die, 0);
}

static const struct dtype *find_base_type(struct typedb *db, const char *name)
{
	static const struct {
		const char *kw;
		enum name_space ns;
	} kws[] = {{"struct ", NS_STRUCT},
		   {"class ", NS_STRUCT},
		   {"union ", NS_UNION},
		   {"enum ", NS_ENUM}};
	const struct dtype *t;

	if (!strcmp(name, "void"))
		return db->void_type;
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strncmp(name, kws[i].kw, strlen(kws[i].kw)))
			return find_in(db, name + strlen(kws[i].kw), kws[i].ns);
	t = find_in(db, name, NS_ORDINARY);
	for (enum name_space ns = NS_STRUCT; !t && ns <= NS_ENUM; ns++)
		t = find_in(db, name, ns);
	return t;
}

/* "const struct x **": the named type, then one synthetic pointer per '*'.
 * Qualifiers are dropped: every operation looks through them anyway. */
const struct dtype *typedb__find_type(struct typedb *db, const char *name)
{
	static const char *const quals[] = {"const ", "volatile "};
	char base[QNAME_MAX];
	const struct dtype *t;
	size_t n;
	int stars = 0;

	for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++)
		if (!strncmp(name, quals[i], strlen(quals[i]))) {
			name += strlen(quals[i]);
			i = (size_t)-1;
		}
	n = strlen(name);
	for (; n && (name[n - 1] == '*' || name[n - 1] == ' '); n--)
		stars += name[n - 1] == '*';
	if (!stars && n == strlen(name))
		return find_base_type(db, name);
	if (n >= sizeof(base))
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	t = find_base_type(db, base);
	while (t && stars--)
		t = dtype__pointer_to(t);
	return t;
}

/* ---- opening ---- */

static void close_dwarf(struct typedb *db)
{
	if (db->dw)
		dwarf_end(db->dw);
	if (db->elf)
		elf_end(db->elf);
	if (db->fd >= 0)
		close(db->fd);
	db->dw = NULL;
	db->elf = NULL;
	db->fd = -1;
}

/* 0, -ENOEXEC for what is not ELF, -ENODATA for ELF without DWARF units. */
static int open_dwarf(struct typedb *db, const char *path)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Half version;
	uint8_t unit_type;

	db->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (db->fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	db->elf = elf_begin(db->fd, ELF_C_READ_MMAP, NULL);
	if (!db->elf || elf_kind(db->elf) != ELF_K_ELF) {
		close_dwarf(db);
		return -ENOEXEC;
	}
	db->dw = dwarf_begin_elf(db->elf, DWARF_C_READ, NULL);
	if (!db->dw || dwarf_get_units(db->dw, NULL, &cu, &version, &unit_type, NULL, NULL) != 0) {
		close_dwarf(db);
		return -ENODATA;
	}
	db->source = strdup(path);
	return db->source ? 0 : -ENOMEM;
}

static struct typedb *typedb_new(void)
{
	struct typedb *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->fd = -1;
	db->nbuckets = 1024;
	db->names = calloc(db->nbuckets, sizeof(*db->names));
	db->void_type = arena_alloc(db, sizeof(*db->void_type));
	if (!db->names || !db->void_type) {
		typedb__free(db);
		return NULL;
	}
	*db->void_type = (struct dtype){.db = db, .is_void = true};
	return db;
}

static struct typedb *finish_open(struct typedb *db, int err)
{
	if (!err)
		return db;
	typedb__free(db);
	errno = -err;
	return NULL;
}

struct typedb *typedb__open(const char *binary, const char *debug_dir)
{
	struct typedb *db = typedb_new();
	char *debug_file;
	int err;

	if (!db)
		return finish_open(NULL, -ENOMEM);
	if (access(binary, R_OK))
		return finish_open(db, -errno);
	err = open_dwarf(db, binary);
	if (err != -ENODATA)
		return finish_open(db, err);
	debug_file = syms_debug_file(binary, debug_dir);
	if (debug_file)
		err = open_dwarf(db, debug_file);
	free(debug_file);
	return finish_open(db, err);
}

struct typedb *typedb__open_pack(const char *pack_path)
{
	struct typedb *db = typedb_new();

	if (!db)
		return finish_open(NULL, -ENOMEM);
	return finish_open(db, open_dwarf(db, pack_path));
}

const char *typedb__source(const struct typedb *db)
{
	return db->source;
}

void typedb__free(struct typedb *db)
{
	if (!db)
		return;
	close_dwarf(db);
	elf_syms__free(db->syms);
	while (db->arena) {
		struct arena_block *next = db->arena->next;

		free(db->arena);
		db->arena = next;
	}
	free(db->names);
	free(db->types.v);
	free(db->decl_names.v);
	free(db->units_done.v);
	free(db->source);
	free(db);
}
