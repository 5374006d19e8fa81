/* mysqlnd's version, the built-in layout table, and the search for its
 * method tables (see mysqlnd_layout.h for the why). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elfreloc.h"
#include "core/log.h"
#include "tools/mysqlnd_layout.h"

/* PHP 8.2 NTS x86-64 from /usr/include/php/20220829 (php8.2-dev), the
 * output of scripts/mysqlnd-layout.c; tests/unit/test_mysqlnd.c re-checks
 * every value. */
const struct mysqlnd_build mysqlnd_builds[] = {
    {
	.key = {"8.2", 20220829, "NTS"},
	.layout =
	    {
		.conn_error_info = 280,
		.conn_upsert = 224,
		.stmt_data = 0,
		.sd_error_info = 112,
		.sd_upsert = 72,
		.sd_stmt_id = 8,
		.ei_error_no = 520,
		.us_affected = 8,
	    },
	.conn_methods_size = 520,
	.stmt_methods_size = 336,
	.xetters_size = 192,
	.m_query = 24,
	.m_send_query = 32,
	.m_reap_query = 40,
	.m_prepare = 0,
	.m_execute = 16,
	.xetters_stmt_set = 104,
    },
};
const size_t mysqlnd_nbuilds = sizeof(mysqlnd_builds) / sizeof(mysqlnd_builds[0]);

const struct mysqlnd_build *mysqlnd_build_find(const char *version, unsigned api,
					       const char *threads)
{
	for (size_t i = 0; i < mysqlnd_nbuilds; i++)
		if (php_build_key_matches(&mysqlnd_builds[i].key, version, api, threads))
			return &mysqlnd_builds[i];
	return NULL;
}

/* "mysqlnd 8.2.36" and "API20220829,NTS" among the string constants. */
static void scan_strings(const char *data, size_t size, struct mysqlnd_lib *lib)
{
	static const char tag[] = "mysqlnd ", api[] = "API20";

	for (size_t off = 0; off + 9 < size; off++) {
		const char *p = data + off, *v = p + 8;
		size_t left = size - off - 8;

		if (!lib->version[0] && !memcmp(p, tag, sizeof(tag) - 1) && *v >= '1' &&
		    *v <= '9') {
			size_t n = 0;

			while (n < left && n < sizeof(lib->version) &&
			       strchr("0123456789.", v[n]) && v[n])
				n++;
			if (n < sizeof(lib->version))
				memcpy(lib->version, v, n);
		}
		if (!lib->api && off + 15 <= size && !memcmp(p, api, sizeof(api) - 1)) {
			char num[9], *end;
			unsigned long val;

			memcpy(num, p + 3, 8);
			num[8] = 0;
			val = strtoul(num, &end, 10);
			if (!*end && p[11] == ',' && val > 20000000 && val < 30000000) {
				lib->api = val;
				memcpy(lib->threads, p + 12, 3);
				lib->threads[3] = 0;
			}
		}
	}
}

/* Every section's contents of one type (SHT_PROGBITS .rodata for the
 * strings). */
static void scan_rodata(Elf *elf, struct mysqlnd_lib *lib)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		data = name && !strcmp(name, ".rodata") ? elf_getdata(scn, NULL) : NULL;
		if (data && data->d_buf)
			scan_strings(data->d_buf, data->d_size, lib);
	}
}

int mysqlnd_lib_offset(const struct mysqlnd_lib *lib, uint64_t vaddr, uint64_t *offset)
{
	return elf_segments_offset(&lib->segments, vaddr, offset);
}

/* The exported tables; a size other than the headers' means another layout. */
static int find_symbols(Elf *elf, struct mysqlnd_lib *lib)
{
	const struct mysqlnd_build *b = lib->build;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_DYNSYM)
			break;
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	for (size_t i = 0; data && shdr.sh_entsize && i < shdr.sh_size / shdr.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || !sym.st_value || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (name && !strcmp(name, "mysqlnd_mysqlnd_conn_data_methods"))
			lib->conn_table = sym.st_size == b->conn_methods_size ? sym.st_value : 1;
		else if (name && !strcmp(name, "mysqlnd_plugin_methods_xetters"))
			lib->xetters = sym.st_size == b->xetters_size ? sym.st_value : 1;
	}
	return lib->conn_table > 1 && lib->xetters > 1 ? 0 : -ENOTSUP;
}

/* At p: mov GOT(%rip),%reg; lea TABLE(%rip),%rdi; call *SET(%reg). Returns
 * TABLE when GOT is relocated to the xetters, else 0. */
