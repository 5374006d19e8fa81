/* Request spans in the kernel, included by probe.bpf.c (which calls
 * span_entry/span_return from its uprobe handlers).
 *
 * Each thread that enters a span probe gets a span stack in task-local
 * storage (freed by the kernel when the thread exits, so exited threads
 * leave nothing behind). A root probe entered with an empty stack opens a
 * request: the per-root sampler keeps 1 of span_root_sample roots (a global
 * atomic counter, so the count kept is exact); an unsampled root still
 * pushes a frame marked skip so its children and socket I/O are ignored
 * cheaply and its return finds its frame. A child probe entered while a
 * sampled span is open pushes a child frame (nested to SPAN_DEPTH); outside
 * a request it costs one storage lookup.
 *
 * Pairing uses the stack pointer like probe.bpf.c's return probes: the
 * frame of a return is SP - 8; frames above it on the span stack whose SP
 * is lower belong to calls that never returned (longjmp, exceptions): they
 * are closed as stale. A return deeper than the top frame had no entry
 * (attached mid-call): unpaired.
 *
 * Peers: the socket syscall tracepoints below look at the current thread's
 * innermost open span; only then they resolve fd -> file -> socket -> sock
 * (CO-RE reads of task->files->fdt->fd[fd], fdpath.bpf.h) and account the
 * call to the remote address:port in that span's frame (SPAN_PEERS slots).
 * A receive from a peer after a send to it is one round trip, wherever
 * in the request the send was (a multi-get sends in memcached_mget and
 * receives in memcached_fetch_result): the direction of the last call per
 * peer is kept per request (SPAN_TURNS peers), the round trip is counted in
 * the span that received, where the request waited.
 * connect/accept/close of an IP socket inside a span emit a connection
 * record. Span ends go to the ring buffer as struct span_event with the
 * frame's peers; attributes (attr(...)) are the probe's compiled print
 * fields, emitted as a probe record whose duration_ns carries the span id.
 *
 * Kernels without cookies or bpf_loop (5.10) run the hooks from
 * probe_compat.bpf.h's programs (compat set, a constant): the span stacks
 * live in a hash keyed by thread (THREAD_LOCAL, compat.bpf.h; deleted at
 * thread exit by probe_thread_exit_compat), and span ids and the root
 * sampler use per-CPU counters instead of fetch-and-add (5.12): ids carry
 * the CPU in their top 16 bits, and 1 root in N is kept per CPU. */
#ifndef BPFSCOPE_SPAN_BPF_H
#define BPFSCOPE_SPAN_BPF_H

#include "bpf/fdpath.bpf.h"
#include "bpf/span.h"
#include "bpf/tcpsock.bpf.h"

#define SPAN_MASK (SPAN_DEPTH - 1)
#define SPAN_EINPROGRESS 115
#define SPAN_S_IFMT 0170000
#define SPAN_S_IFSOCK 0140000

enum span_io_dir { SPAN_IO_NONE, SPAN_IO_OUT, SPAN_IO_IN, SPAN_IO_CONNECT, SPAN_IO_ACCEPT };

struct span_frame {
	__u64 id, start, sp, child_ns;
	__u32 probe, skip;
	__u32 npeers, peers_dropped;
	__u64 args[SPAN_ARGS];
	struct span_peer peers[SPAN_PEERS];
};

#define SPAN_TURNS 8 /* peers whose last direction is kept per request (power of two) */

struct span_turn {
	struct span_peer_addr peer;
	__u32 last_dir; /* SPAN_IO_OUT or SPAN_IO_IN */
	__u32 pad;
};

struct span_thread {
	__u32 depth;
	__u32 nturns;
	__u32 io_dir; /* the socket syscall in progress (enum span_io_dir) */
	__s32 io_fd;
	__u32 pad;
	__u64 io_ts;
	__u64 root_id;
	struct span_frame frames[SPAN_DEPTH];
	struct span_turn turns[SPAN_TURNS];
};

