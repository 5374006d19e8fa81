/* USDT notes (see elfnotes.h).
 *
 * <sys/sdt.h> records each probe as an ELF note in section .note.stapsdt:
 * owner "stapsdt", type 3, and a descriptor of three addresses (probe site,
 * the link-time address of section .stapsdt.base, the semaphore or 0) in
 * the ELF class's word size, followed by three NUL-terminated strings:
 * provider, name, argument spec. Prelink may have moved the binary after
 * the notes were written; then the actual address of .stapsdt.base differs
 * from the one recorded, and the same difference applies to the probe site
 * and the semaphore (both were link-time addresses in the same image).
 * Notes whose strings overrun the descriptor are skipped, so a corrupt
 * binary yields fewer probes, never a crash. */
#include "core/elfnotes.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT_STAPSDT 3

struct note_list {
	struct usdt_note *v;
	size_t n, cap;
};

static int list_push(struct note_list *l, const struct usdt_note *note)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct usdt_note *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *note;
	return 0;
}

static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *sname;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, shdr))
			continue;
		sname = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (sname && !strcmp(sname, name))
			return scn;
	}
	return NULL;
}

static uint64_t read_word(const unsigned char *p, unsigned size)
{
	uint32_t w32;
	uint64_t w64;

	if (size == 4) {
		memcpy(&w32, p, 4);
		return w32;
	}
	memcpy(&w64, p, 8);
	return w64;
}

/* Copies the next NUL-terminated string of desc[*at..size) into dst. */
static bool take_string(const char *desc, size_t size, size_t *at, char *dst, size_t dst_len)
{
	const char *end = *at < size ? memchr(desc + *at, '\0', size - *at) : NULL;

	if (!end)
		return false;
	snprintf(dst, dst_len, "%s", desc + *at);
	*at = (size_t)(end - desc) + 1;
	return true;
}

/* Parses one descriptor; false when it is malformed. */
static bool parse_desc(const char *desc, size_t size, unsigned word, struct usdt_note *out)
{
	size_t at = 3 * (size_t)word;

	if (size < at)
		return false;
	memset(out, 0, sizeof(*out));
	out->pc = read_word((const unsigned char *)desc, word);
	out->base = read_word((const unsigned char *)desc + word, word);
	out->semaphore = read_word((const unsigned char *)desc + 2 * word, word);
	return take_string(desc, size, &at, out->provider, sizeof(out->provider)) &&
	       take_string(desc, size, &at, out->name, sizeof(out->name)) &&
	       take_string(desc, size, &at, out->args, sizeof(out->args));
}

static int read_notes(Elf *elf, Elf_Scn *scn, unsigned word, bool has_base, uint64_t base_addr,
		      struct note_list *list)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nhdr;
	struct usdt_note note;

	(void)elf;
	while (data && (next = gelf_getnote(data, off, &nhdr, &name_off, &desc_off))) {
		const char *d = data->d_buf;

		off = next;
		if (nhdr.n_type != NT_STAPSDT || nhdr.n_namesz != 8 ||
		    memcmp(d + name_off, "stapsdt", 8))
			continue;
		if (!parse_desc(d + desc_off, nhdr.n_descsz, word, &note))
			continue;
		if (has_base && note.base) {
			note.pc += base_addr - note.base;
			if (note.semaphore)
				note.semaphore += base_addr - note.base;
		}
		if (list_push(list, &note))
			return -ENOMEM;
	}
	return 0;
}

int usdt_notes_read(const char *path, struct usdt_note **out)
{
	struct note_list list = {0};
	GElf_Shdr shdr, base_shdr;
	Elf_Scn *scn, *base;
	int fd, err = 0;
	unsigned word;
	Elf *elf;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	word = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	base = section_named(elf, ".stapsdt.base", &base_shdr);
	scn = section_named(elf, ".note.stapsdt", &shdr);
	if (scn && shdr.sh_type == SHT_NOTE)
		err = read_notes(elf, scn, word, base != NULL, base ? base_shdr.sh_addr : 0, &list);
out:
	elf_end(elf);
	close(fd);
	if (err) {
		free(list.v);
		return err;
	}
	*out = list.v;
	return (int)list.n;
}

/* ---- argument specs ----
 *
 * Each argument is "[-]SIZE@OPERAND" with SIZE 1, 2, 4 or 8 (negative:
 * signed) and an AT&T operand: "%reg", "$imm", "disp(%reg)" or "(%reg)".
 * Arguments are separated by spaces. Indexed ("(%rax,%rbx,4)") and
 * segment ("%fs:8") operands exist in the wild but are rare; they are
 * reported as unsupported rather than misread. */

static bool parse_reg(const char **p, char *reg, size_t len)
{
	size_t n = 0;

	if (**p != '%')
		return false;
	(*p)++;
	while ((**p >= 'a' && **p <= 'z') || (**p >= '0' && **p <= '9')) {
		if (n + 1 >= len)
			return false;
		reg[n++] = *(*p)++;
	}
	reg[n] = '\0';
	return n > 0;
}

static bool parse_i64(const char **p, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 0);
	if (end == *p || errno)
		return false;
	*p = end;
	return true;
}

static int parse_operand(const char **p, struct usdt_arg *a)
{
	if (**p == '$') {
		(*p)++;
		a->kind = USDT_ARG_CONST;
		return parse_i64(p, &a->value) ? 0 : -EINVAL;
	}
	if (**p == '%') {
		a->kind = USDT_ARG_REG;
		if (!parse_reg(p, a->reg, sizeof(a->reg)))
			return -EINVAL;
		return **p == ':' ? -ENOTSUP : 0;
	}
	a->kind = USDT_ARG_MEM;
	if (**p != '(' && !parse_i64(p, &a->value))
		return -EINVAL;
	if (*(*p)++ != '(' || !parse_reg(p, a->reg, sizeof(a->reg)))
		return -EINVAL;
	if (**p == ',')
		return -ENOTSUP;
	return *(*p)++ == ')' ? 0 : -EINVAL;
}

static int parse_arg(const char **p, struct usdt_arg *a)
{
	int64_t size;

	memset(a, 0, sizeof(*a));
	if (!parse_i64(p, &size) || *(*p)++ != '@' || size < -8 || size > 8)
		return -EINVAL;
	a->is_signed = size < 0;
	a->size = (unsigned)(size < 0 ? -size : size);
	if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
		return -EINVAL;
	return parse_operand(p, a);
}

int usdt_args_parse(const char *spec, struct usdt_arg *out, int max)
{
	const char *p = spec;
	int n = 0, err;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return n;
		if (n == max)
			return -E2BIG;
		err = parse_arg(&p, &out[n]);
		if (err)
			return err;
		if (*p && *p != ' ')
			return -EINVAL;
		n++;
	}
}
