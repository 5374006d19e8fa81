/* bpfscope discover, kernel side: count calls of many functions, optionally
 * only while a root function is on the thread's stack (--within), and time
 * them (--time).
 *
 * Function probes come in two attach flavours with the same body: one
 * uprobe_multi link for all functions (disc_entry_multi, loaded with the
 * uprobe_multi attach type), or one uprobe per function (disc_entry). The
 * cookie is the function's index, DISCOVER_TIMED set when its return is
 * probed as well.
 *
 * --within: the root's entry and return probes keep a per-thread depth;
 * calls count only while it is above zero. --time: entries of timed
 * functions push (function, time) on a per-thread stack of DISCOVER_STACK
 * frames; a return pops frames until it finds its own (the ones above it
 * were left by longjmp or an exception: counted stale) and adds the
 * inclusive time. */
#include "bpf/common.bpf.h"
#include "bpf/discover.h"

const volatile bool within_root = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DISCOVER_MAX_FUNCS); /* user space sets the real count */
	__type(key, __u32);
	__type(value, struct disc_stat);
} func_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DISC__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} disc_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} root_depth SEC(".maps");

struct frames {
	__u32 depth; /* may exceed DISCOVER_STACK: those frames are not kept */
	__u32 func[DISCOVER_STACK];
	__u64 ts[DISCOVER_STACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct frames);
} thread_frames SEC(".maps");

static const struct frames no_frames = {};

static __always_inline void counter(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&disc_counters, &c);

	if (v)
		(*v)++;
}

static __always_inline __u32 tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline bool inside_root(void)
{
	__u32 t = tid(), *d;

	if (!within_root)
		return true;
	d = bpf_map_lookup_elem(&root_depth, &t);
	return d && *d;
}

static __always_inline void push_frame(__u32 func)
{
	__u32 t = tid();
	struct frames *f = bpf_map_lookup_elem(&thread_frames, &t);
	__u32 d;

	if (!f) {
		bpf_map_update_elem(&thread_frames, &t, &no_frames, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&thread_frames, &t);
		if (!f)
			return;
	}
	d = f->depth;
	if (d < DISCOVER_STACK) {
		f->func[d & (DISCOVER_STACK - 1)] = func;
		f->ts[d & (DISCOVER_STACK - 1)] = bpf_ktime_get_ns();
	} else {
		counter(DISC_DEEP);
	}
	f->depth = d + 1;
}

static __always_inline int on_entry(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 func = (__u32)cookie & ~DISCOVER_TIMED;
	struct disc_stat *st;

	if (!filter_current())
		return 0;
	if (!inside_root()) {
		counter(DISC_OUTSIDE);
		return 0;
	}
	st = bpf_map_lookup_elem(&func_stats, &func);
	if (st)
		st->calls++;
	if (cookie & DISCOVER_TIMED)
		push_frame(func);
	return 0;
}

/* Pops frames down to this function's (see the top comment). */
static __always_inline int on_return(struct pt_regs *ctx)
{
	__u32 func = (__u32)bpf_get_attach_cookie(ctx) & ~DISCOVER_TIMED, t = tid();
	struct frames *f = bpf_map_lookup_elem(&thread_frames, &t);
	struct disc_stat *st;

	if (!filter_current())
		return 0;
	if (!f || !f->depth) {
		if (inside_root())
			counter(DISC_UNPAIRED);
		return 0;
	}
	for (int i = 0; i < DISCOVER_STACK + 1 && f->depth; i++) {
		__u32 d = --f->depth;

		if (d >= DISCOVER_STACK)
			return 0; /* an untimed deep frame: assumed to be this one */
		if (f->func[d & (DISCOVER_STACK - 1)] != func) {
			counter(DISC_STALE);
			continue;
		}
		st = bpf_map_lookup_elem(&func_stats, &func);
		if (st) {
			st->returns++;
			st->time_ns += bpf_ktime_get_ns() - f->ts[d & (DISCOVER_STACK - 1)];
		}
		return 0;
	}
	counter(DISC_UNPAIRED);
	return 0;
}

SEC("uprobe")
int disc_entry_multi(struct pt_regs *ctx)
{
	return on_entry(ctx);
}

SEC("uretprobe")
int disc_return_multi(struct pt_regs *ctx)
{
	return on_return(ctx);
}

SEC("uprobe")
int disc_entry(struct pt_regs *ctx)
{
	return on_entry(ctx);
}

SEC("uretprobe")
int disc_return(struct pt_regs *ctx)
{
	return on_return(ctx);
}

SEC("uprobe")
int disc_root_entry(struct pt_regs *ctx)
{
	__u32 t = tid(), one = 1, *d;

	if (!filter_current())
		return 0;
	counter(DISC_ROOT_CALLS);
	d = bpf_map_lookup_elem(&root_depth, &t);
	if (d)
		(*d)++;
	else
		bpf_map_update_elem(&root_depth, &t, &one, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int disc_root_return(struct pt_regs *ctx)
{
	__u32 t = tid(), *d = bpf_map_lookup_elem(&root_depth, &t);

	if (!d || !*d)
		return 0;
	if (*d == 1)
		bpf_map_delete_elem(&root_depth, &t);
	else
		(*d)--;
	return 0;
}
