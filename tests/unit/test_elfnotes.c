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
		uint64_t pair[2] = { orig[i].pc, orig[i].base };
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
		assert_int_equal(moved[i].semaphore, orig[i].semaphore ? orig[i].semaphore + 0x100 : 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_prelink_adjustment),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("elfnotes", tests, setup, NULL);
}