/* Set by the span commands before load. False (trace): the verifier sees
 * the span hooks as dead code and never checks their helpers, so `trace`
 * loads where task storage is not available to uprobe programs. */
const volatile bool span_enabled = false;
const volatile __u32 span_root_sample = 1; /* keep 1 of N roots */
__u64 span_next_id;
__u64 span_root_count;

THREAD_LOCAL(span_threads, struct span_thread, 1024);

static const struct span_thread empty_span_thread = {};

enum { SPAN_COUNT_IDS, SPAN_COUNT_ROOTS, SPAN_COUNT__N };

/* compat: per-CPU counters for ids and the root sampler (see the top) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SPAN_COUNT__N);
	__type(key, __u32);
	__type(value, __u64);
} span_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROBE_MAX);
	__type(key, __u32);
	__type(value, struct span_cfg);
} span_cfgs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SPSTAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} span_stats SEC(".maps");

static __always_inline void spstat(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&span_stats, &stat);

	if (v)
		(*v)++;
}

static __always_inline struct span_thread *span_thread_get(bool create)
{
	return thread_local_get(span_threads, create, &empty_span_thread);
}

/* The next value of a counter: the global one, or this CPU's (compat). */
static __always_inline __u64 span_count(__u64 *global, __u32 which, bool compat)
{
	__u64 *c;

	if (!compat)
		return __sync_fetch_and_add(global, 1);
	c = bpf_map_lookup_elem(&span_counters, &which);
	return c ? (*c)++ : 0;
}

/* Sends a closed (or stale) frame to user space. */
static __always_inline void span_emit(struct span_thread *st, struct span_frame *f, __u32 depth,
				      __u64 now, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct span_event *e = event_reserve(sizeof(*e)); /* see span_conn */

	if (!e) {
		spstat(SPSTAT_DROPS);
		pstat(f->probe, PSTAT_DROPS);
		return;
	}
	e->kind = SPAN_EV_END;
	e->probe = f->probe;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->span_id = f->id;
	e->parent_id = depth ? st->frames[(depth - 1) & SPAN_MASK].id : 0;
	e->root_id = st->root_id;
	e->start_ns = f->start;
	e->end_ns = now;
	e->child_ns = f->child_ns;
	e->depth = depth;
	e->flags = flags;
	e->npeers = f->npeers;
	e->peers_dropped = f->peers_dropped;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->peers, f->peers, sizeof(e->peers));
	event_submit(e);
	if (!flags)
		pstat(f->probe, PSTAT_EMITTED);
}

/* Pops the top frame; a sampled one is emitted and adds its time to its parent. */
static __always_inline void span_pop(struct span_thread *st, __u64 now, __u32 flags)
{
	__u32 d = st->depth - 1;
	struct span_frame *f = &st->frames[d & SPAN_MASK];

	st->depth = d;
	if (f->skip)
		return;
	if (flags)
		pstat(f->probe, PSTAT_STALE);
	if (d)
		st->frames[(d - 1) & SPAN_MASK].child_ns += now - f->start;
	span_emit(st, f, d, now, flags);
}

/* Frames at or below a new call's stack position are gone (see the top). */
static __always_inline void span_drop_dead(struct span_thread *st, __u64 sp)
{
	__u64 now = bpf_ktime_get_ns();

	for (int i = 0; i < SPAN_DEPTH; i++) {
		if (!st->depth || st->frames[(st->depth - 1) & SPAN_MASK].sp > sp)
			break;
		span_pop(st, now, SPAN_F_STALE);
	}
}

/* attr(...) values: the probe's print fields, tagged with the span id. */
static __always_inline void span_attrs(void *ctx, struct vm *vm, struct probe_cfg *cfg,
				       __u32 probe, struct span_frame *f, bool compat)
{
	vm->duration = f->id;
	run_ops_in(ctx, vm, cfg, probe, compat ? RUN_BOUNDED : RUN_BPF_LOOP);
}

