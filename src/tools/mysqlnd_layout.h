/* Finding mysqlnd's query, prepare and execute methods in Debian's
 * mysqlnd.so (php8.2-mysql), which does not export them.
 *
 * mysqlnd dispatches every call through method tables (plugins replace
 * entries), and two of them are reachable from the file:
 *
 * - mysqlnd_mysqlnd_conn_data_methods, exported from .data: its `query`
 *   member holds conn_data::query;
 * - the statement table is static, but the library's init passes it to
 *   mysqlnd_plugin_methods_xetters.statement.set() (exported table of
 *   getters and setters): the only `mov xetters@GOT(%rip),%reg;
 *   lea TABLE(%rip),%rdi; call *SET(%reg)` sequence in the code, whose GOT
 *   slot is relocated to the xetters symbol, names it.
 *
 * In a shared object these tables hold zeros in the file: the dynamic
 * linker fills them from R_X86_64_RELATIVE/64 relocations, which
 * core/elfreloc applies. Member offsets and table sizes come from a
 * built-in table keyed by the PHP version, module API and thread model
 * found in the library's strings ("mysqlnd 8.2.36", "API20220829,NTS");
 * tests/unit/test_mysqlnd.c checks it against the php-dev headers with
 * offsetof (scripts/mysqlnd-layout.c). A table symbol whose size differs,
 * or a member whose slot is not relocated into the code, is refused. */
#ifndef BPFSCOPE_MYSQLND_LAYOUT_H
#define BPFSCOPE_MYSQLND_LAYOUT_H

#include <stdint.h>

#include "bpf/mysqlnd.h"
#include "core/elfreloc.h"
#include "tools/php_layout.h"

struct mysqlnd_build {
	struct php_build_key key; /* the PHP build mysqlnd.so came with */
	struct mnd_layout layout; /* offsets the BPF side reads */
	unsigned conn_methods_size, stmt_methods_size, xetters_size;
	unsigned m_query, m_send_query, m_reap_query; /* in the conn_data table */
	unsigned m_prepare, m_execute;		      /* in the statement table */
	unsigned xetters_stmt_set; /* mysqlnd_plugin_methods_xetters.statement.set */
};

struct mysqlnd_lib {
	char version[32];
	unsigned api;
	char threads[8];
	const struct mysqlnd_build *build;
	uint64_t conn_table, stmt_table, xetters; /* ELF virtual addresses */
	uint64_t query, prepare, execute;	  /* the methods */
	uint64_t send_query, reap_query;	  /* mysqli's MYSQLI_ASYNC halves */
	struct elf_segments segments;		  /* to turn addresses into file offsets */
};

extern const struct mysqlnd_build mysqlnd_builds[];
extern const size_t mysqlnd_nbuilds;

const struct mysqlnd_build *mysqlnd_build_find(const char *version, unsigned api,
					       const char *threads);
/* Analyses path; on failure prints one error line naming label (path when
 * NULL) and returns -ENOENT (unreadable), -ENOEXEC (not mysqlnd), -ENOTSUP
 * (unknown version or layout). */
int mysqlnd_lib_open(const char *path, const char *label, struct mysqlnd_lib *out);
/* File offset of an ELF virtual address (what uprobes attach to). */
int mysqlnd_lib_offset(const struct mysqlnd_lib *lib, uint64_t vaddr, uint64_t *offset);

#endif
