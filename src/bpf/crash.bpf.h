/* Crash flight recorder, kernel side (structures in bpf/crash.h; user side
 * in src/crash/). Included by the probe engine (probe.bpf.c), whose
 * run_ops() calls crash_record() for every event a probe produces.
 *
 * Rings. crash_rings maps a thread id to its ring of the last ring_len
 * events (probe id, time, the record's captured arguments). The map's value
 * size is cut to ring_len entries at load; the index is checked against the
 * .rodata constant so the verifier can bound it. A thread's ring is deleted
 * when it exits, unless its process is crashing (crashed map): then user
 * space reads the other threads' rings for the report and deletes them.
 *
 * Crash. The signal_deliver tracepoint runs in the crashing thread, in
 * get_signal() with the siglock held and interrupts off, before the default
 * action kills the process. For a fatal signal of a watched process it
 * builds one struct crash_event in a per-CPU slot of crash_scratch (the
 * event is larger than any per-CPU value may be; with interrupts off nothing
 * else runs on this CPU) and copies it to the crash_events ring buffer:
 * the ring, siginfo, the user registers (bpf_task_pt_regs), the top of the
 * user stack read page by page from sp (a page that cannot be read ends the
 * copy), the kernel stack, and the executable file mappings that the
 * instruction pointer or any stack word points into (bpf_find_vma on each
 * word, each mapping looked up once), with their paths. The process then
 * dies as it would have: nothing here changes the signal.
 *
 * Mappings read at crash time make symbols resolve even when the process is
 * gone before user space sees the event. User space also snapshots
 * /proc/PID/maps (at start, on exec, fork and executable mmap, see
 * crash_note) as a fallback when a lookup finds the mm locked (-EBUSY).
 *
 * Watching. All processes, or (-p) a process tree: crash_watch holds the
 * tgids, and sched_process_fork adds the children of watched processes;
 * or (BINARY) processes whose executable is that inode; plus the common
 * comm/cgroup filter. Only x86-64 registers are captured so far.
 *
 * Kernels without bpf_loop (5.17+; Debian 11's 5.10) get the *_compat
 * programs, chosen by user space from the feature table: the current task
 * through bpf_get_current_task (no BTF pointer before 5.11), the user
 * registers from the top of its kernel stack (task_pt_regs(); no
 * bpf_task_pt_regs before 5.15), the stack copied in a bounded loop, and
 * instead of bpf_find_vma (5.17) a walk of the mm's list of mappings
 * (mm->mmap, vm_next: kernels before 6.1 have it, and those are the ones
 * without bpf_loop), keeping the executable file mappings, with paths walked
 * in bounded loops. The report goes out at once; where the list is missing
 * (bpf_loop disabled on a newer kernel) it carries CRASH_F_VMA_BUSY and user
 * space takes the mappings from its /proc/PID/maps snapshots. */
#ifndef BPFSCOPE_CRASH_BPF_H
#define BPFSCOPE_CRASH_BPF_H

#include "bpf/compat.bpf.h"
#include "bpf/crash.h"
#include "bpf/fdpath.bpf.h"

#define CRASH_VM_EXEC 0x4
#define CRASH_PROT_EXEC 0x4
#define CRASH_USER_MAX 0x800000000000ULL
/* x86-64 THREAD_SIZE (16 KiB; 32 with KASAN, which distribution kernels
 * leave off): task_pt_regs() is the top of the kernel stack */
#define CRASH_THREAD_SIZE (16 << 10)

const volatile bool crash_enabled = false;   /* record probe events into rings */
const volatile bool crash_ring_only = false; /* ... and do not emit them (bpfscope crash) */
const volatile __u32 crash_ring_len = 64;
const volatile bool crash_watch_tree = false; /* -p: crash_watch holds the process tree */
const volatile __u64 crash_exe_ino = 0;	      /* BINARY: its inode and device */
const volatile __u32 crash_exe_dev = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct crash_ring);
} crash_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} crash_watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} crash_crashed SEC(".maps");

struct crash_work {
	struct crash_event ev;
	__u64 seen_lo[CRASH_SEEN_RANGES], seen_hi[CRASH_SEEN_RANGES];
	__u64 files[CRASH_MAX_VMAS];
	__u32 nseen;
	__u32 busy;
};

