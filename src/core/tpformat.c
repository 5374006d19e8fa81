/* Tracepoint format files (see tpformat.h).
 *
 * The kernel writes one line per field:
 *   \tfield:<declaration>;\toffset:<n>;\tsize:<n>;\tsigned:<0|1>;
 * where the declaration is C: "pid_t prev_pid", "char prev_comm[16]",
 * "const char * name", "__data_loc char[] filename" (a u32 holding
 * length << 16 | offset of a dynamic array in the record), or "__rel_loc"
 * (the same, offset relative to the end of the field). The field name is the
 * last identifier before an optional "[N]"; everything before it is the
 * type, and an array suffix moves onto the type ("char[16]") so the type
 * column reads as one C type. "common_*" fields (type, flags, preempt
 * count, pid) are the same in every event and are left out. A line that
 * does not parse makes the whole format invalid (-EINVAL) rather than
 * silently dropping a field; more than TPFORMAT_MAX_FIELDS is -E2BIG. */
#include "core/tpformat.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tracefs.h"

#define FORMAT_MAX (64 * 1024)

/* Reads "key:<unsigned>;" at *p; advances past the ';'. */
static bool read_number(const char **p, const char *key, unsigned *out)
{
	size_t klen = strlen(key);
	char *end;
	unsigned long v;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (strncmp(*p, key, klen) || (*p)[klen] != ':' || !isdigit((unsigned char)(*p)[klen + 1]))
		return false;
	v = strtoul(*p + klen + 1, &end, 10);
	if (*end != ';' || v > UINT_MAX)
		return false;
	*out = (unsigned)v;
	*p = end + 1;
	return true;
}

static void trim_right(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Splits "const char * name[16]" into type "const char *[16]", name, array. */
static bool split_decl(char *decl, struct tp_field *f)
{
	char *bracket = strchr(decl, '['), *end, *start;
	char suffix[24] = "";
	size_t dlen, slen;

	trim_right(decl);
	end = decl + strlen(decl);
	/* "__data_loc char[] name": the brackets belong to the type */
	if (bracket && end[-1] == ']') {
		char *open = strrchr(decl, '[');
		unsigned long n = strtoul(open + 1, NULL, 10);

		if (open[1] != ']' && (!isdigit((unsigned char)open[1]) || n > 1u << 20))
			return false;
		f->array_len = (unsigned)n;
		snprintf(suffix, sizeof(suffix), "%.*s", (int)(end - open), open);
		end = open;
	}
	start = end;
	while (start > decl && is_ident(start[-1]))
		start--;
	if (start == end || start == decl || (size_t)(end - start) >= sizeof(f->name))
		return false;
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(end - start), start);
	*start = '\0';
	trim_right(decl);
	dlen = strlen(decl);
	slen = strlen(suffix);
	if (!dlen || dlen + slen >= sizeof(f->type))
		return false;
	memcpy(f->type, decl, dlen);
	memcpy(f->type + dlen, suffix, slen + 1);
	return true;
}

static bool is_char_type(const char *type)
{
	const char *base = strncmp(type, "__data_loc ", 11) ? type : type + 11;

	/* unsigned char / u8 arrays are bytes (addresses, keys), not text */
	return !strncmp(base, "char[", 5);
}

/* Parses the text after "field:" up to the end of the line. */
static bool parse_field(const char *line, struct tp_field *f)
{
	const char *semi = strchr(line, ';'), *p;
	char decl[sizeof(f->type) + sizeof(f->name) + 32];
	unsigned is_signed;

	if (!semi || (size_t)(semi - line) >= sizeof(decl))
		return false;
	memset(f, 0, sizeof(*f));
	snprintf(decl, sizeof(decl), "%.*s", (int)(semi - line), line);
	if (!split_decl(decl, f))
		return false;
	p = semi + 1;
	if (!read_number(&p, "offset", &f->offset) || !read_number(&p, "size", &f->size) ||
	    !read_number(&p, "signed", &is_signed) || is_signed > 1)
		return false;
	f->is_signed = is_signed;
	f->is_data_loc = !strncmp(f->type, "__data_loc ", 11);
	f->is_string = is_char_type(f->type);
	if (f->is_data_loc)
		f->array_len = 0;
	return true;
}

/* Handles one line; < 0 on error. */
static int parse_line(const char *line, struct tp_format *out)
{
	const char *p = line;
	struct tp_field field;
	long long id;
	char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "name: ", 6)) {
		snprintf(out->name, sizeof(out->name), "%.*s", (int)strcspn(p + 6, "\n"), p + 6);
	} else if (!strncmp(p, "ID: ", 4)) {
		id = strtoll(p + 4, &end, 10);
		if (end == p + 4 || id < 0 || id > INT_MAX)
			return -EINVAL;
		out->id = (int)id;
	} else if (!strncmp(p, "field:", 6)) {
		if (!parse_field(p + 6, &field))
			return -EINVAL;
		if (!strncmp(field.name, "common_", 7))
			return 0;
		if (out->nfields == TPFORMAT_MAX_FIELDS)
			return -E2BIG;
		out->fields[out->nfields++] = field;
	}
	return 0;
}

int tpformat_parse(const char *text, struct tp_format *out)
{
	char line[1024];
	const char *p = text;
	bool in_format = false, saw_print = false;
	int err;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	while (*p && !saw_print) {
		size_t n = strcspn(p, "\n");

		if (n >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		if (!strncmp(line, "format:", 7))
			in_format = true;
		saw_print = !strncmp(line, "print fmt:", 10);
		if (!saw_print && (err = parse_line(line, out)))
			return err;
	}
	return in_format && out->id >= 0 && out->name[0] ? 0 : -EINVAL;
}

int tpformat_load(const char *category, const char *name, struct tp_format *out)
{
	const char *root = tracefs_root();
	char path[PATH_MAX], *text;
	size_t len;
	FILE *f;
	int err;

	if (!root)
		return -ENOENT;
	if (strchr(category, '/') || strchr(name, '/') || !strcmp(category, "..") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, category, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	text = malloc(FORMAT_MAX + 1);
	len = text ? fread(text, 1, FORMAT_MAX, f) : 0;
	fclose(f);
	if (!text)
		return -ENOMEM;
	text[len] = '\0';
	err = tpformat_parse(text, out);
	free(text);
	if (!err)
		snprintf(out->category, sizeof(out->category), "%s", category);
	return err;
}

const struct tp_field *tpformat_field(const struct tp_format *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}
