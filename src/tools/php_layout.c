/* PHP version detection, the built-in layout table, and the search for the
 * VM handler table in a binary (see php_layout.h for the why). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "tools/php_layout.h"

/* PHP 8.2 NTS x86-64, from /usr/include/php/20220829 (php8.2-dev); checked
 * field by field with offsetof by tests/unit/test_php.c. Handler indices are
 * the spec numbers of DO_UCALL/DO_FCALL/DO_FCALL_BY_NAME and
 * RETURN/RETURN_BY_REF/GENERATOR_RETURN (with their OBSERVER variants) and
 * HANDLE_EXCEPTION in
 * Zend/zend_vm_handlers.h; 3451 = its last index + 1 + the trailing NULL. */
const struct php_build php_builds[] = {
    {
	.key = {"8.2", 20220829, "NTS"},
	.layout =
	    {
		.ex_call = 8,
		.ex_func = 24,
		.ex_num_args = 44,
		.ex_args = 80,
		.fn_type = 0,
		.fn_name = 8,
		.fn_scope = 16,
		.fn_num_args = 32,
		.op_filename = 152,
		.op_line_start = 160,
		.ce_name = 8,
		.str_len = 16,
		.str_val = 24,
		.zv_type = 8,
		.arr_count = 28,
		.ref_val = 8,
		.obj_ce = 16,
		.eg_current_ex = 488,
		.user_function = 2,
		.fn_flags = 4,
		.acc_static = 16,
		.ex_opline = 0,
		.op_lineno = 24,
		.internal_function = 1,
	    },
	.handlers = 3451,
	.call_handlers = {2191, 2192, 2193, 2194, 1345, 1346, 1347, 1348, 2195, 2196, 2197, 2198},
	.return_handlers = {1350, 1351, 1352, 1353, 1354, 1355, 1358, 1359, 1983, 1984, 1985, 1986,
			    1987, 1988, 1991, 1992, 2368, 2369, 2370, 2371, 2372, 2373, 2376, 2377},
	.unwind_handler = 2318,
	/* Found with objdump in Debian's 8.2.36 php8.2, php-fpm8.2 and
	 * libphp8.2.so (identical bytes, no jump or label inside): DO_UCALL
	 * switches %r14 to the callee before its first branch; DO_FCALL and
	 * DO_FCALL_BY_NAME hold the callee in %rbx or %r12 at theirs (the
	 * user-function test); RETURN keeps the returning frame in %r14. */
	.fast =
	    {
		{2191, 57, PHP_SITE_CALLEE,
		 "498b46084c8b50184d893e488b503049895608448b482c4c897030498b52584989c648c7"
		 "40080000000048c74010000000004989d745394a200f82"},
		{2192, 60, PHP_SITE_CALLEE,
		 "498b46084c8b50184d893e488b503049895608496357104c897030498b4a584c01f248c7"
		 "400800000000448b482c4989c6488950104989cf45394a200f82"},
		{2195, 23, PHP_SITE_CALLEE_RBX,
		 "498b5e08488b6b184d893e488b433049894608807d00020f85"},
		{2196, 24, PHP_SITE_CALLEE_R12,
		 "4d8b6608498b5c24184d893e498b44243049894608803b020f85"},
		{1345, 23, PHP_SITE_CALLEE_RBX,
		 "498b5e08488b6b184d893e488b433049894608807d00020f85"},
		{1346, 23, PHP_SITE_CALLEE_RBX,
		 "498b5e08488b6b184d893e488b433049894608807d00020f85"},
		{1350, 14, PHP_SITE_RETURN, "49634708498b4e104c01f84885c974"},
		{1352, 14, PHP_SITE_RETURN, "49634708498b56104c01f04885d20f84"},
		{1354, 14, PHP_SITE_RETURN, "49634708498b56104c01f04885d20f84"},
		{1358, 16, PHP_SITE_RETURN, "49635f08498b6e104c01f38b430885c00f84"},
	    },
    },
};
const size_t php_nbuilds = sizeof(php_builds) / sizeof(php_builds[0]);

int php_parse_version(const char *text, char *version, size_t len)
{
	static const char tag[] = "X-Powered-By: PHP/";
	const char *v = strstr(text, tag);
	size_t n = 0;

	if (!v)
		return -EINVAL;
	v += sizeof(tag) - 1;
	while ((v[n] >= '0' && v[n] <= '9') || v[n] == '.')
		n++;
	if (n == 0 || n >= len || v[0] == '.')
		return -EINVAL;
	memcpy(version, v, n);
	version[n] = 0;
	return 0;
}

bool php_build_key_matches(const struct php_build_key *key, const char *version, unsigned api,
			   const char *threads)
{
	size_t n = strlen(key->series);

	return !strncmp(version, key->series, n) && version[n] == '.' && api == key->api &&
	       !strcmp(threads, key->threads);
}

const struct php_build *php_build_find(const char *version, unsigned api, const char *threads)
{
	for (size_t i = 0; i < php_nbuilds; i++)
		if (php_build_key_matches(&php_builds[i].key, version, api, threads))
			return &php_builds[i];
	return NULL;
}

