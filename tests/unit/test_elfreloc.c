/* core/elfreloc: segment offsets and the pointer values the dynamic linker would store, computed
 * from a shared object the test compiles: a table of a static function
 * (R_X86_64_RELATIVE), an exported one (R_X86_64_64 against a defined
 * symbol) and an undefined one (no value); checked against the symbol
 * table. Skipped without a C compiler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/elfreloc.h"

static const char source[] = "extern int ext_fn(void);\n"
			     "static int local_fn(void) { return 1; }\n"
			     "int exported_fn(void) { return 2; }\n"
			     "int (*table[4])(void) = {local_fn, exported_fn, ext_fn, 0};\n"
			     "long plain = 42;\n";

static char dir[64], so[96];
static int fd = -1;
static Elf *elf;

static int setup(void **state)
{
	char src[96], cmd[400];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bpfscope-elfreloc-%d", getpid());
	snprintf(src, sizeof(src), "%s/t.c", dir);
	snprintf(so, sizeof(so), "%s/t.so", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	f = fopen(src, "w");
	if (!f)
		return -1;
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -shared -fPIC -O1 -o %s %s 2>/dev/null", so, src);
	if (system(cmd))
		return 0; /* no compiler: the tests skip */
	elf_version(EV_CURRENT);
	fd = open(so, O_RDONLY);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* The value of a .symtab symbol (static ones included). */
static uint64_t symbol(const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, (int)i, &s) &&
			    (n = elf_strptr(elf, sh.sh_link, s.st_name)) && !strcmp(n, name))
				return s.st_value;
		}
	}
	fail_msg("no symbol %s", name);
	return 0;
}

static void test_table_slots(void **state)
{
	struct elf_relocs *r;
	uint64_t table, v = 0;

	(void)state;
	if (!elf)
		skip();
	r = elf_relocs__load(elf);
	assert_non_null(r);
	assert_true(elf_relocs__count(r) >= 2);
	table = symbol("table");
	assert_int_equal(elf_relocs__slot(r, table, &v), 0);
	assert_int_equal(v, symbol("local_fn"));
	v = 0;
	assert_int_equal(elf_relocs__slot(r, table + 8, &v), 0);
	assert_int_equal(v, symbol("exported_fn"));
	assert_int_equal(elf_relocs__slot(r, table + 16, &v), -ENXIO);	/* another library's */
	assert_int_equal(elf_relocs__slot(r, table + 24, &v), -ENOENT); /* NULL in the file */
	assert_int_equal(elf_relocs__slot(r, symbol("plain"), &v), -ENOENT);
	assert_int_equal(elf_relocs__slot(r, table + 4, &v), -ENOENT); /* not a slot start */
	elf_relocs__free(r);
}

/* The file offset of a symbol, from its section (independent of PT_LOAD). */
static uint64_t file_offset(uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_addr && sh.sh_type == SHT_PROGBITS &&
		    vaddr >= sh.sh_addr && vaddr < sh.sh_addr + sh.sh_size)
			return sh.sh_offset + (vaddr - sh.sh_addr);
	fail_msg("no section holds 0x%llx", (unsigned long long)vaddr);
	return 0;
}

static void test_segments(void **state)
{
	struct elf_segments segs;
	uint64_t off = 0, fn, table;

	(void)state;
	if (!elf)
		skip();
	elf_segments_read(elf, &segs);
	assert_true(segs.n >= 2);
	fn = symbol("exported_fn");
	table = symbol("table");
	assert_int_equal(elf_segments_offset(&segs, fn, &off), 0);
	assert_int_equal(off, file_offset(fn));
	assert_int_equal(elf_segments_offset(&segs, table, &off), 0);
	assert_int_equal(off, file_offset(table));
	assert_true(elf_segments_exec(&segs, fn));
	assert_false(elf_segments_exec(&segs, table));
	assert_int_equal(elf_segments_offset(&segs, 1ULL << 60, &off), -ERANGE);
	assert_false(elf_segments_exec(&segs, 1ULL << 60));
}

static void test_no_relocations(void **state)
{
	/* a relocatable object file has no SHF_ALLOC RELA: an empty set */
	char cmd[300], obj[128];
	struct elf_relocs *r;
	Elf *e;
	int ofd;
	uint64_t v;

	(void)state;
	if (!elf)
		skip();
	snprintf(obj, sizeof(obj), "%s/t.o", dir);
	snprintf(cmd, sizeof(cmd), "cc -c -fPIC -o %s %s/t.c 2>/dev/null", obj, dir);
	assert_int_equal(system(cmd), 0);
	ofd = open(obj, O_RDONLY);
	assert_true(ofd >= 0);
	e = elf_begin(ofd, ELF_C_READ, NULL);
	r = elf_relocs__load(e);
	assert_non_null(r);
	assert_int_equal(elf_relocs__count(r), 0);
	assert_int_equal(elf_relocs__slot(r, 0, &v), -ENOENT);
	elf_relocs__free(r);
	elf_end(e);
	close(ofd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_slots),
	    cmocka_unit_test(test_no_relocations),
	    cmocka_unit_test(test_segments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
