/* See procmaps.h. The store is a small open hash by pid; a snapshot is
 * replaced whole on refresh, so a reader never sees a half-read one. */
#include "core/procmaps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "start-end perms offset dev inode path" with 'x' in perms and a path. */
static int parse_line(const char *line, struct procmap *m)
{
	static const char deleted[] = " (deleted)";
	char perms[5];
	size_t len;
	int pos = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*s %" SCNu64 " %n", &m->start,
		   &m->end, perms, &m->pgoff, &m->ino, &pos) != 5 ||
	    !pos || strlen(perms) < 3 || perms[2] != 'x' || line[pos] != '/' || m->end <= m->start)
		return 0;
	len = strcspn(line + pos, "\n");
	if (len > sizeof(deleted) - 1 &&
	    !strncmp(line + pos + len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1))
		len -= sizeof(deleted) - 1;
	m->path = strndup(line + pos, len);
	return m->path ? 1 : -ENOMEM;
}

static int by_start(const void *a, const void *b)
{
	const struct procmap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int push(struct procmaps *out, size_t *cap, const struct procmap *m)
{
	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct procmap *v = realloc(out->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		*cap = ncap;
	}
	out->v[out->n++] = *m;
	return 0;
}

int procmaps_parse(const char *text, struct procmaps *out)
{
	size_t cap = 0;
	int r = 0;

	out->v = NULL;
	out->n = 0;
	for (const char *line = text; line && *line && r >= 0;) {
		struct procmap m = {0};
		const char *nl = strchr(line, '\n');

		r = parse_line(line, &m);
		if (r > 0 && (r = push(out, &cap, &m)) < 0)
			free(m.path);
		line = nl ? nl + 1 : NULL;
	}
	if (r < 0) {
		procmaps_free(out);
		return r;
	}
	procmaps_sort(out);
	return 0;
}

void procmaps_sort(struct procmaps *m)
{
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), by_start);
}

int procmaps_read(pid_t pid, struct procmaps *out)
{
	char path[64], *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	if (!text)
		return -ESRCH; /* an exited process has an empty maps file */
	err = procmaps_parse(text, out);
	free(text);
	return err;
}

int procmaps_copy(const struct procmaps *from, struct procmaps *to)
{
	to->n = 0;
	to->v = from->n ? calloc(from->n, sizeof(*to->v)) : NULL;
	if (from->n && !to->v)
		return -ENOMEM;
	for (size_t i = 0; i < from->n; i++) {
		to->v[i] = from->v[i];
		to->v[i].path = strdup(from->v[i].path);
		to->n++;
		if (!to->v[i].path) {
			procmaps_free(to);
			return -ENOMEM;
		}
	}
	return 0;
}

const struct procmap *procmaps_find(const struct procmaps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

void procmaps_free(struct procmaps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* ---- store ---- */

#define STORE_BUCKETS 256

struct snap {
	pid_t pid;
	bool gone; /* found gone by the last prune */
	struct procmaps maps;
	struct snap *next;
};

struct procmaps_store {
	struct snap *buckets[STORE_BUCKETS];
	size_t count;
};

struct procmaps_store *procmaps_store__new(void)
{
	return calloc(1, sizeof(struct procmaps_store));
}

static struct snap **slot(const struct procmaps_store *st, pid_t pid)
{
	struct snap *const *p = &st->buckets[(unsigned)pid % STORE_BUCKETS];

	while (*p && (*p)->pid != pid)
		p = &(*p)->next;
	return (struct snap **)p;
}

/* Replaces (or adds) pid's snapshot; takes ownership of maps. */
static int store_put(struct procmaps_store *st, pid_t pid, struct procmaps *maps)
{
	struct snap **p = slot(st, pid);

	if (*p) {
		procmaps_free(&(*p)->maps);
		(*p)->maps = *maps;
		(*p)->gone = false;
		return 0;
	}
	*p = calloc(1, sizeof(**p));
	if (!*p) {
		procmaps_free(maps);
		return -ENOMEM;
	}
	(*p)->pid = pid;
	(*p)->maps = *maps;
	st->count++;
	return 0;
}

int procmaps_store__refresh(struct procmaps_store *st, pid_t pid)
{
	struct procmaps maps;
	int err = procmaps_read(pid, &maps);

	return err ? err : store_put(st, pid, &maps);
}

int procmaps_store__fork(struct procmaps_store *st, pid_t child, pid_t parent)
{
	const struct procmaps *from = procmaps_store__get(st, parent);
	struct procmaps maps;
	int err;

	if (!from)
		return procmaps_store__refresh(st, child);
	err = procmaps_copy(from, &maps);
	return err ? err : store_put(st, child, &maps);
}

const struct procmaps *procmaps_store__get(const struct procmaps_store *st, pid_t pid)
{
	struct snap *s = *slot(st, pid);

	return s ? &s->maps : NULL;
}

void procmaps_store__forget(struct procmaps_store *st, pid_t pid)
{
	struct snap **p = slot(st, pid), *s = *p;

	if (!s)
		return;
	*p = s->next;
	procmaps_free(&s->maps);
	free(s);
	st->count--;
}

void procmaps_store__prune(struct procmaps_store *st, bool (*alive)(pid_t pid))
{
	for (int i = 0; i < STORE_BUCKETS; i++)
		for (struct snap **p = &st->buckets[i]; *p;) {
			struct snap *s = *p;

			if (alive(s->pid)) {
				s->gone = false;
			} else if (!s->gone) {
				s->gone = true;
			} else {
				*p = s->next;
				procmaps_free(&s->maps);
				free(s);
				st->count--;
				continue;
			}
			p = &s->next;
		}
}

size_t procmaps_store__count(const struct procmaps_store *st)
{
	return st->count;
}

void procmaps_store__free(struct procmaps_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < STORE_BUCKETS; i++)
		while (st->buckets[i]) {
			struct snap *s = st->buckets[i];

			st->buckets[i] = s->next;
			procmaps_free(&s->maps);
			free(s);
		}
	free(st);
}
