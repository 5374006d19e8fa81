/* Fallbacks for kernels without the preferred mechanisms (Debian 11's
 * 5.10), chosen at run time by user space from the feature table
 * (core/features.h) and written into .rodata before load: the verifier sees
 * constants and never walks the branch this kernel cannot run.
 *
 * Thread-local values. Task-local storage (5.11+) needs no key and goes away
 * with its thread. Without it the same value lives in an LRU hash keyed by
 * pid_tgid: THREAD_LOCAL declares both maps, thread_local_get() picks one by
 * compat_thread_hash. User space does not create the map it does not use
 * (libbpf then poisons the dead branch's reference). Whoever declares a
 * THREAD_LOCAL deletes its hash entries when threads exit (they know what a
 * value left behind means and count it); LRU eviction bounds what an exit
 * that was missed (a thread that ended before attach) leaves behind.
 *
 * Loops. bpf_loop (5.17+) verifies its callback once. Before it, a loop the
 * verifier bounds (5.3+) has its body walked once per iteration, so its
 * complexity limit caps the number of iterations: COMPAT_LOOP(n, cb, arg)
 * calls cb(i, arg) for i below n until cb returns non-zero, with n a value
 * the verifier knows (a .rodata constant). A program that names a bpf_loop
 * callback cannot load on 5.10 even when the call is never reached (the
 * callback's address is an instruction that kernel rejects up front), so
 * the two loops live in different programs, chosen at compile time. */
#ifndef BPFSCOPE_COMPAT_BPF_H
#define BPFSCOPE_COMPAT_BPF_H

/* no task-local storage: THREAD_LOCAL values live in their hash */
const volatile bool compat_thread_hash = false;

#define THREAD_LOCAL(name, value_type, max_threads)                                                \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);                                           \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                              \
		__type(key, int);                                                                  \
		__type(value, value_type);                                                         \
	} name SEC(".maps");                                                                       \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                                               \
		__uint(max_entries, max_threads);                                                  \
		__type(key, __u64);                                                                \
		__type(value, value_type);                                                         \
	} name##_by_thread SEC(".maps")

/* The current thread's value in a hash keyed by pid_tgid; created from
 * empty (a zeroed value) when create is set. NULL when absent or full. */
static __always_inline void *thread_hash_get(void *map, bool create, const void *empty)
{
	__u64 key = bpf_get_current_pid_tgid();

	return create ? map_lookup_or_create(map, &key, empty) : bpf_map_lookup_elem(map, &key);
}

/* The current thread's value of THREAD_LOCAL name. */
#define thread_local_get(name, create, empty)                                                      \
	(compat_thread_hash                                                                        \
		 ? thread_hash_get(&name##_by_thread, create, empty)                               \
		 : bpf_task_storage_get(&name, bpf_get_current_task_btf(), 0,                      \
					(create) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0))

/* Deletes the exiting thread's hash entry (from sched_process_exit). */
#define thread_local_exit(name)                                                                    \
	do {                                                                                       \
		__u64 key = bpf_get_current_pid_tgid();                                            \
		bpf_map_delete_elem(&name##_by_thread, &key);                                      \
	} while (0)

#define COMPAT_LOOP(n, cb, arg)                                                                    \
	do {                                                                                       \
		for (__u32 i_ = 0; i_ < (n); i_++)                                                 \
			if (cb(i_, arg))                                                           \
				break;                                                             \
	} while (0)

#endif
