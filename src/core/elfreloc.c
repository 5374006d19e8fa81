/* Segments and dynamic relocations from the file (see elfreloc.h). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elfreloc.h"
#include "core/log.h"

struct reloc_slot {
	uint64_t off;
	uint64_t value;
	int defined; /* 0: against an undefined symbol */
};

struct elf_relocs {
	struct reloc_slot *slots;
	size_t n, cap;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct reloc_slot *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int push(struct elf_relocs *r, uint64_t off, uint64_t value, int defined)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct reloc_slot *s = realloc(r->slots, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		r->slots = s;
		r->cap = cap;
	}
	r->slots[r->n++] = (struct reloc_slot){off, value, defined};
	return 0;
}

/* Symbol value of index sym in the symbol table of section link; defined
 * tells whether the object itself defines it. */
static uint64_t symbol_value(Elf *elf, size_t link, size_t sym, int *defined)
{
	Elf_Scn *scn = elf_getscn(elf, link);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	GElf_Sym s;

	*defined = 0;
	if (!data || !gelf_getsym(data, (int)sym, &s) || s.st_shndx == SHN_UNDEF)
		return 0;
	*defined = 1;
	return s.st_value;
}

static int load_section(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, struct elf_relocs *r)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = data && shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;

	for (size_t i = 0; i < count; i++) {
		GElf_Rela rela;
		uint64_t value;
		int defined = 1, err = 0;

		if (!gelf_getrela(data, (int)i, &rela))
			break;
		switch (GELF_R_TYPE(rela.r_info)) {
		case R_X86_64_RELATIVE:
			err = push(r, rela.r_offset, (uint64_t)rela.r_addend, 1);
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
			value = symbol_value(elf, shdr->sh_link, GELF_R_SYM(rela.r_info), &defined);
			err = push(r, rela.r_offset, value + (uint64_t)rela.r_addend, defined);
			break;
		default: break;
		}
		if (err)
			return err;
	}
	return 0;
}

struct elf_relocs *elf_relocs__load(Elf *elf)
{
	struct elf_relocs *r = calloc(1, sizeof(*r));
	GElf_Ehdr ehdr;
	Elf_Scn *scn = NULL;

	if (!r)
		return NULL;
	if (!gelf_getehdr(elf, &ehdr) || ehdr.e_machine != EM_X86_64)
		return r; /* nothing this module understands: an empty set */
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_RELA ||
		    !(shdr.sh_flags & SHF_ALLOC))
			continue;
		if (load_section(elf, scn, &shdr, r)) {
			elf_relocs__free(r);
			errno = ENOMEM;
			return NULL;
		}
	}
	if (r->n)
		qsort(r->slots, r->n, sizeof(r->slots[0]), slot_cmp);
	return r;
}

int elf_relocs__slot(const struct elf_relocs *r, uint64_t vaddr, uint64_t *value)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->slots[mid].off < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->n || r->slots[lo].off != vaddr)
		return -ENOENT;
	if (!r->slots[lo].defined)
		return -ENXIO;
	*value = r->slots[lo].value;
	return 0;
}

size_t elf_relocs__count(const struct elf_relocs *r)
{
	return r->n;
}

void elf_relocs__free(struct elf_relocs *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

void elf_segments_read(Elf *elf, struct elf_segments *out)
{
	size_t n = 0;

	out->n = 0;
	if (elf_getphdrnum(elf, &n))
		return;
	for (size_t i = 0; i < n && out->n < ELF_SEGMENTS_MAX; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			out->seg[out->n].vaddr = ph.p_vaddr;
			out->seg[out->n].filesz = ph.p_filesz;
			out->seg[out->n].offset = ph.p_offset;
			out->seg[out->n].exec = (ph.p_flags & PF_X) != 0;
			out->n++;
		}
	}
}

static int segment_of(const struct elf_segments *s, uint64_t vaddr)
{
	for (int i = 0; i < s->n; i++)
		if (vaddr >= s->seg[i].vaddr && vaddr - s->seg[i].vaddr < s->seg[i].filesz)
			return i;
	return -1;
}

int elf_segments_offset(const struct elf_segments *s, uint64_t vaddr, uint64_t *offset)
{
	int i = segment_of(s, vaddr);

	if (i < 0)
		return -ERANGE;
	*offset = vaddr - s->seg[i].vaddr + s->seg[i].offset;
	return 0;
}

bool elf_segments_exec(const struct elf_segments *s, uint64_t vaddr)
{
	int i = segment_of(s, vaddr);

	return i >= 0 && s->seg[i].exec;
}

int elf_with_file(const char *path, const char *label, const char *what,
		  int (*fn)(Elf *elf, int fd, void *ctx), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	Elf *elf;

	if (fd < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		log_error("%s is not %s (not an ELF file)", label ? label : path, what);
		err = -ENOEXEC;
	} else {
		err = fn(elf, fd, ctx);
	}
	elf_end(elf);
	close(fd);
	return err;
}