/* Version and module API from the string constants ("API20220829,NTS"). */
static void scan_strings(const char *data, size_t size, struct php_binary *pb)
{
	static const char tag[] = "X-Powered-By: PHP/";
	static const char api[] = "API20";

	for (size_t off = 0; off + 32 < size; off++) {
		const char *p = data + off;

		if (!pb->version[0] && !memcmp(p, tag, sizeof(tag) - 1)) {
			char text[64];

			memcpy(text, p, sizeof(text) - 1);
			text[sizeof(text) - 1] = 0;
			php_parse_version(text, pb->version, sizeof(pb->version));
		}
		if (!pb->api && !memcmp(p, api, sizeof(api) - 1)) {
			char *end;
			unsigned long v = strtoul(p + 3, &end, 10);

			if (*end == ',' && v > 20000000 && v < 30000000) {
				pb->api = v;
				snprintf(pb->threads, sizeof(pb->threads), "%.3s", end + 1);
			}
		}
	}
}

static Elf_Scn *section_by_name(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static void find_symbols(Elf *elf, struct php_binary *pb, uint64_t *exec_size)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = section_by_name(elf, ".dynsym", &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	for (size_t i = 0; data && shdr.sh_entsize && i < shdr.sh_size / shdr.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, i, &sym) || !sym.st_value)
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name)
			continue;
		if (!strcmp(name, "execute_ex")) {
			pb->execute_ex = sym.st_value;
			*exec_size = sym.st_size;
		} else if (!strcmp(name, "executor_globals")) {
			pb->eg = sym.st_value;
		} else if (!strcmp(name, "zend_dtrace_enabled")) {
			pb->dtrace_enabled = sym.st_value;
		}
	}
}

struct reloc {
	uint64_t off, target;
};

