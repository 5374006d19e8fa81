/* Executable file mappings of processes, kept after the processes are gone.
 *
 * A crash report is symbolized after the crashing process died, when
 * /proc/PID/maps no longer exists. This module keeps a snapshot per process:
 * the executable file mappings of /proc/PID/maps (start, end, file offset,
 * inode, path), read when a process is first watched and read again when
 * the kernel says its mappings changed (exec, executable mmap); a child
 * starts from its parent's snapshot (fork). Anonymous, non-executable and
 * pseudo ([vdso], [stack]) mappings are not kept: nothing to symbolize. */
#ifndef BPFSCOPE_PROCMAPS_H
#define BPFSCOPE_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmap {
	uint64_t start, end, pgoff; /* pgoff in bytes */
	uint64_t ino;
	char *path; /* " (deleted)" removed */
};

struct procmaps {
	struct procmap *v; /* sorted by start */
	size_t n;
};

/* Parses maps text; keeps executable file mappings. < 0 on out of memory. */
int procmaps_parse(const char *text, struct procmaps *out);
/* Reads /proc/PID/maps; < 0 (-errno) when the process is gone. */
int procmaps_read(pid_t pid, struct procmaps *out);
int procmaps_copy(const struct procmaps *from, struct procmaps *to);
/* Sorts by start address (after adding mappings by hand). */
void procmaps_sort(struct procmaps *m);
/* The mapping containing addr, or NULL (m sorted). */
const struct procmap *procmaps_find(const struct procmaps *m, uint64_t addr);
void procmaps_free(struct procmaps *m);

/* ---- snapshots of many processes ---- */
struct procmaps_store;

struct procmaps_store *procmaps_store__new(void);
/* Reads pid's maps now (exec, mmap, start); keeps the old snapshot when the
 * process is already gone. */
int procmaps_store__refresh(struct procmaps_store *st, pid_t pid);
/* child starts with parent's snapshot (or reads its own when there is none). */
int procmaps_store__fork(struct procmaps_store *st, pid_t child, pid_t parent);
/* NULL when pid was never seen. */
const struct procmaps *procmaps_store__get(const struct procmaps_store *st, pid_t pid);
void procmaps_store__forget(struct procmaps_store *st, pid_t pid);
/* Drops snapshots of processes that alive() said were gone at the previous
 * call too: a crash event still in flight finds its process's maps. */
void procmaps_store__prune(struct procmaps_store *st, bool (*alive)(pid_t pid));
size_t procmaps_store__count(const struct procmaps_store *st);
void procmaps_store__free(struct procmaps_store *st);

#endif