/* One slot per CPU, indexed by CPU number (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct crash_work);
} crash_scratch SEC(".maps");

/* Crashes waiting for their thread's exit (see crash_signal). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct crash_work);
} crash_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} crash_events SEC(".maps");

static const struct crash_ring crash_empty_ring = {};

static __always_inline bool crash_tgid_watched(__u32 tgid)
{
	return !crash_watch_tree || bpf_map_lookup_elem(&crash_watch, &tgid);
}

/* BINARY: is the task running it? (always true without BINARY) */
static __always_inline bool crash_exe_matches(struct task_struct *task)
{
	struct inode *exe;

	if (!crash_exe_ino)
		return true;
	exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	return exe && BPF_CORE_READ(exe, i_ino) == crash_exe_ino &&
	       BPF_CORE_READ(exe, i_sb, s_dev) == crash_exe_dev;
}

/* Called by the probe engine with an event's record: appends it to the
 * thread's ring. Returns true when the event goes nowhere else. */
static __always_inline bool crash_record(const __u8 *record, __u32 record_size, __u64 duration,
					 __u32 probe)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, idx;
	struct crash_ring *ring;
	struct crash_entry *e;
	__u32 full;

	if (!crash_enabled)
		return false;
	if (!crash_tgid_watched(id >> 32) ||
	    !crash_exe_matches((struct task_struct *)bpf_get_current_task()))
		return crash_ring_only;
	ring = bpf_map_lookup_elem(&crash_rings, &tid);
	if (!ring) {
		bpf_map_update_elem(&crash_rings, &tid, &crash_empty_ring, BPF_NOEXIST);
		ring = bpf_map_lookup_elem(&crash_rings, &tid);
		if (!ring) {
			stat_inc(STAT_ERRORS); /* more threads than --threads */
			return crash_ring_only;
		}
		ring->pid = id >> 32;
		ring->tid = tid;
		bpf_get_current_comm(ring->comm, sizeof(ring->comm));
	}
	idx = ring->count % crash_ring_len;
	if (idx >= crash_ring_len || idx >= CRASH_RING_MAX)
		return crash_ring_only;
	e = &ring->entries[idx];
	full = record_size > CRASH_RECORD_HDR ? record_size - CRASH_RECORD_HDR : 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->duration_ns = duration;
	e->probe = probe;
	e->full = full;
	e->size = full < CRASH_ENTRY_DATA ? full : CRASH_ENTRY_DATA;
	bpf_probe_read_kernel(e->data, CRASH_ENTRY_DATA, record + CRASH_RECORD_HDR);
	ring->count++;
	return crash_ring_only;
}

static __always_inline bool crash_fatal(int sig)
{
	switch (sig) {
	case 4:	 /* SIGILL */
	case 5:	 /* SIGTRAP */
	case 6:	 /* SIGABRT */
	case 7:	 /* SIGBUS */
	case 8:	 /* SIGFPE */
	case 11: /* SIGSEGV */
	case 31: /* SIGSYS */
		return true;
	}
	return false;
}

/* The current task: a BTF pointer where the kernel has bpf_get_current_task_btf
 * (5.11+), else a plain one (every read below goes through CO-RE). */
static __always_inline struct task_struct *crash_current(bool compat)
{
	return compat ? (struct task_struct *)bpf_get_current_task() : bpf_get_current_task_btf();
}

static __always_inline bool crash_watched(struct task_struct *task)
{
	return crash_tgid_watched(bpf_get_current_pid_tgid() >> 32) && crash_exe_matches(task) &&
	       filter_current();
}

static __always_inline struct crash_work *crash_work_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&crash_scratch, &cpu);
}

