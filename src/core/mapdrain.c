/* See mapdrain.h. */
#include "core/mapdrain.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static int visit(int fd, size_t key_size, size_t value_size, int max_entries, mapdrain_fn fn,
		 void *ctx, bool clear)
{
	char *keys = calloc(max_entries, key_size), *value = malloc(value_size);
	void *prev = NULL;
	int n = 0;

	if (!keys || !value) {
		free(keys);
		free(value);
		return -ENOMEM;
	}
	while (n < max_entries && !bpf_map_get_next_key(fd, prev, keys + n * key_size)) {
		prev = keys + n * key_size;
		if (bpf_map_lookup_elem(fd, prev, value))
			continue; /* deleted meanwhile; the slot is reused */
		fn(ctx, prev, value);
		n++;
	}
	for (int i = 0; clear && i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
	free(value);
	return n;
}

int bpfmap_drain(int fd, size_t key_size, size_t value_size, int max_entries, mapdrain_fn fn,
		 void *ctx)
{
	return visit(fd, key_size, value_size, max_entries, fn, ctx, true);
}

int bpfmap_read(int fd, size_t key_size, size_t value_size, int max_entries, mapdrain_fn fn,
		void *ctx)
{
	return visit(fd, key_size, value_size, max_entries, fn, ctx, false);
}
