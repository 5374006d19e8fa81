/* elfnotes: the USDT probes of tests/targets/usdt_target (built by
 * `make test-bins`): names, argument specs, the semaphore of the guarded
 * probe, a probe site that is the nop <sys/sdt.h> emits, and the
 * .stapsdt.base (prelink) adjustment on a patched copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elfnotes.h"
#include "core/uprobe_site.h"

static char target[PATH_MAX];

static int setup(void **state)
{
	const char *dir = getenv("TARGETS");

	(void)state;
	snprintf(target, sizeof(target), "%s/usdt_target", dir ? dir : "build/targets");
	return access(target, R_OK) ? -1 : 0;
}

static const struct usdt_note *find(const struct usdt_note *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* Address of a section, from the file (independent of elfnotes.c). */
static uint64_t section_addr(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t strndx;
	uint64_t addr = 0;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	elf_getshdrstrndx(elf, &strndx);
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && !strcmp(elf_strptr(elf, strndx, sh.sh_name), name))
			addr = sh.sh_addr;
	elf_end(elf);
	close(fd);
	return addr;
}

static void test_probes(void **state)
{
	struct usdt_note *notes;
	const struct usdt_note *guarded, *plain;
	struct uprobe_site site;
	int n;

	(void)state;
	n = usdt_notes_read(target, &notes);
	assert_int_equal(n, 2);
	guarded = find(notes, n, "guarded");
	plain = find(notes, n, "plain");
	assert_non_null(guarded);
	assert_non_null(plain);
	assert_string_equal(guarded->provider, "bpfscope_test");
	assert_string_equal(plain->provider, "bpfscope_test");
	/* the semaphore is the only variable in .probes; the plain probe has none */
	assert_int_not_equal(guarded->semaphore, 0);
	assert_int_equal(guarded->semaphore, section_addr(target, ".probes"));
	assert_int_equal(plain->semaphore, 0);
	assert_int_equal(guarded->base, section_addr(target, ".stapsdt.base"));
	/* two and three arguments: int, string pointer / int, long, pointer */
	assert_non_null(strstr(guarded->args, "-4@"));
	assert_non_null(strstr(guarded->args, " 8@"));
	assert_int_equal(strchr(plain->args, ' ') != NULL, 1);
	assert_true(!strncmp(plain->args, "-4@", 3));
	assert_non_null(strstr(plain->args, " -8@"));
	/* <sys/sdt.h> puts a one-byte nop at the probe site: emulated */
	assert_int_equal(uprobe_site_at(target, plain->pc, &site), 0);
	assert_string_equal(site.mnemonic, "nop");
	assert_int_equal(site.kind, SITE_EMULATED);
	free(notes);
}

/* Copies the target with every note's recorded .stapsdt.base lowered by
 * 0x100, as if prelink had moved the image up: sites and semaphores must
 * move up by the same amount. */
static void test_prelink_adjustment(void **state)
{
	struct usdt_note *orig, *moved;
	char copy[] = "/tmp/bpfscope-elfnotes-XXXXXX";
	int n, fd = mkstemp(copy);
	FILE *f = fopen(target, "rb");
	static unsigned char buf[4 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);

	(void)state;
	fclose(f);
	n = usdt_notes_read(target, &orig);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		uint64_t pair[2] = {orig[i].pc, orig[i].base};
		unsigned char *at = memmem(buf, len, pair, sizeof(pair));

		assert_non_null(at);
		pair[1] -= 0x100;
		memcpy(at, pair, sizeof(pair));
	}
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	assert_int_equal(usdt_notes_read(copy, &moved), 2);
	for (int i = 0; i < n; i++) {
		assert_int_equal(moved[i].pc, orig[i].pc + 0x100);
		assert_int_equal(moved[i].semaphore,
				 orig[i].semaphore ? orig[i].semaphore + 0x100 : 0);
	}
	unlink(copy);
	free(orig);
	free(moved);
}

static void test_errors(void **state)
{
	struct usdt_note *notes = (void *)1;

	(void)state;
	assert_int_equal(usdt_notes_read("/no/such/binary", &notes), -ENOENT);
	assert_null(notes);
	assert_int_equal(usdt_notes_read("/etc/hostname", &notes), -ENOEXEC);
	/* an ELF file without probes: zero, not an error */
	assert_int_equal(usdt_notes_read("/proc/self/exe", &notes), 0);
	free(notes);
}

static void test_arg_specs(void **state)
{
	struct usdt_arg a[USDT_MAX_ARGS];

	(void)state;
	assert_int_equal(usdt_args_parse("-4@%edi 8@%rsi", a, USDT_MAX_ARGS), 2);
	assert_int_equal(a[0].kind, USDT_ARG_REG);
	assert_int_equal(a[0].size, 4);
	assert_true(a[0].is_signed);
	assert_string_equal(a[0].reg, "edi");
	assert_int_equal(a[1].size, 8);
	assert_false(a[1].is_signed);
	assert_string_equal(a[1].reg, "rsi");
	assert_int_equal(usdt_args_parse("8@-16(%rbp) 4@(%rax) -2@$-7 1@$0x41", a, USDT_MAX_ARGS),
			 4);
	assert_int_equal(a[0].kind, USDT_ARG_MEM);
	assert_int_equal(a[0].value, -16);
	assert_string_equal(a[0].reg, "rbp");
	assert_int_equal(a[1].kind, USDT_ARG_MEM);
	assert_int_equal(a[1].value, 0);
	assert_int_equal(a[2].kind, USDT_ARG_CONST);
	assert_int_equal(a[2].value, -7);
	assert_int_equal(a[2].size, 2);
	assert_int_equal(a[3].value, 0x41);
	assert_int_equal(usdt_args_parse("", a, USDT_MAX_ARGS), 0);
	assert_int_equal(usdt_args_parse("8@(%rax,%rbx,4)", a, USDT_MAX_ARGS), -ENOTSUP);
	assert_int_equal(usdt_args_parse("8@%fs:8", a, USDT_MAX_ARGS), -ENOTSUP);
	assert_int_equal(usdt_args_parse("3@%eax", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("-9223372036854775808@%eax", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("4@", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("4@%", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("4@8(%rax", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("4@%eax,8@%rdi", a, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_args_parse("4@$1 4@$2", a, 1), -E2BIG);
}

/* Every spec the compiler wrote for the target parses, with the sizes the
 * source implies: (int, pointer) and (int, long, pointer). */
static void test_target_specs(void **state)
{
	struct usdt_note *notes;
	struct usdt_arg a[USDT_MAX_ARGS];
	int n = usdt_notes_read(target, &notes);

	(void)state;
	assert_int_equal(n, 2);
	assert_int_equal(usdt_args_parse(find(notes, n, "guarded")->args, a, USDT_MAX_ARGS), 2);
	assert_true(a[0].is_signed && a[0].size == 4 && !a[1].is_signed && a[1].size == 8);
	assert_int_equal(usdt_args_parse(find(notes, n, "plain")->args, a, USDT_MAX_ARGS), 3);
	assert_true(a[0].is_signed && a[0].size == 4 && a[1].is_signed && a[1].size == 8);
	assert_true(!a[2].is_signed && a[2].size == 8);
	free(notes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probes),	 cmocka_unit_test(test_prelink_adjustment),
	    cmocka_unit_test(test_errors),	 cmocka_unit_test(test_arg_specs),
	    cmocka_unit_test(test_target_specs),
	};

	return cmocka_run_group_tests_name("elfnotes", tests, setup, NULL);
}