static __always_inline void crash_regs(struct crash_event *ev, struct task_struct *task,
				       bool compat)
{
	struct pt_regs r;
	void *at = compat ? (void *)BPF_CORE_READ(task, stack) + CRASH_THREAD_SIZE - sizeof(r)
			  : (void *)bpf_task_pt_regs(task);

	if (bpf_probe_read_kernel(&r, sizeof(r), at)) {
		ev->flags |= CRASH_F_NO_REGS;
		return;
	}
	/* DWARF numbering of x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	ev->regs[0] = r.ax;
	ev->regs[1] = r.dx;
	ev->regs[2] = r.cx;
	ev->regs[3] = r.bx;
	ev->regs[4] = r.si;
	ev->regs[5] = r.di;
	ev->regs[6] = r.bp;
	ev->regs[7] = r.sp;
	ev->regs[8] = r.r8;
	ev->regs[9] = r.r9;
	ev->regs[10] = r.r10;
	ev->regs[11] = r.r11;
	ev->regs[12] = r.r12;
	ev->regs[13] = r.r13;
	ev->regs[14] = r.r14;
	ev->regs[15] = r.r15;
	ev->regs[16] = r.ip;
}

struct crash_copy_ctx {
	struct crash_work *w;
};

/* One page (or the rest of the first one) of the user stack. */
static long crash_copy_step(__u32 i, void *arg)
{
	struct crash_copy_ctx *c = arg;
	struct crash_event *ev = &c->w->ev;
	__u32 off = ev->stack_len;
	__u64 from = ev->stack_start + off;
	/* to the end of the page: at most a page, which the slack after
	 * CRASH_STACK_COPY bytes holds (the last copy may run into it) */
	__u32 n = CRASH_STACK_PAGE - (from & (CRASH_STACK_PAGE - 1));

	if (off >= CRASH_STACK_COPY)
		return 1;
	off &= CRASH_STACK_COPY - 1;
	if (bpf_probe_read_user(&ev->stack[off], n, (void *)from)) {
		ev->flags |= CRASH_F_STACK_FAULT;
		return 1;
	}
	ev->stack_len += n;
	return 0;
}

/* bpf_find_vma callback: remember the range; keep executable file maps. */
static long crash_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *arg)
{
	struct crash_copy_ctx *c = arg;
	struct crash_work *w = c->w;
	struct crash_vma *v;
	__u32 n = w->nseen, k = w->ev.nvmas;
	struct file *file;

	if (n < CRASH_SEEN_RANGES) {
		w->seen_lo[n] = vma->vm_start;
		w->seen_hi[n] = vma->vm_end;
		w->nseen = n + 1;
	}
	file = vma->vm_file;
	if (!(vma->vm_flags & CRASH_VM_EXEC) || !file)
		return 0;
	if (k >= CRASH_MAX_VMAS) {
		w->ev.flags |= CRASH_F_VMA_FULL;
		return 0;
	}
	v = &w->ev.vmas[k];
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = (__u64)vma->vm_pgoff << 12;
	v->ino = BPF_CORE_READ(file, f_inode, i_ino);
	v->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	w->files[k] = (__u64)file;
	w->ev.nvmas = k + 1;
	return 0;
}

static __always_inline void crash_lookup_addr(struct crash_copy_ctx *c, __u64 addr)
{
	struct crash_work *w = c->w;
	long err;

	if (addr < 4096 || addr >= CRASH_USER_MAX)
		return;
	for (int i = 0; i < CRASH_SEEN_RANGES; i++) {
		if (i >= w->nseen)
			break;
		if (addr >= w->seen_lo[i] && addr < w->seen_hi[i])
			return;
	}
	if (w->nseen >= CRASH_SEEN_RANGES && w->ev.nvmas >= CRASH_MAX_VMAS)
		return;
	err = bpf_find_vma(bpf_get_current_task_btf(), addr, crash_vma_cb, c, 0);
	if (err == -16) /* EBUSY: mm locked; user space falls back to its snapshot */
		w->ev.flags |= CRASH_F_VMA_BUSY;
}

/* One stack word: a return address points into an executable mapping. */
static long crash_word_step(__u32 i, void *arg)
{
	struct crash_copy_ctx *c = arg;
	__u32 off = i * 8;
	__u64 word;

	if (off + 8 > c->w->ev.stack_len || off >= CRASH_STACK_COPY)
		return 1;
	word = *(__u64 *)&c->w->ev.stack[off & (CRASH_STACK_COPY - 8)];
	crash_lookup_addr(c, word);
	return 0;
}

static __always_inline void crash_vmas(struct crash_work *w)
{
	struct crash_copy_ctx c = { w };

	w->nseen = 0;
	w->ev.nvmas = 0;
	crash_lookup_addr(&c, w->ev.regs[16]);
	bpf_loop(CRASH_STACK_COPY / 8, crash_word_step, &c, 0);
	for (int i = 0; i < CRASH_MAX_VMAS; i++) {
		if (i >= w->ev.nvmas)
			break;
		fdpath_of_file((struct file *)w->files[i], &w->ev.vmas[i].path);
	}
}

/* The mappings list of kernels before 6.1 (the maple tree replaced it). */
struct vm_area_struct___list {
	unsigned long vm_start;
	unsigned long vm_end;
	struct vm_area_struct___list *vm_next;
	unsigned long vm_flags;
	unsigned long vm_pgoff;
	struct file *vm_file;
} __attribute__((preserve_access_index));

struct mm_struct___list {
	struct vm_area_struct___list *mmap;
} __attribute__((preserve_access_index));

#define CRASH_VMA_WALK 512 /* mappings walked at most */

