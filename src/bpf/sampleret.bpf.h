/* Returns of calls whose entry --sample skipped (included by probe.bpf.c).
 * A return probe's entry that is sampled out records nothing, so its return
 * finds no entry; without this it would be counted as unpaired, which means
 * "attached mid-call" and hides real pairing problems. The entry adds one
 * to a per-thread, per-probe count of skipped frames; an unpaired return
 * with a count above zero takes one and is counted as a sampled-out return
 * (PSTAT_SAMPLED_RET) instead. */
#ifndef BPFSCOPE_SAMPLERET_BPF_H
#define BPFSCOPE_SAMPLERET_BPF_H

struct sampled_key {
	__u32 tid;
	__u32 probe;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sampled_key);
	__type(value, __u32);
} sampled_frames SEC(".maps");

static __always_inline void sampled_entry(__u32 probe)
{
	struct sampled_key k = { (__u32)bpf_get_current_pid_tgid(), probe };
	__u32 one = 1, *n = bpf_map_lookup_elem(&sampled_frames, &k);

	if (n)
		(*n)++;
	else
		bpf_map_update_elem(&sampled_frames, &k, &one, BPF_ANY);
}

/* An unpaired return: true when it belongs to a sampled-out entry. */
static __always_inline bool sampled_return(__u32 probe)
{
	struct sampled_key k = { (__u32)bpf_get_current_pid_tgid(), probe };
	__u32 *n = bpf_map_lookup_elem(&sampled_frames, &k);

	if (!n || !*n)
		return false;
	(*n)--;
	return true;
}

#endif
