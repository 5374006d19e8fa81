/* Kernel side of stack capture (see src/core/stacks.h for the user side).
 *
 * Stacks go into one BPF_MAP_TYPE_STACK_TRACE map, "stack_traces", shared by
 * all programs of a tool; a sample keeps only the two ids (user, kernel).
 * bpf_get_stackid() fails in two kinds of ways:
 *   -EFAULT: there is no such stack (a sample taken in user mode has no
 *            kernel stack; a kernel thread has no user stack): STACKS_NONE,
 *            not an error;
 *   anything else (-EEXIST: a hash collision, -ENOMEM: map full): a stack
 *            lost, counted in STAT_ERRORS and reported at exit.
 * stacks_note_pid() sends one record per new process on the events ring so
 * that user space reads /proc/PID/maps while the process lives. */
#ifndef BPFSCOPE_STACKS_BPF_H
#define BPFSCOPE_STACKS_BPF_H

#include "bpf/stacks.h"

#define EFAULT 14

const volatile bool stacks_user = true;
const volatile bool stacks_kernel = true;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__uint(value_size, STACKS_MAX_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} stacks_seen SEC(".maps");

static __always_inline __s32 stacks_get(void *ctx, __u64 flags)
{
	long id = bpf_get_stackid(ctx, &stack_traces, flags);

	if (id >= 0)
		return id;
	if (id != -EFAULT)
		stat_inc(STAT_ERRORS);
	return STACKS_NONE;
}

static __always_inline void stacks_note_pid(__u32 pid)
{
	struct stacks_pid_event e = { pid };
	__u8 one = 1;

	if (bpf_map_update_elem(&stacks_seen, &pid, &one, BPF_NOEXIST) == 0)
		event_output(&e, sizeof(e));
}

/* Fills key with the current task's identity and stacks. */
static __always_inline void stacks_fill_key(void *ctx, struct stack_key *key)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	bool has_user = BPF_CORE_READ(task, mm) != NULL;

	key->pid = bpf_get_current_pid_tgid() >> 32;
	key->user_stack_id = STACKS_NONE;
	key->kernel_stack_id = STACKS_NONE;
	key->pad = 0;
	if (stacks_user && has_user)
		key->user_stack_id = stacks_get(ctx, BPF_F_USER_STACK);
	if (stacks_kernel)
		key->kernel_stack_id = stacks_get(ctx, 0);
	bpf_get_current_comm(&key->comm, sizeof(key->comm));
	if (has_user)
		stacks_note_pid(key->pid);
}

/* Adds delta to the value of key (and 1 to its count) in a hash map of
 * struct stack_value. A full map is counted as an error. */
static __always_inline void stacks_count(void *map, const void *key, __u64 delta)
{
	struct stack_value zero = {}, *v = map_lookup_or_create(map, key, &zero);

	if (!v) {
		stat_inc(STAT_ERRORS);
		return;
	}
	__sync_fetch_and_add(&v->value, delta);
	__sync_fetch_and_add(&v->count, 1);
}

#endif