static __always_inline void crash_vmas_walk(struct crash_work *w, struct task_struct *task)
{
	struct mm_struct___list *mm = (void *)BPF_CORE_READ(task, mm);
	struct vm_area_struct___list *vma;
	struct crash_vma *v;
	struct file *file;
	__u32 k;

	w->ev.nvmas = 0;
	if (!bpf_core_field_exists(mm->mmap) || !mm) {
		w->ev.flags |= CRASH_F_VMA_BUSY;
		return;
	}
	vma = BPF_CORE_READ(mm, mmap);
	for (int i = 0; i < CRASH_VMA_WALK && vma; i++) {
		file = BPF_CORE_READ(vma, vm_file);
		k = w->ev.nvmas;
		if (file && (BPF_CORE_READ(vma, vm_flags) & CRASH_VM_EXEC) && k < CRASH_MAX_VMAS) {
			v = &w->ev.vmas[k];
			v->start = BPF_CORE_READ(vma, vm_start);
			v->end = BPF_CORE_READ(vma, vm_end);
			v->pgoff = (__u64)BPF_CORE_READ(vma, vm_pgoff) << 12;
			v->ino = BPF_CORE_READ(file, f_inode, i_ino);
			v->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
			w->files[k] = (__u64)file;
			w->ev.nvmas = k + 1;
		} else if (file && (BPF_CORE_READ(vma, vm_flags) & CRASH_VM_EXEC)) {
			w->ev.flags |= CRASH_F_VMA_FULL;
		}
		vma = BPF_CORE_READ(vma, vm_next);
	}
	for (int i = 0; i < CRASH_MAX_VMAS; i++) {
		if (i >= w->ev.nvmas)
			break;
		fdpath_of_file((struct file *)w->files[i], &w->ev.vmas[i].path);
	}
}

static __always_inline void crash_siginfo(struct crash_event *ev, int sig,
					  struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u64 handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);

	ev->sig = sig;
	ev->code = BPF_CORE_READ(info, si_code);
	ev->errnum = BPF_CORE_READ(info, si_errno);
	ev->addr = 0;
	ev->sender_pid = 0;
	if (ev->code <= 0) /* SI_USER, SI_TKILL, SI_QUEUE...: sent, not a fault */
		ev->sender_pid = BPF_CORE_READ(info, _sifields._kill._pid);
	else if (sig == 31)
		ev->addr = (__u64)BPF_CORE_READ(info, _sifields._sigsys._call_addr);
	else
		ev->addr = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
	ev->handler = handler == 0 ? CRASH_HANDLER_DEFAULT
		      : handler == 1 ? CRASH_HANDLER_IGNORE
				     : CRASH_HANDLER_CUSTOM;
}

static __always_inline void crash_take_ring(struct crash_event *ev, __u32 tid)
{
	struct crash_ring *ring = bpf_map_lookup_elem(&crash_rings, &tid);
	__u32 size = CRASH_RING_HDR + crash_ring_len * sizeof(struct crash_entry);

	ev->ring.count = 0;
	if (!ring || size > sizeof(ev->ring))
		return;
	if (bpf_probe_read_kernel(&ev->ring, size, ring))
		return;
	ev->flags |= CRASH_F_RING;
}

/* No wakeup: user space drains every 10 ms, the probes' events ring first,
 * so a report follows the events printed before it (trace --crash). */
static __always_inline void crash_output(struct crash_event *ev)
{
	if (bpf_ringbuf_output(&crash_events, ev, sizeof(*ev), BPF_RB_NO_WAKEUP))
		stat_inc(STAT_DROPS);
	else
		stat_inc(STAT_EVENTS);
}

static __always_inline int crash_on_signal(void *ctx, int sig, struct kernel_siginfo *info,
					   struct k_sigaction *ka, bool compat)
{
	struct task_struct *task = crash_current(compat);
	__u64 id = bpf_get_current_pid_tgid();
	struct crash_copy_ctx c;
	struct crash_work *w;
	struct crash_event *ev;
	__u32 tgid = id >> 32;
	__u8 one = 1;

