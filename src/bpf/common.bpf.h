/* Kernel-side runtime shared by every bpfscope BPF program: target filter,
 * loss accounting, and ring-buffer output without per-event wakeups.
 *
 * Wakeups: waking the consumer on every event makes a traced call much
 * slower (measured 2.5x on a uprobe), so events are submitted with
 * BPF_RB_NO_WAKEUP and user space drains the ring every 10 ms; only when the
 * ring is more than a quarter full do we force a wakeup so a burst cannot
 * overflow it between two drains. */
#ifndef BPFSCOPE_COMMON_BPF_H
#define BPFSCOPE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/common.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct filter_cfg filter = {};
const volatile __u64 events_wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Allowed cgroup ids (value unused) for filter.cgroup_set, filled by user
 * space between load and attach (src/core/session.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CGROUP_ALLOW_MAX);
	__type(key, __u64);
	__type(value, __u8);
} cgroup_allow SEC(".maps");

/* struct cgroup kept ancestor ids until 6.1, then ancestor pointers. */
struct cgroup___ids {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

static __always_inline __u64 cgroup_ancestor_id(struct cgroup *cg, int level)
{
	struct cgroup *anc = NULL;
	__u64 id = 0;

	if (bpf_core_field_exists(cg->ancestors)) {
		bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level]);
		return anc ? BPF_CORE_READ(anc, kn, id) : 0;
	}
	bpf_core_read(&id, sizeof(id), &((struct cgroup___ids *)cg)->ancestor_ids[level]);
	return id;
}

/* Is this cgroup v2 (or an ancestor) allowed by the target filter? */
static __always_inline bool filter_cgroup(struct cgroup *cg)
{
	int level;

	if (filter.cgroup_id && BPF_CORE_READ(cg, kn, id) != filter.cgroup_id)
		return false;
	if (!filter.cgroup_set)
		return true;
	level = BPF_CORE_READ(cg, level);
	for (int i = 0; i <= CGROUP_MAX_LEVEL; i++) {
		__u64 id;

		if (i < filter.cgroup_min_level)
			continue;
		if (i > filter.cgroup_max_level || i > level)
			break;
		id = cgroup_ancestor_id(cg, i);
		if (id && bpf_map_lookup_elem(&cgroup_allow, &id))
			return true;
	}
	return false;
}

static __always_inline bool filter_current_cgroup_set(void)
{
	for (int i = 0; i <= CGROUP_MAX_LEVEL; i++) {
		__u64 id;

		if (i < filter.cgroup_min_level)
			continue;
		if (i > filter.cgroup_max_level)
			break;
		id = bpf_get_current_ancestor_cgroup_id(i);
		if (!id)
			break;
		if (bpf_map_lookup_elem(&cgroup_allow, &id))
			return true;
	}
	return false;
}

static __always_inline void stat_inc(__u32 index)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &index);

	if (v)
		(*v)++;
}

/* The value of key in a hash map, created from *empty (zeroes, on the
 * stack or in a map value) when missing; another CPU creating it first is
 * fine (EEXIST). NULL when it is missing and the map is full. */
static __always_inline void *map_lookup_or_create(void *map, const void *key, const void *empty)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, empty, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != filter.comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Filter on a task (the one woken, the one exiting, ...). */
static __always_inline bool filter_task(struct task_struct *task)
{
	char comm[TASK_COMM_LEN];

	if (filter.tgid && BPF_CORE_READ(task, tgid) != filter.tgid)
		return false;
	if ((filter.cgroup_id || filter.cgroup_set) &&
	    !filter_cgroup(BPF_CORE_READ(task, cgroups, dfl_cgrp)))
		return false;
	if (filter.has_comm) {
		BPF_CORE_READ_STR_INTO(&comm, task, comm);
		return comm_matches(comm);
	}
	return true;
}

/* Filter on the current task: cheaper, no task_struct walk. */
static __always_inline bool filter_current(void)
{
	char comm[TASK_COMM_LEN];

	if (filter.tgid && (bpf_get_current_pid_tgid() >> 32) != filter.tgid)
		return false;
	if (filter.cgroup_id && bpf_get_current_cgroup_id() != filter.cgroup_id)
		return false;
	if (filter.cgroup_set && !filter_current_cgroup_set())
		return false;
	if (filter.has_comm) {
		bpf_get_current_comm(&comm, sizeof(comm));
		return comm_matches(comm);
	}
	return true;
}

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > events_wakeup_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* Reserve an event; a full ring is counted, never silent. */
static __always_inline void *event_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		stat_inc(STAT_DROPS);
	return e;
}

static __always_inline void event_submit(void *e)
{
	stat_inc(STAT_EVENTS);
	bpf_ringbuf_submit(e, wakeup_flags());
}

/* Copy a variable-size record (size bounded by the caller) into the ring. */
static __always_inline void event_output(const void *data, __u64 size)
{
	if (bpf_ringbuf_output(&events, (void *)data, size, wakeup_flags()))
		stat_inc(STAT_DROPS);
	else
		stat_inc(STAT_EVENTS);
}

#endif
