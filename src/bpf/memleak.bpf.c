/* memleak: uprobes on the allocator entry points of one process's libc.
 *
 * Entry: the requested size and the caller's stacks are kept per thread.
 * Return: the returned address becomes a key of "allocs" (outstanding
 * allocations); free/munmap/realloc delete it. User space sums "allocs" per
 * stack. The allocator calls itself (realloc(NULL, n) is malloc; a large
 * malloc calls mmap), so a thread's pending entry counts nesting depth and
 * only the outermost call is recorded: a 1 MiB malloc is one allocation,
 * not a malloc plus an mmap.
 *
 * At a function's first instruction the frame-pointer walk cannot see the
 * immediate caller (its return address is on top of the stack, not in a
 * frame yet), so the word at the stack pointer is kept as key.user_caller. */
#include "bpf/common.bpf.h"
#include "bpf/stacks.bpf.h"
#include "bpf/memleak.h"

const volatile __u64 min_size = 0;
const volatile __u64 max_size = ~0ULL;

struct pending {
	__u64 size;
	__u64 memptr; /* posix_memalign: where the address will be written */
	__u32 depth;  /* nested allocator calls below the outermost one */
	__u32 pad;
	struct stack_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMLEAK_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct pending);
} pendings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMLEAK_MAX_ALLOCS);
	__type(key, __u64);
	__type(value, struct memleak_alloc);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending);
} scratch SEC(".maps");

static __always_inline int enter(struct pt_regs *ctx, __u64 size, __u64 memptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct pending *p = bpf_map_lookup_elem(&pendings, &tid);

	if (p) {
		p->depth++;
		return 0;
	}
	if (!filter_current() || !(p = bpf_map_lookup_elem(&scratch, &zero)))
		return 0;
	p->size = size;
	p->memptr = memptr;
	p->depth = 0;
	stacks_fill_key(ctx, &p->key);
	if (bpf_probe_read_user(&p->key.user_caller, sizeof(__u64), (void *)PT_REGS_SP(ctx)))
		p->key.user_caller = 0;
	if (bpf_map_update_elem(&pendings, &tid, p, BPF_ANY))
		stat_inc(STAT_ERRORS);
	return 0;
}

static __always_inline void record(const struct pending *p, __u64 addr)
{
	struct memleak_alloc a = { p->size, bpf_ktime_get_ns() };

	if (!addr || addr == ~0ULL || p->size < min_size || p->size > max_size)
		return;
	a.key = p->key;
	if (bpf_map_update_elem(&allocs, &addr, &a, BPF_ANY))
		stat_inc(STAT_ERRORS);
}

/* The outermost call's pending entry, consumed; NULL for nested returns. */
static __always_inline struct pending *leave(__u32 tid)
{
	struct pending *p = bpf_map_lookup_elem(&pendings, &tid);

	if (!p)
		return NULL;
	if (p->depth) {
		p->depth--;
		return NULL;
	}
	return p;
}

static __always_inline int forget(__u64 addr)
{
	if (addr && filter_current())
		bpf_map_delete_elem(&allocs, &addr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return enter(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 n, __u64 size)
{
	return enter(ctx, n * size, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 ptr, __u64 size)
{
	forget(ptr);
	return enter(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_enter, __u64 align, __u64 size)
{
	return enter(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return enter(ctx, size, memptr);
}

SEC("uprobe")
int BPF_KPROBE(mmap_enter, __u64 addr, __u64 len)
{
	return enter(ctx, len, 0);
}

/* malloc, calloc, realloc, aligned_alloc, mmap: the address is returned */
SEC("uretprobe")
int BPF_KRETPROBE(alloc_exit, __u64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = leave(tid);

	if (p) {
		record(p, ret);
		bpf_map_delete_elem(&pendings, &tid);
	}
	return 0;
}

/* posix_memalign returns 0 and writes the address through memptr */
SEC("uretprobe")
int BPF_KRETPROBE(posix_memalign_exit, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = leave(tid);
	__u64 addr = 0;

	if (!p)
		return 0;
	if (ret == 0 && bpf_probe_read_user(&addr, sizeof(addr), (void *)p->memptr))
		stat_inc(STAT_ERRORS);
	if (ret == 0)
		record(p, addr);
	bpf_map_delete_elem(&pendings, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 ptr)
{
	return forget(ptr);
}

SEC("uprobe")
int BPF_KPROBE(munmap_enter, __u64 addr)
{
	return forget(addr);
}