static uint64_t setter_call(const uint8_t *p, uint64_t vaddr, const struct mysqlnd_lib *lib,
			    const struct elf_relocs *rel)
{
	int reg;
	int32_t got_disp, table_disp;
	uint64_t got_value;

	if (p[0] != 0x48 || p[1] != 0x8b || (p[2] & 0xc7) != 0x05)
		return 0;
	reg = (p[2] >> 3) & 7;
	if (reg == 4 || reg == 5 || p[7] != 0x48 || p[8] != 0x8d || p[9] != 0x3d || p[14] != 0xff ||
	    p[15] != (0x50 | reg) || p[16] != lib->build->xetters_stmt_set)
		return 0;
	memcpy(&got_disp, p + 3, 4);
	memcpy(&table_disp, p + 10, 4);
	if (elf_relocs__slot(rel, vaddr + 7 + (int64_t)got_disp, &got_value) ||
	    got_value != lib->xetters)
		return 0;
	return vaddr + 14 + (int64_t)table_disp;
}

/* The statement table: the one setter call of the code (two: refused). */
static int find_stmt_table(Elf *elf, struct mysqlnd_lib *lib, const struct elf_relocs *rel)
{
	Elf_Scn *scn = NULL;
	int found = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(shdr.sh_flags & SHF_EXECINSTR))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && data->d_buf && i + 17 <= data->d_size; i++) {
			uint64_t t = setter_call((const uint8_t *)data->d_buf + i, shdr.sh_addr + i,
						 lib, rel);

			if (t && found++ == 0)
				lib->stmt_table = t;
		}
	}
	return found == 1 ? 0 : -ENOTSUP;
}

/* A member of a method table: a slot relocated to an address in the code. */
static int method(const struct elf_relocs *rel, const struct mysqlnd_lib *lib, uint64_t table,
		  unsigned off, uint64_t *out)
{
	if (elf_relocs__slot(rel, table + off, out) || !elf_segments_exec(&lib->segments, *out))
		return -ENOTSUP;
	return 0;
}

static int find_methods(Elf *elf, struct mysqlnd_lib *lib, const char *name)
{
	const struct mysqlnd_build *b = lib->build;
	struct elf_relocs *rel = elf_relocs__load(elf);
	const char *what = NULL;

	if (!rel) {
		log_error("%s: cannot read its relocations", name);
		return -ENOMEM;
	}
	if (find_symbols(elf, lib))
		what = "no mysqlnd_mysqlnd_conn_data_methods/mysqlnd_plugin_methods_xetters of "
		       "the known size";
	else if (method(rel, lib, lib->conn_table, b->m_query, &lib->query) ||
		 method(rel, lib, lib->conn_table, b->m_send_query, &lib->send_query) ||
		 method(rel, lib, lib->conn_table, b->m_reap_query, &lib->reap_query))
		what = "conn_data methods without a relocated query/send_query/reap_query";
	else if (find_stmt_table(elf, lib, rel))
		what = "no single statement-methods setter call";
	else if (method(rel, lib, lib->stmt_table, b->m_prepare, &lib->prepare) ||
		 method(rel, lib, lib->stmt_table, b->m_execute, &lib->execute))
		what = "statement methods without relocated prepare/execute";
	elf_relocs__free(rel);
	if (what) {
		log_error("%s: mysqlnd %s with an unknown layout (%s)", name, lib->version, what);
		return -ENOTSUP;
	}
	return 0;
}

static int analyse(Elf *elf, const char *name, struct mysqlnd_lib *lib)
{
	elf_segments_read(elf, &lib->segments);
	scan_rodata(elf, lib);
	if (!lib->version[0] || !lib->api) {
		log_error("%s is not mysqlnd (no mysqlnd version string)", name);
		return -ENOEXEC;
	}
	lib->build = mysqlnd_build_find(lib->version, lib->api, lib->threads);
	if (!lib->build) {
		log_error("%s: unsupported mysqlnd %s (API %u, %s); bpfscope knows PHP 8.2 NTS",
			  name, lib->version, lib->api, lib->threads);
		return -ENOTSUP;
	}
	return find_methods(elf, lib, name);
}

struct analysis {
	const char *name;
	struct mysqlnd_lib *lib;
};

static int analyse_file(Elf *elf, int fd, void *ctx)
{
	struct analysis *a = ctx;

	(void)fd;
	return analyse(elf, a->name, a->lib);
}

int mysqlnd_lib_open(const char *path, const char *label, struct mysqlnd_lib *out)
{
	struct analysis a = {label ? label : path, out};

	memset(out, 0, sizeof(*out));
	return elf_with_file(path, label, "mysqlnd", analyse_file, &a);
}