static int reloc_cmp(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* All R_X86_64_RELATIVE relocations of .rela.dyn, sorted by offset. */
static size_t relative_relocs(Elf *elf, struct reloc **out)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = section_by_name(elf, ".rela.dyn", &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	size_t n = 0, count = data && shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
	struct reloc *r = calloc(count ? count : 1, sizeof(*r));

	*out = r;
	if (!r)
		return 0;
	for (size_t i = 0; i < count; i++) {
		GElf_Rela rela;

		if (gelf_getrela(data, i, &rela) && GELF_R_TYPE(rela.r_info) == R_X86_64_RELATIVE)
			r[n++] = (struct reloc){rela.r_offset, (uint64_t)rela.r_addend};
	}
	qsort(r, n, sizeof(*r), reloc_cmp);
	return n;
}

/* The label table: the run of consecutive relocations, exactly `handlers`
 * long, most of whose targets lie inside execute_ex. Returns its first
 * index in r, or -1. */
static long find_label_table(const struct reloc *r, size_t n, uint64_t lo, uint64_t hi,
			     unsigned handlers)
{
	size_t start = 0;

	for (size_t i = 1; i <= n; i++) {
		size_t inside = 0;

		if (i < n && r[i].off == r[i - 1].off + 8)
			continue;
		if (i - start == handlers) {
			for (size_t j = start; j < i; j++)
				inside += r[j].target >= lo && r[j].target < hi;
			if (inside * 3 >= handlers)
				return start;
		}
		start = i;
	}
	return -1;
}

/* Does the file hold exactly `code` (hex) at vaddr? */
static bool code_matches(int fd, const struct php_binary *pb, uint64_t vaddr, const char *code)
{
	unsigned char bytes[128];
	size_t n = strlen(code) / 2;
	uint64_t off;

	if (n > sizeof(bytes) || php_binary_offset(pb, vaddr, &off) ||
	    pread(fd, bytes, n, off) != (ssize_t)n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned byte;

		if (sscanf(code + 2 * i, "%2x", &byte) != 1 || bytes[i] != byte)
			return false;
	}
	return true;
}

/* The verified fast site of a handler whose label is at `label`, or NULL. */
static const struct php_fast_site *fast_site(int fd, const struct php_binary *pb, unsigned handler,
					     uint64_t label)
{
	const struct php_build *b = pb->build;

	for (int i = 0; i < PHP_FAST_MAX && b->fast[i].code; i++)
		if (b->fast[i].handler == handler && code_matches(fd, pb, label, b->fast[i].code))
			return &b->fast[i];
	return NULL;
}

static int add_site(uint64_t *sites, int *n, uint64_t addr)
{
	for (int i = 0; i < *n; i++)
		if (sites[i] == addr)
			return 0; /* OBSERVER variants share a label */
	if (*n >= PHP_SITES_MAX)
		return -E2BIG;
	sites[(*n)++] = addr;
	return 0;
}

/* Adds the probe site of handler h: its fast site when verified, else its
 * label into sites/n. */
static int add_handler(int fd, struct php_binary *pb, bool labels_only, unsigned h, uint64_t label,
		       uint64_t *sites, int *n)
{
	const struct php_fast_site *f = labels_only ? NULL : fast_site(fd, pb, h, label);

	if (!f)
		return add_site(sites, n, label);
	pb->nfast++;
	if (f->site == PHP_SITE_RETURN)
		return add_site(pb->return_sites, &pb->nreturn, label + f->offset);
	pb->callee_kind[pb->ncallee] = f->site;
	return add_site(pb->callee_sites, &pb->ncallee, label + f->offset);
}

/* Internal-function call sites inside execute_ex (php_icall.h); failure
 * only disables --internal through uprobes. */
static void find_icalls(int fd, struct php_binary *pb, uint64_t exec_size,
			const struct reloc *labels, unsigned nlabels)
{
	uint64_t *targets = calloc(nlabels ? nlabels : 1, sizeof(*targets));
	uint8_t *code = malloc(exec_size ? exec_size : 1);
	uint64_t off;

	pb->nicall = -1;
	if (!targets || !code || php_binary_offset(pb, pb->execute_ex, &off) ||
	    pread(fd, code, exec_size, off) != (ssize_t)exec_size) {
		snprintf(pb->icall_why, sizeof(pb->icall_why), "cannot read execute_ex");
	} else {
		for (unsigned i = 0; i < nlabels; i++)
			targets[i] = labels[i].target;
		pb->nicall = php_icall_find(
		    code, exec_size, pb->execute_ex, pb->build->layout.eg_current_ex, targets,
		    nlabels, pb->icall, PHP_ICALL_MAX, pb->icall_why, sizeof(pb->icall_why));
		if (pb->nicall == 0 && (pb->nicall = -1))
			snprintf(pb->icall_why, sizeof(pb->icall_why),
				 "no internal-function call site in execute_ex");
	}
	free(targets);
	free(code);
}

static int find_sites(Elf *elf, int fd, struct php_binary *pb, uint64_t exec_size, bool labels_only)
{
	const struct php_build *b = pb->build;
	struct reloc *r = NULL;
	size_t n = relative_relocs(elf, &r);
	long t = find_label_table(r, n, pb->execute_ex, pb->execute_ex + exec_size, b->handlers);
	int err = t < 0 ? -ENOTSUP : 0;

	for (size_t i = 0; !err && i < sizeof(b->call_handlers) / sizeof(unsigned); i++)
		if (b->call_handlers[i])
			err = add_handler(fd, pb, labels_only, b->call_handlers[i],
					  r[t + b->call_handlers[i]].target, pb->call_sites,
					  &pb->ncall);
	for (size_t i = 0; !err && i < sizeof(b->return_handlers) / sizeof(unsigned); i++)
		if (b->return_handlers[i])
			err = add_handler(fd, pb, labels_only, b->return_handlers[i],
					  r[t + b->return_handlers[i]].target, pb->return_sites,
					  &pb->nreturn);
	if (!err) {
		pb->unwind_site = r[t + b->unwind_handler].target;
		find_icalls(fd, pb, exec_size, r + t, b->handlers);
	}
	free(r);
	return err;
}

static void scan_rodata(Elf *elf, struct php_binary *pb)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = section_by_name(elf, ".rodata", &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	if (data && data->d_buf)
		scan_strings(data->d_buf, data->d_size, pb);
}

int php_binary_offset(const struct php_binary *pb, uint64_t vaddr, uint64_t *offset)
{
	return elf_segments_offset(&pb->segments, vaddr, offset);
}

static int analyse(Elf *elf, int fd, const char *path, bool labels_only, struct php_binary *pb)
{
	uint64_t exec_size = 0;

	elf_segments_read(elf, &pb->segments);
	scan_rodata(elf, pb);
	if (!pb->version[0] || !pb->api) {
		log_error("%s is not PHP (no PHP version string)", path);
		return -ENOEXEC;
	}
	pb->build = php_build_find(pb->version, pb->api, pb->threads);
	if (!pb->build) {
		log_error("%s: unsupported PHP %s (API %u, %s); bpfscope knows PHP 8.2 NTS", path,
			  pb->version, pb->api, pb->threads);
		return -ENOTSUP;
	}
	find_symbols(elf, pb, &exec_size);
	if (!pb->execute_ex || !pb->eg || !pb->dtrace_enabled) {
		log_error("%s: PHP %s without the exported execute_ex/executor_globals/"
			  "zend_dtrace_enabled",
			  path, pb->version);
		return -ENOTSUP;
	}
	if (find_sites(elf, fd, pb, exec_size, labels_only)) {
		log_error("%s: PHP %s with an unknown VM layout (no %u-entry handler table)", path,
			  pb->version, pb->build->handlers);
		return -ENOTSUP;
	}
	return 0;
}

int php_binary_open(const char *path, const char *label, struct php_binary *out)
{
	return php_binary_open_opts(path, label, false, out);
}

struct analysis {
	const char *name;
	bool labels_only;
	struct php_binary *pb;
};

static int analyse_file(Elf *elf, int fd, void *ctx)
{
	struct analysis *a = ctx;

	return analyse(elf, fd, a->name, a->labels_only, a->pb);
}

int php_binary_open_opts(const char *path, const char *label, bool labels_only,
			 struct php_binary *out)
{
	struct analysis a = {label ? label : path, labels_only, out};

	memset(out, 0, sizeof(*out));
	return elf_with_file(path, label, "PHP", analyse_file, &a);
}
