/* Finding what `bpfscope php` needs in a PHP binary (php, php-fpm, or
 * libphp.so for mod_php), which is stripped on Debian:
 *
 * - the version: "X-Powered-By: PHP/8.2.36" and the module API
 *   "API20220829,NTS" are string constants in .rodata;
 * - the engine layout for that version: a built-in table (struct php_build)
 *   whose offsets were derived from the php-dev headers with offsetof and
 *   are re-checked against them by tests/unit/test_php.c;
 * - exported symbols (.dynsym): execute_ex, executor_globals,
 *   zend_dtrace_enabled;
 * - the VM's opcode-handler labels: the hybrid VM keeps their addresses in a
 *   static array inside execute_ex (zend_opcode_handlers), which in a PIE is
 *   a run of R_X86_64_RELATIVE relocations pointing into execute_ex and its
 *   cold part. Its length must equal the handler count of the table entry,
 *   and entry i is the handler with spec index i of Zend/zend_vm_handlers.h.
 *
 * Anything that does not match exactly is refused: reading the wrong offsets
 * would print garbage. */
#ifndef BPFSCOPE_PHP_LAYOUT_H
#define BPFSCOPE_PHP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/php.h"
#include "core/elfreloc.h"
#include "tools/php_icall.h"

#define PHP_SITES_MAX 32
#define PHP_FAST_MAX  12

/* A cheaper probe site inside a handler: the kernel single-steps the
 * handler's first instruction (~10 us a hit here) but emulates a
 * conditional branch (~0.5 us). The handler reaches its first branch in
 * straight-line code that no jump enters; the bytes from the label through
 * the branch's opcode must be exactly `code`, else the label is probed. */
struct php_fast_site {
	unsigned handler; /* spec index */
	unsigned offset;  /* from the label to the branch */
	int site;	  /* PHP_SITE_CALLEE* or PHP_SITE_RETURN: where the frame is there */
	const char *code; /* hex */
};

/* What a layout table entry is for (also src/tools/mysqlnd_layout.c's). */
struct php_build_key {
	const char *series;  /* "8.2": major.minor of the version string */
	unsigned api;	     /* ZEND_MODULE_API_NO */
	const char *threads; /* "NTS" */
};

/* Does "8.2.36" / API / "NTS" belong to key? */
bool php_build_key_matches(const struct php_build_key *key, const char *version, unsigned api,
			   const char *threads);

/* One PHP build the tool knows. */
struct php_build {
	struct php_build_key key;
	struct php_layout layout;
	unsigned handlers; /* entries of the hybrid VM's label table */
	/* spec indices (zend_vm_handlers.h) of the call and return handlers */
	unsigned call_handlers[12];
	unsigned return_handlers[24];
	unsigned unwind_handler; /* HANDLE_EXCEPTION: %r14 = the frame handling it */
	struct php_fast_site fast[PHP_FAST_MAX];
};

/* What was found in one binary. */
struct php_binary {
	char version[32]; /* "8.2.36" */
	unsigned api;
	char threads[8];
	const struct php_build *build;
	uint64_t execute_ex, eg, dtrace_enabled; /* ELF virtual addresses */
	uint64_t call_sites[PHP_SITES_MAX], return_sites[PHP_SITES_MAX];
	int ncall, nreturn;
	uint64_t callee_sites[PHP_SITES_MAX]; /* fast call sites */
	int callee_kind[PHP_SITES_MAX];	      /* their PHP_SITE_CALLEE* */
	int ncallee, nfast;
	uint64_t unwind_site;
	/* internal-function call sites (php_icall.h); nicall < 0: none, why */
	struct php_icall_site icall[PHP_ICALL_MAX];
	int nicall;
	char icall_why[160];
	struct elf_segments segments; /* to turn addresses into file offsets */
};

extern const struct php_build php_builds[];
extern const size_t php_nbuilds;

/* Parses "X-Powered-By: PHP/8.2.36" style text for the version; 0 or -EINVAL. */
int php_parse_version(const char *text, char *version, size_t len);
/* The table entry for a version/API/thread model, or NULL. */
const struct php_build *php_build_find(const char *version, unsigned api, const char *threads);

/* Analyses path; on failure prints one error line (naming label, or path
 * when label is NULL) and returns
 * < 0: -ENOENT not readable, -ENOEXEC not PHP, -ENOTSUP unknown version or
 * layout. */
int php_binary_open(const char *path, const char *label, struct php_binary *out);
/* The same, probing only handler labels (no php_fast_site) when labels_only. */
int php_binary_open_opts(const char *path, const char *label, bool labels_only,
			 struct php_binary *out);
/* File offset of an ELF virtual address (what uprobes attach to); 0 or -ERANGE. */
int php_binary_offset(const struct php_binary *pb, uint64_t vaddr, uint64_t *offset);

#endif
