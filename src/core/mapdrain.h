/* Read-and-clear of a BPF hash map, for tools that print and reset kernel
 * counters every interval: every entry is read (key and raw value; for a
 * per-CPU map the caller passes value_size = possible CPUs x value), handed
 * to a callback, and the keys read are deleted afterwards, so counts made
 * while printing go to the next interval. */
#ifndef BPFSCOPE_MAPDRAIN_H
#define BPFSCOPE_MAPDRAIN_H

#include <stddef.h>

typedef void (*mapdrain_fn)(void *ctx, const void *key, const void *value);

/* Returns the number of entries visited, or a negative errno. */
int bpfmap_drain(int fd, size_t key_size, size_t value_size, int max_entries, mapdrain_fn fn,
		 void *ctx);
/* The same without deleting: a snapshot (core/serve publishers). */
int bpfmap_read(int fd, size_t key_size, size_t value_size, int max_entries, mapdrain_fn fn,
		void *ctx);

#endif
