/* pagefaults: the exceptions:page_fault_user tracepoint, counted per user +
 * kernel stack of the faulting thread, or (--by-file) per mapping of the
 * faulting address, found with bpf_find_vma in the kernel so nothing but
 * counts crosses to user space. */
#include "bpf/common.bpf.h"
#include "bpf/stacks.bpf.h"
#include "bpf/pagefaults.h"


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAGEFAULTS_MAX_KEYS);
	__type(key, struct stack_key);
	__type(value, struct stack_value);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAGEFAULTS_MAX_KEYS);
	__type(key, struct pagefault_file_key);
	__type(value, struct stack_value);
} file_counts SEC(".maps");

static long name_mapping(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct pagefault_file_key *key = data;
	struct file *file = BPF_CORE_READ(vma, vm_file);
	struct mm_struct *mm = BPF_CORE_READ(vma, vm_mm);
	__u64 start = BPF_CORE_READ(vma, vm_start), end = BPF_CORE_READ(vma, vm_end);
	__u64 stack = BPF_CORE_READ(mm, start_stack);

	if (file) {
		const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);

		if (bpf_probe_read_kernel_str(key->file, sizeof(key->file), name) < 0)
			stat_inc(STAT_ERRORS);
	} else if (start <= BPF_CORE_READ(mm, start_brk) && end >= BPF_CORE_READ(mm, brk)) {
		__builtin_memcpy(key->file, "[heap]", 7);
	} else if (start <= stack && stack < end) {
		__builtin_memcpy(key->file, "[stack]", 8);
	}
	return 0;
}

static __always_inline void count_by_file(__u64 address)
{
	/* on the stack: bpf_find_vma's callback context must be */
	struct pagefault_file_key key = {};

	__builtin_memcpy(key.file, "[anon]", 7);
	key.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (bpf_find_vma(bpf_get_current_task_btf(), address, name_mapping, &key, 0))
		__builtin_memcpy(key.file, "[unmapped]", 11);
	stacks_count(&file_counts, &key, 1);
}

SEC("tp/exceptions/page_fault_user")
int page_fault_user(struct trace_event_raw_exceptions *ctx)
{
	struct stack_key key = {};

	if (!filter_current())
		return 0;
	stacks_fill_key(ctx, &key);
	stacks_count(&counts, &key, 1);
	return 0;
}

/* --by-file: a program of its own, loaded only then, because a program that
 * references bpf_find_vma's callback does not load before Linux 5.17 */
SEC("tp/exceptions/page_fault_user")
int page_fault_user_by_file(struct trace_event_raw_exceptions *ctx)
{
	if (filter_current())
		count_by_file(ctx->address);
	return 0;
}
