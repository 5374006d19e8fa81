/* What the dynamic loader makes of an ELF file, computed from the file
 * alone: where its loadable segments lie (ELF virtual address to file
 * offset, which is what uprobes attach to), and the values it stores into
 * the pointer slots of a shared object or PIE.
 *
 * Why: in position-independent code a table of function pointers (a C
 * method table, a jump table) holds zeros in the file; the real addresses
 * are written at load time from the relocations in .rela.dyn. A tool that
 * wants those addresses from the file (to place uprobes before the process
 * runs) must apply the relocations itself. Handled (x86-64): RELATIVE
 * (base + addend) and 64 / GLOB_DAT against a symbol the object defines
 * (symbol + addend); values are ELF virtual addresses (base 0). A slot
 * relocated against an undefined symbol (another library) has no value
 * here. */
#ifndef BPFSCOPE_ELFRELOC_H
#define BPFSCOPE_ELFRELOC_H

#include <stdbool.h>
#include <stdint.h>

#include <libelf.h>

/* Opens path as ELF and returns fn(elf, fd, ctx). When it cannot: one
 * error line, "cannot open PATH: ..." (-ENOENT) or "NAME is not WHAT (not
 * an ELF file)" (-ENOEXEC), with NAME = label or path. */
int elf_with_file(const char *path, const char *label, const char *what,
		  int (*fn)(Elf *elf, int fd, void *ctx), void *ctx);

#define ELF_SEGMENTS_MAX 8

/* The PT_LOAD segments (the first ELF_SEGMENTS_MAX). */
struct elf_segments {
	struct {
		uint64_t vaddr, filesz, offset;
		bool exec;
	} seg[ELF_SEGMENTS_MAX];
	int n;
};

void elf_segments_read(Elf *elf, struct elf_segments *out);
/* File offset of an ELF virtual address inside a segment's file part;
 * 0 or -ERANGE. */
int elf_segments_offset(const struct elf_segments *s, uint64_t vaddr, uint64_t *offset);
/* Is vaddr inside an executable segment? */
bool elf_segments_exec(const struct elf_segments *s, uint64_t vaddr);

struct elf_relocs;

/* Reads the RELA sections of elf that the dynamic linker applies (SHT_RELA
 * with SHF_ALLOC: .rela.dyn). NULL + errno on failure (ENOMEM). An object
 * without relocations gives an empty set. */
struct elf_relocs *elf_relocs__load(Elf *elf);
/* The value of the 8-byte slot at vaddr after relocation: 0 and *value,
 * -ENOENT when no relocation writes it, -ENXIO when it names a symbol the
 * object does not define. */
int elf_relocs__slot(const struct elf_relocs *r, uint64_t vaddr, uint64_t *value);
size_t elf_relocs__count(const struct elf_relocs *r);
void elf_relocs__free(struct elf_relocs *r);

#endif