/* Decides whether a root opens a sampled request. */
static __always_inline bool span_root_kept(bool compat)
{
	spstat(SPSTAT_ROOTS);
	if (span_root_sample <= 1 ||
	    span_count(&span_root_count, SPAN_COUNT_ROOTS, compat) % span_root_sample == 0)
		return true;
	spstat(SPSTAT_ROOTS_SAMPLED);
	return false;
}

/* Entry of a span probe; false when the probe is not a span probe. */
static __always_inline bool span_entry_in(void *ctx, struct vm *vm, struct probe_cfg *cfg,
					  __u32 probe, bool compat)
{
	struct span_cfg *sc;
	__u64 sp = PT_REGS_SP(&vm->regs);
	struct span_thread *st;
	struct span_frame *f;
	bool skip = false;
	__u32 d;

	if (!span_enabled)
		return false;
	sc = bpf_map_lookup_elem(&span_cfgs, &probe);
	if (!sc || sc->role == SPAN_ROLE_NONE)
		return false;
	st = span_thread_get(false);
	if (st)
		span_drop_dead(st, sp);
	d = st ? st->depth : 0;
	if (!d) {
		if (sc->role != SPAN_ROLE_ROOT) {
			spstat(SPSTAT_OUTSIDE);
			return true;
		}
		skip = !span_root_kept(compat);
		if (skip)
			pstat(probe, PSTAT_SAMPLED);
		if (!st)
			st = span_thread_get(true);
		if (!st) {
			pstat(probe, PSTAT_ERRORS);
			return true;
		}
	} else if (st->frames[(d - 1) & SPAN_MASK].skip) {
		return true; /* inside an unsampled request: nothing to do */
	}
	if (d >= SPAN_DEPTH) {
		spstat(SPSTAT_TOO_DEEP);
		return true;
	}
	f = &st->frames[d & SPAN_MASK];
	f->sp = sp;
	f->probe = probe;
	f->skip = skip;
	st->depth = d + 1;
	if (skip)
		return true;
	f->id = span_count(&span_next_id, SPAN_COUNT_IDS, compat) + 1;
	if (compat)
		f->id |= (__u64)bpf_get_smp_processor_id() << 48;
	if (!d) {
		st->root_id = f->id;
		st->nturns = 0;
	}
	f->child_ns = 0;
	f->npeers = 0;
	f->peers_dropped = 0;
	if (sc->attrs_at == SPAN_ATTRS_RETURN)
		for (int i = 0; i < SPAN_ARGS; i++)
			f->args[i] = reg_arg(vm, i, probe);
	if (sc->attrs_at == SPAN_ATTRS_ENTRY)
		span_attrs(ctx, vm, cfg, probe, f, compat);
	f->start = bpf_ktime_get_ns();
	return true;
}

static __always_inline bool span_entry(void *ctx, struct vm *vm, struct probe_cfg *cfg,
				       __u32 probe)
{
	return span_entry_in(ctx, vm, cfg, probe, false);
}

/* Return of a span probe; false when the probe is not a span probe. */
static __always_inline bool span_return_in(void *ctx, struct vm *vm, struct probe_cfg *cfg,
					   __u32 probe, bool compat)
{
	__u64 frame = PT_REGS_SP(&vm->regs) - 8, now = bpf_ktime_get_ns();
	struct span_cfg *sc;
	struct span_thread *st;
	struct span_frame *f;

	if (!span_enabled)
		return false;
	sc = bpf_map_lookup_elem(&span_cfgs, &probe);
	if (!sc || sc->role == SPAN_ROLE_NONE)
		return false;
	st = span_thread_get(false);
	for (int i = 0; st && i < SPAN_DEPTH; i++) {
		if (!st->depth)
			break;
		f = &st->frames[(st->depth - 1) & SPAN_MASK];
		if (f->sp > frame) {
			if (!f->skip)
				pstat(probe, PSTAT_UNPAIRED); /* entry never seen */
			return true;
		}
		if (f->sp < frame) {
			span_pop(st, now, SPAN_F_STALE);
			continue;
		}
		if (f->probe != probe) {
			pstat(probe, PSTAT_UNPAIRED);
			return true;
		}
		if (!f->skip && sc->attrs_at == SPAN_ATTRS_RETURN) {
			__builtin_memcpy(vm->saved, f->args, sizeof(f->args));
			span_attrs(ctx, vm, cfg, probe, f, compat);
		}
		span_pop(st, now, 0);
		return true;
	}
	if (sc->role == SPAN_ROLE_ROOT)
		pstat(probe, PSTAT_UNPAIRED);
	return true;
}

