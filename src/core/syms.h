/* Symbolization of kernel and user addresses.
 *
 * Kernel: /proc/kallsyms, loaded once, sorted, binary-searched.
 * User: a per-binary symbol table (ELF .symtab, else .dynsym, plus the
 * separate debug file found through build-id or .gnu_debuglink when the
 * binary is stripped), cached by path; a per-process view maps runtime
 * addresses to (binary, file offset) through /proc/PID/maps and to a symbol.
 * C++ names are demangled (libiberty). */
#ifndef BPFSCOPE_SYMS_H
#define BPFSCOPE_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sym {
	const char *name;      /* demangled when it was a C++ name */
	const char *raw_name;  /* as in the symbol table */
	uint64_t addr;         /* kernel: runtime address; user: ELF virtual address */
	uint64_t size;
};

/* ---- kernel ---- */
struct ksyms;
struct ksyms *ksyms__load(void); /* NULL + errno on failure */
const struct sym *ksyms__find(const struct ksyms *ks, uint64_t addr); /* nearest <= addr */
const struct sym *ksyms__by_name(const struct ksyms *ks, const char *name);
void ksyms__free(struct ksyms *ks);

/* ---- one ELF binary ---- */
struct elf_syms;
/* Opens path; when it has no .symtab, also reads the debug file named by its
 * build-id (/usr/lib/debug/.build-id/xx/rest.debug) or .gnu_debuglink (same
 * dir, .debug/ subdir, /usr/lib/debug/<dir>/). debug_dir, when not NULL, is
 * searched first. NULL + errno on failure. */
struct elf_syms *elf_syms__open(const char *path, const char *debug_dir);
const struct sym *elf_syms__find(const struct elf_syms *es, uint64_t vaddr); /* containing or nearest <= */
const struct sym *elf_syms__by_name(const struct elf_syms *es, const char *name); /* raw or demangled */
/* Calls fn for every function symbol whose raw or demangled name matches the
 * shell glob; returns the number of matches. */
size_t elf_syms__glob(const struct elf_syms *es, const char *glob,
		      void (*fn)(const struct sym *s, void *ctx), void *ctx);
size_t elf_syms__count(const struct elf_syms *es);
const char *elf_syms__build_id(const struct elf_syms *es); /* hex, or "" */
const char *elf_syms__debug_file(const struct elf_syms *es); /* path used, or NULL */
bool elf_syms__stripped(const struct elf_syms *es); /* no .symtab anywhere */
/* Translate a file offset (from /proc/PID/maps) to an ELF virtual address
 * using the PT_LOAD program headers; returns false when outside them. */
bool elf_syms__offset_to_vaddr(const struct elf_syms *es, uint64_t off, uint64_t *vaddr);
void elf_syms__free(struct elf_syms *es);
/* The separate debug file of path, found as elf_syms__open does (then also
 * debug_dir/<basename>.debug); malloc'd, or NULL when there is none. */
char *syms_debug_file(const char *path, const char *debug_dir);

/* ---- a process ---- */
struct proc_syms;
/* Snapshot of /proc/PID/maps; binaries opened lazily through a shared
 * cache keyed by path. Binaries of processes in other mount namespaces are
 * opened through /proc/PID/root. */
struct proc_syms *proc_syms__new(pid_t pid);
/* Resolves a runtime address. On success fills *s and *module (the binary's
 * path) and returns true; *offset is addr - symbol start. On failure *s is
 * NULL; when addr lies in a mapped binary *module is its path and *offset
 * the ELF virtual address (file offset when outside PT_LOAD), otherwise
 * *module is NULL. Any output pointer may be NULL. Not thread-safe per ps. */
bool proc_syms__resolve(struct proc_syms *ps, uint64_t addr, const struct sym **s,
			const char **module, uint64_t *offset);
void proc_syms__free(struct proc_syms *ps);

/* Formats "name+0xoff" / "[unknown]" / "module+0xoff" into buf. */
void syms_format(char *buf, size_t len, const struct sym *s, const char *module,
		 uint64_t addr, uint64_t offset);

/* Demangles a C++ (Itanium ABI) name; returns a malloc'd string or NULL when
 * name is not mangled. */
char *syms_demangle(const char *name);

/* Drops every cached binary (tests, long runs). */
void syms_cache_clear(void);

#endif
