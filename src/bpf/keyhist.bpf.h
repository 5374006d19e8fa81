/* Kernel side of keyed histograms (bpf/keyhist.h): declare the map with
 * KEYHIST_MAP(name) and get a key's histogram with keyhist_get(), which
 * creates it on first use and counts a full map as an error. */
#ifndef BPFSCOPE_KEYHIST_BPF_H
#define BPFSCOPE_KEYHIST_BPF_H

#include "bpf/hist.bpf.h"
#include "bpf/keyhist.h"

#define KEYHIST_MAP(name)                                                                          \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);                                            \
		__uint(max_entries, KEYHIST_MAX_KEYS);                                             \
		__type(key, __u32);                                                                \
		__type(value, struct keyed_hist);                                                  \
	} name SEC(".maps")

static const struct keyed_hist keyhist_empty = {};

static __always_inline struct keyed_hist *keyhist_get(void *map, __u32 key)
{
	struct keyed_hist *h = map_lookup_or_create(map, &key, &keyhist_empty);

	if (!h)
		stat_inc(STAT_ERRORS);
	return h;
}

/* Linear slot: value clamped to the last slot. */
static __always_inline void keyhist_add_linear(struct keyed_hist *h, __u64 v)
{
	__u32 slot = v < HIST_SLOTS ? v : HIST_SLOTS - 1;

	h->hist.slots[slot]++;
}

#endif