static __always_inline bool span_return(void *ctx, struct vm *vm, struct probe_cfg *cfg,
					__u32 probe)
{
	return span_return_in(ctx, vm, cfg, probe, false);
}

/* The innermost open span of the current thread when it is sampled. */
static __always_inline struct span_thread *span_open(void)
{
	struct span_thread *st = span_thread_get(false);

	if (!st || !st->depth || st->frames[(st->depth - 1) & SPAN_MASK].skip)
		return NULL;
	return st;
}

/* The remote address of an IP socket descriptor of the current task. */
static __always_inline bool span_peer_of_fd(__s32 fd, struct span_peer_addr *pa)
{
	struct file *file = fdpath_current_file((__u32)fd);
	struct sock_addrs a = {};
	struct socket *sock;
	struct sock *sk;

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & SPAN_S_IFMT) != SPAN_S_IFSOCK)
		return false;
	sock = BPF_CORE_READ(file, private_data);
	sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!sk)
		return false;
	sock_addrs_read(sk, &a);
	if (a.family != TCPSOCK_AF_INET && a.family != TCPSOCK_AF_INET6)
		return false;
	__builtin_memcpy(pa->addr, a.daddr, sizeof(pa->addr));
	pa->family = a.family;
	pa->port = a.dport;
	pa->pad = 0;
	return true;
}

static __always_inline bool span_peer_eq(const struct span_peer_addr *a,
					 const struct span_peer_addr *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
}

/* Records this call's direction for the peer; true when it completes a
 * round trip (a receive after a send). The oldest slot is reused when full. */
static __always_inline bool span_turn(struct span_thread *st, const struct span_peer_addr *pa,
				      __u32 dir)
{
	struct span_turn *t = NULL;
	__u32 last;

	for (int i = 0; i < SPAN_TURNS; i++) {
		if (i >= st->nturns)
			break;
		if (span_peer_eq(&st->turns[i].peer, pa)) {
			t = &st->turns[i];
			break;
		}
	}
	if (!t) {
		t = &st->turns[st->nturns & (SPAN_TURNS - 1)];
		st->nturns++;
		t->peer = *pa;
		t->last_dir = SPAN_IO_NONE;
	}
	last = t->last_dir;
	t->last_dir = dir;
	return dir == SPAN_IO_IN && last == SPAN_IO_OUT;
}

/* Adds one socket call to the frame's slot for this peer. */
static __always_inline void span_account(struct span_frame *f, const struct span_peer_addr *pa,
					 __u32 dir, long bytes, __u64 ns, bool round_trip)
{
	struct span_peer *p = NULL;

	for (int i = 0; i < SPAN_PEERS; i++) {
		if (i >= f->npeers)
			break;
		if (span_peer_eq(&f->peers[i].peer, pa)) {
			p = &f->peers[i];
			break;
		}
	}
	if (!p) {
		if (f->npeers >= SPAN_PEERS) {
			f->peers_dropped++;
			return;
		}
		p = &f->peers[f->npeers & (SPAN_PEERS - 1)];
		f->npeers++;
		__builtin_memset(p, 0, sizeof(*p));
		p->peer = *pa;
	}
	p->calls++;
	p->io_ns += ns;
	p->round_trips += round_trip;
	if (dir == SPAN_IO_OUT)
		p->bytes_out += bytes;
	else
		p->bytes_in += bytes;
}

