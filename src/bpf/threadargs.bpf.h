/* Syscall arguments kept per thread from sys_enter to sys_exit (tracepoints
 * give the result only at exit, the arguments only at entry). Declare the
 * map with THREAD_ARGS_MAP(name, struct x); entry saves (after the target
 * filter), exit takes the record and drops it when done. */
#ifndef BPFSCOPE_THREADARGS_BPF_H
#define BPFSCOPE_THREADARGS_BPF_H

#define THREAD_ARGS_MAP(name, value_type)                                                          \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 10240);                                                        \
		__type(key, __u32);                                                                \
		__type(value, value_type);                                                         \
	} name SEC(".maps")

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* Saves args for the current thread when it passes the target filter. */
static __always_inline void thread_args_save(void *map, const void *args)
{
	__u32 tid = current_tid();

	if (filter_current())
		bpf_map_update_elem(map, &tid, args, BPF_ANY);
}

/* The current thread's saved args, or NULL. */
static __always_inline void *thread_args_get(void *map)
{
	__u32 tid = current_tid();

	return bpf_map_lookup_elem(map, &tid);
}

static __always_inline void thread_args_drop(void *map)
{
	__u32 tid = current_tid();

	bpf_map_delete_elem(map, &tid);
}

#endif