	if (!crash_fatal(sig) || !crash_watched(task) || !(w = crash_work_get()))
		return 0;
	ev = &w->ev;
	c.w = w;
	ev->pid = tgid;
	ev->tid = (__u32)id;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->flags = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	crash_siginfo(ev, sig, info, ka);
	crash_regs(ev, task, compat);
	ev->stack_start = ev->regs[7];
	ev->stack_len = 0;
	if (!(ev->flags & CRASH_F_NO_REGS) && compat)
		COMPAT_LOOP(CRASH_STACK_COPY / CRASH_STACK_PAGE + 1, crash_copy_step, &c);
	else if (!(ev->flags & CRASH_F_NO_REGS))
		bpf_loop(CRASH_STACK_COPY / CRASH_STACK_PAGE + 1, crash_copy_step, &c, 0);
	ev->kstack_len = bpf_get_stack(ctx, ev->kstack, sizeof(ev->kstack), 0);
	crash_take_ring(ev, ev->tid);
	/* the other threads' rings stay until user space has read them */
	bpf_map_update_elem(&crash_crashed, &tgid, &one, BPF_ANY);
	if (compat) { /* the mappings list, at once: no lookups to defer */
		crash_vmas_walk(w, task);
		crash_output(ev);
		return 0;
	}
	/* With interrupts off, bpf_find_vma can take the mm lock only once (its
	 * unlock waits for an irq_work): the mappings are looked up when this
	 * thread exits, with the mm still there. A handled signal may not kill
	 * the thread: its report goes now, with what one lookup finds. */
	if (ev->handler == CRASH_HANDLER_DEFAULT &&
	    !bpf_map_update_elem(&crash_pending, &ev->tid, w, BPF_ANY))
		return 0;
	crash_vmas(w);
	crash_output(ev);
	return 0;
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(crash_signal, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	return crash_on_signal(ctx, sig, info, ka, false);
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(crash_signal_compat, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	return crash_on_signal(ctx, sig, info, ka, true);
}

static __always_inline void crash_note(__u32 kind, __u32 pid, __u32 parent)
{
	struct crash_note n = { kind, pid, parent };

	if (bpf_ringbuf_output(&crash_events, &n, sizeof(n), BPF_RB_NO_WAKEUP))
		stat_inc(STAT_DROPS);
	else
		stat_inc(STAT_EVENTS);
}

/* -p: children of watched processes are watched too. */
static __always_inline int crash_on_fork(struct task_struct *parent, struct task_struct *child,
					 bool compat)
{
	__u32 pid = BPF_CORE_READ(child, tgid), ppid = BPF_CORE_READ(parent, tgid);
	__u8 one = 1;

	if (pid == ppid || !crash_watched(crash_current(compat)))
		return 0; /* a new thread, or not ours (this runs in the parent) */
	if (crash_watch_tree)
		bpf_map_update_elem(&crash_watch, &pid, &one, BPF_ANY);
	crash_note(CRASH_NOTE_FORK, pid, ppid);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(crash_fork, struct task_struct *parent, struct task_struct *child)
{
	return crash_on_fork(parent, child, false);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(crash_fork_compat, struct task_struct *parent, struct task_struct *child)
{
	return crash_on_fork(parent, child, true);
}

static __always_inline int crash_on_exec(bool compat)
{
	if (crash_watched(crash_current(compat)))
		crash_note(CRASH_NOTE_EXEC, bpf_get_current_pid_tgid() >> 32, 0);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(crash_exec, struct task_struct *p)
{
	return crash_on_exec(false);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(crash_exec_compat, struct task_struct *p)
{
	return crash_on_exec(true);
}

/* An executable mapping (dlopen): user space reads the maps again. */
static __always_inline int crash_on_mmap(struct trace_event_raw_sys_enter *ctx, bool compat)
{
	if ((ctx->args[2] & CRASH_PROT_EXEC) && (long)ctx->args[4] >= 0 &&
	    crash_watched(crash_current(compat)))
		crash_note(CRASH_NOTE_MMAP, bpf_get_current_pid_tgid() >> 32, 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_mmap")
int crash_mmap(struct trace_event_raw_sys_enter *ctx)
{
	return crash_on_mmap(ctx, false);
}

SEC("tp/syscalls/sys_enter_mmap")
int crash_mmap_compat(struct trace_event_raw_sys_enter *ctx)
{
	return crash_on_mmap(ctx, true);
}

static __always_inline int crash_on_exit(bool compat)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct crash_work *w = compat ? NULL : bpf_map_lookup_elem(&crash_pending, &tid);

	if (w) { /* crashed: the mm is still there (before exit_mm since 6.16?) */
		crash_vmas(w);
		crash_output(&w->ev);
		bpf_map_delete_elem(&crash_pending, &tid);
		return 0;
	}
	if (bpf_map_lookup_elem(&crash_crashed, &tgid))
		return 0;
	bpf_map_delete_elem(&crash_rings, &tid);
	if (tid == tgid && crash_watch_tree)
		bpf_map_delete_elem(&crash_watch, &tgid);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(crash_exit, struct task_struct *p)
{
	return crash_on_exit(false);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(crash_exit_compat, struct task_struct *p)
{
	return crash_on_exit(true);
}

#endif