static __always_inline void span_conn(struct span_thread *st, __u32 event,
				      const struct span_peer_addr *pa)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct span_conn_event *e;

	/* nothing between the reserve and its NULL check: 5.10's verifier
	 * cannot tell that a second check of a reserved pointer always holds,
	 * and then sees a path that leaks the reservation */
	spstat(SPSTAT_CONN);
	e = event_reserve(sizeof(*e));
	if (!e) {
		spstat(SPSTAT_DROPS);
		return;
	}
	e->kind = SPAN_EV_CONN;
	e->event = event;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->span_id = st->frames[(st->depth - 1) & SPAN_MASK].id;
	e->root_id = st->root_id;
	e->ts_ns = bpf_ktime_get_ns();
	e->peer = *pa;
	event_submit(e);
}

static __always_inline int span_io_enter(__s64 fd, __u32 dir)
{
	struct span_thread *st = span_open();

	if (st) {
		st->io_fd = fd;
		st->io_dir = dir;
		st->io_ts = bpf_ktime_get_ns();
	}
	return 0;
}

static __always_inline int span_io_exit(long ret)
{
	struct span_thread *st = span_thread_get(false);
	struct span_peer_addr pa;
	bool rt;
	__u32 dir;

	if (!st || !st->io_dir)
		return 0;
	dir = st->io_dir;
	st->io_dir = SPAN_IO_NONE;
	if (!st->depth || st->frames[(st->depth - 1) & SPAN_MASK].skip)
		return 0;
	if (ret < 0 && !(dir == SPAN_IO_CONNECT && ret == -SPAN_EINPROGRESS))
		return 0;
	if (!span_peer_of_fd(dir == SPAN_IO_ACCEPT ? ret : st->io_fd, &pa)) {
		spstat(SPSTAT_IO_NOT_INET);
		return 0;
	}
	if (dir == SPAN_IO_CONNECT || dir == SPAN_IO_ACCEPT) {
		span_conn(st, dir == SPAN_IO_CONNECT ? SPAN_CONN_CONNECT : SPAN_CONN_ACCEPT, &pa);
		return 0;
	}
	spstat(SPSTAT_IO);
	rt = ret > 0 && span_turn(st, &pa, dir);
	span_account(&st->frames[(st->depth - 1) & SPAN_MASK], &pa, dir, ret,
		     bpf_ktime_get_ns() - st->io_ts, rt);
	return 0;
}

#define SPAN_SYSCALL(name, dir)                                                                    \
	SEC("tp/syscalls/sys_enter_" #name)                                                        \
	int span_enter_##name(struct trace_event_raw_sys_enter *ctx)                               \
	{                                                                                          \
		return span_io_enter(ctx->args[0], dir);                                           \
	}                                                                                          \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int span_exit_##name(struct trace_event_raw_sys_exit *ctx)                                 \
	{                                                                                          \
		return span_io_exit(ctx->ret);                                                     \
	}

SPAN_SYSCALL(read, SPAN_IO_IN)
SPAN_SYSCALL(readv, SPAN_IO_IN)
SPAN_SYSCALL(recvfrom, SPAN_IO_IN)
SPAN_SYSCALL(recvmsg, SPAN_IO_IN)
SPAN_SYSCALL(write, SPAN_IO_OUT)
SPAN_SYSCALL(writev, SPAN_IO_OUT)
SPAN_SYSCALL(sendto, SPAN_IO_OUT)
SPAN_SYSCALL(sendmsg, SPAN_IO_OUT)
SPAN_SYSCALL(connect, SPAN_IO_CONNECT)
SPAN_SYSCALL(accept, SPAN_IO_ACCEPT)
SPAN_SYSCALL(accept4, SPAN_IO_ACCEPT)

/* close: the descriptor is gone at exit, so the peer is read at entry. */
SEC("tp/syscalls/sys_enter_close")
int span_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	struct span_thread *st = span_open();
	struct span_peer_addr pa;

	if (st && span_peer_of_fd(ctx->args[0], &pa))
		span_conn(st, SPAN_CONN_CLOSE, &pa);
	return 0;
}

#endif
