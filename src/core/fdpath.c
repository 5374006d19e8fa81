/* See fdpath.h. The BPF side writes each dentry name (NUL-terminated) from
 * the file up to the root; here we find the component starts and emit them
 * in reverse. Nothing is trusted: used is clamped and unterminated tails are
 * dropped. */
#include "core/fdpath.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

char fdpath_type(const struct fdpath *p)
{
	switch (p->mode & S_IFMT) {
	case S_IFREG: return 'R';
	case S_IFIFO: return 'F';
	case S_IFSOCK: return 'S';
	case S_IFDIR: return 'D';
	case S_IFCHR: return 'C';
	case S_IFBLK: return 'B';
	default: return '?';
	}
}

static const char *nameless(const struct fdpath *p)
{
	switch (fdpath_type(p)) {
	case 'F': return "[pipe]";
	case 'S': return "[socket]";
	default: return p->mode ? "[anon]" : "";
	}
}

void fdpath_format(const struct fdpath *p, char *out, size_t len)
{
	const char *starts[FDPATH_DEPTH];
	size_t used = p->used < FDPATH_BUF ? p->used : FDPATH_BUF, off = 0, pos = 0;
	int n = 0;

	if (!len)
		return;
	out[0] = 0;
	while (off < used && n < FDPATH_DEPTH) {
		size_t clen = strnlen(p->comps + off, used - off);

		if (off + clen >= used)
			break; /* unterminated tail */
		starts[n++] = p->comps + off;
		off += clen + 1;
	}
	if (!n) {
		snprintf(out, len, "%s", nameless(p));
		return;
	}
	if (p->truncated)
		pos = snprintf(out, len, "...");
	while (n-- > 0 && pos < len)
		pos += snprintf(out + pos, len - pos, "/%s", starts[n]);
}
