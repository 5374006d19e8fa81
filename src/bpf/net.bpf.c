/* net: timestamps of payload bytes at four responsibility boundaries.
 *
 * 1 send: sys_enter of sendto/sendmsg/write/writev remembers the socket (fd
 *   -> task->files->fdt->fd[fd]->private_data -> socket -> sock, CO-RE, no
 *   kprobes) and the entry time; sys_exit emits the record when bytes went
 *   out. TCP: [write_seq - ret, write_seq). Entry time, because TCP and UDP
 *   transmit inside the syscall: tc egress often runs before the exit.
 * 2 egress: tc clsact egress program. 3 ingress: tc ingress, or XDP (native
 *   on a NIC, generic when asked). Both parse Ethernet/IPv4/IPv6/TCP/UDP; a
 *   GSO/GRO super-segment is one record covering its whole sequence range.
 * 4 recv: sys_exit of recvfrom/recvmsg/read/readv. TCP: [copied_seq - ret,
 *   copied_seq). Exit time: when the application has the bytes.
 * UDP records carry an FNV-1a hash of the first NET_HASH_BYTES payload bytes
 * (zero padded) so user space can match a datagram across boundaries and
 * hosts. Sockets outside the agent's network namespace are ignored, so one
 * agent per namespace acts as one host. */
#include "bpf/common.bpf.h"
#include "bpf/compat.bpf.h"
#include <bpf/bpf_endian.h>

#include "bpf/net.h"

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define S_IFMT	    00170000
#define S_IFSOCK    0140000
#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define SOL_UDP	    17
#define UDP_SEGMENT 103

const volatile __u32 netns_ino = 0;  /* only sockets of this netns */
const volatile bool tai = false;     /* bpf_ktime_get_tai_ns available */
const volatile __u16 port = 0;	     /* --port: either side */
const volatile __u8 peer_family = 0; /* --peer: 4 or 6, 0 none */
const volatile __u8 peer_addr[16] = {};
const volatile __u32 sample = 1;    /* --sample N: 1 in N flows/datagrams */
const volatile __u16 skip_port = 0; /* the collector connection of --export */

enum call_dir { DIR_SEND = 1, DIR_RECV = 2 };

struct pending {
	struct sock *sk;
	void *buf;  /* first user buffer: UDP payload head */
	void *addr; /* sockaddr of sendto/recvfrom/msg_name, or NULL */
	__u64 ts;
	__u32 dir;
	__u32 nr;   /* syscall number: an exit pairs only with its own entry */
	__u16 vlen; /* sendmmsg/recvmmsg: entries given; 0 for the other calls */
	__u16 gso;  /* UDP_SEGMENT from the call's cmsg, 0 if none */
};

/* Datagrams the bounded loops could not cover: entries of a sendmmsg /
 * recvmmsg vector past NET_MMSG_MAX, UDP GSO segments past NET_GSO_MAX.
 * User space reports it with the losses. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} uncovered SEC(".maps");

static __always_inline void add_uncovered(__u64 n)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&uncovered, &zero);

	if (v)
		__sync_fetch_and_add(v, n);
}

/* Per-thread state between a call's entry and exit (compat.bpf.h): task
 * storage for the direct programs, the LRU hash for the compat ones (user
 * space sets compat_thread_hash and creates only the map in use). A slot
 * is free when its sk is NULL; slots of threads that ended stay in the hash
 * until LRU eviction, which bounds them. */
THREAD_LOCAL(calls, struct pending, 16384);

/* bpf_rdonly_cast (6.2+) turns an untyped kernel address (a file from the fd
 * array, file->private_data, a saved sock) into a BTF pointer that is read
 * with plain loads. Weak: older kernels do not load the direct programs. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define BTF_CAST(type, ptr) ((type *)bpf_rdonly_cast((void *)(ptr), bpf_core_type_id_kernel(type)))

static __always_inline __u64 now_ns(void)
{
	return tai ? bpf_ktime_get_tai_ns() : bpf_ktime_get_ns();
}

static __always_inline __u64 fnv_step(__u64 h, __u8 byte)
{
	return (h ^ byte) * 0x100000001b3ULL;
}

static __always_inline __u64 hash_head(const __u8 *buf)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < NET_HASH_BYTES; i++)
		h = fnv_step(h, buf[i]);
	return h;
}

static __always_inline __u32 head_len(__u32 len)
{
	return len < NET_HASH_BYTES ? len : NET_HASH_BYTES;
}

static __always_inline bool addr_is_peer(const __u8 *a, __u8 family)
{
	if (family != peer_family)
		return false;
	for (int i = 0; i < (family == 4 ? 4 : 16); i++)
		if (a[i] != peer_addr[i])
			return false;
	return true;
}

static __always_inline bool addr_zero(const __u8 *a)
{
	__u8 any = 0;

	for (int i = 0; i < 16; i++)
		any |= a[i];
	return !any;
}

/* --port/--peer/--sample; unknown (zero) UDP addresses pass --peer. */
static __always_inline bool wanted(const struct net_event *e)
{
	__u32 mix;

	if (port && e->sport != port && e->dport != port)
		return false;
	if (skip_port && (e->sport == skip_port || e->dport == skip_port))
		return false;
	if (peer_family && !addr_is_peer(e->saddr, e->family) &&
	    !addr_is_peer(e->daddr, e->family) && !addr_zero(e->saddr) && !addr_zero(e->daddr))
		return false;
	if (sample <= 1)
		return true;
	if (e->proto == IPPROTO_UDP)
		return (e->hash % sample) == 0;
	mix = ((__u32)e->sport << 16 | e->dport) * 2654435761u;
	for (int i = 0; i < 16; i++)
		mix = (mix ^ e->saddr[i] ^ ((__u32)e->daddr[i] << 8)) * 16777619u;
	return (mix % sample) == 0;
}

#include "bpf/net_agg.bpf.h"

/* The clock is read here, after the filters, unless the caller has a time
 * already (a send's entry): records that --port/--peer/--sample drop cost
 * no clock read (~40 ns here) and no ring record. A call's later records
 * reuse its first one's time. */
static __always_inline void emit(struct net_event *e, const __u8 boundary)
{
	if (!e->len || !wanted(e))
		return;
	if (!e->ts_ns)
		e->ts_ns = now_ns();
	if (agg)
		agg_record(e, boundary);
	else
		event_output(e, sizeof(*e));
}

/* ---- boundaries 1 and 4: syscalls ----
 *
 * Two ways from the calling task to the socket and back, the same logic
 * around them; `direct` is a constant per program, so each program carries
 * one way only and user space loads one set (net.c):
 *   direct (Linux 6.2+): the task, fd table, file, socket and sock are BTF
 *     pointers read with plain loads (one probe read for the fd array slot),
 *     and the pending call lives in task storage. bench/net-profile.sh
 *     measures it against compat.
 *   compat: CO-RE probe reads for every field and the LRU hash
 *     (THREAD_LOCAL). */

static __always_inline bool task_in_netns(const bool direct)
{
	if (direct)
		return bpf_get_current_task_btf()->nsproxy->net_ns->ns.inum == netns_ino;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, net_ns,
			     ns.inum) == netns_ino;
}

static __always_inline bool inet_sock(__u16 family, __u16 proto)
{
	return (family == AF_INET || family == AF_INET6) &&
	       (proto == IPPROTO_TCP || proto == IPPROTO_UDP);
}

static __always_inline struct sock *sock_of_fd_core(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct socket *so;
	struct file *f = NULL;
	struct sock *sk;

	if (fd < 0 || fd >= max)
		return NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != netns_ino ||
	    !inet_sock(BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ(sk, sk_protocol)))
		return NULL;
	return sk;
}

static __always_inline struct sock *sock_of_fd_direct(long fd)
{
	struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;
	struct file *f = NULL;
	struct socket *so;
	struct sock *sk;

	if (fd < 0 || fd >= fdt->max_fds ||
	    bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]) || !f)
		return NULL;
	f = BTF_CAST(struct file, f);
	if ((f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	so = BTF_CAST(struct socket, f->private_data);
	sk = so->sk;
	if (!sk || sk->__sk_common.skc_net.net->ns.inum != netns_ino ||
	    !inet_sock(sk->__sk_common.skc_family, sk->sk_protocol))
		return NULL;
	return sk;
}

/* p also seeds a new hash slot: no separate empty value is needed. */
static __always_inline void pending_save(const struct pending *p)
{
	struct pending *slot = thread_local_get(calls, true, p);

	if (slot)
		*slot = *p;
}

/* The call this thread entered, or NULL. */
static __always_inline struct pending *pending_get(void)
{
	struct pending *p = thread_local_get(calls, false, NULL);

	return p && p->sk ? p : NULL;
}

static __always_inline int call_enter(long nr, long fd, void *buf, void *addr, __u32 dir,
				      __u16 vlen, __u16 gso, const bool direct)
{
	struct pending p = {};

	if (!filter_current())
		return 0;
	/* Cheap first test: the calling task's network namespace. Every agent's
	 * programs run for every syscall on the host, so the fd table walk
	 * below is only done for tasks of this agent's namespace (a socket of
	 * this namespace used from a task of another one is not seen). */
	if (!task_in_netns(direct))
		return 0;
	p.sk = direct ? sock_of_fd_direct(fd) : sock_of_fd_core(fd);
	if (!p.sk)
		return 0;
	p.buf = buf;
	p.addr = addr;
	p.dir = dir;
	p.nr = nr;
	p.vlen = vlen;
	p.gso = gso;
	/* a receive is timed at its exit */
	p.ts = dir == DIR_SEND ? now_ns() : 0;
	pending_save(&p);
	return 0;
}

/* The UDP_SEGMENT size of a sendmsg's control data (first two cmsgs). */
static __always_inline __u16 cmsg_gso(const struct user_msghdr *msg)
{
	struct {
		__u64 len;
		__s32 level, type;
		__u16 gso;
	} c = {};
	__u64 off = 0;

	/* unrolled: Linux 6.1 rejects a loop whose body calls a helper
	 * ("back-edge from insn N to N+1") */
#pragma clang loop unroll(full)
	for (int i = 0; i < 2; i++) {
		if (off + 18 > msg->msg_controllen ||
		    bpf_probe_read_user(&c, sizeof(c), msg->msg_control + off))
			return 0;
		if (c.level == SOL_UDP && c.type == UDP_SEGMENT)
			return c.gso;
		off += (c.len + 7) & ~7ULL;
	}
	return 0;
}

/* msghdr/iovec variants: the first buffer and the address. */
static __always_inline int msg_enter(long nr, long fd, struct user_msghdr *umsg, __u32 dir,
				     const bool direct)
{
	struct user_msghdr msg = {};
	struct iovec iov = {};

	if (bpf_probe_read_user(&msg, sizeof(msg), umsg) ||
	    bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov))
		return 0;
	return call_enter(nr, fd, iov.iov_base, msg.msg_name, dir, 0,
			  dir == DIR_SEND ? cmsg_gso(&msg) : 0, direct);
}

/* sendmmsg/recvmmsg: the vector itself; the exit walks it. */
static __always_inline int mmsg_enter(long nr, long fd, void *vec, long vlen, __u32 dir,
				      const bool direct)
{
	if (vlen <= 0)
		return 0;
	return call_enter(nr, fd, vec, NULL, dir, vlen > 0xffff ? 0xffff : vlen, 0, direct);
}

static __always_inline int iov_enter(long nr, long fd, struct iovec *uiov, __u32 dir,
				     const bool direct)
{
	struct iovec iov = {};

	if (bpf_probe_read_user(&iov, sizeof(iov), uiov))
		return 0;
	return call_enter(nr, fd, iov.iov_base, NULL, dir, 0, 0, direct);
}

/* Local and remote ends of a socket (remote overridden per datagram by a
 * sendto/recvfrom/msg_name address). */
struct call_addrs {
	__u8 local[16], remote[16];
	__u16 lport, rport;
};

/* What a call's exit needs of its socket, read once. */
struct sock_view {
	struct call_addrs a;
	__u32 seq_end; /* TCP: write_seq after a send, copied_seq after a receive */
	__u16 gso;     /* UDP send: the socket's UDP_SEGMENT size */
	__u8 proto, family;
};

static __always_inline void view_core(struct sock *sk, __u32 dir, struct sock_view *v)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	v->proto = BPF_CORE_READ(sk, sk_protocol);
	v->family = BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET ? 4 : 6;
	v->a.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	v->a.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (v->family == 4) {
		BPF_CORE_READ_INTO((__u32 *)v->a.local, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)v->a.remote, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)v->a.local, sk,
				   __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)v->a.remote, sk, __sk_common.skc_v6_daddr);
	}
	if (v->proto == IPPROTO_TCP)
		v->seq_end = dir == DIR_SEND ? BPF_CORE_READ(tp, write_seq)
					     : BPF_CORE_READ(tp, copied_seq);
	else if (dir == DIR_SEND)
		v->gso = BPF_CORE_READ((struct udp_sock *)sk, gso_size);
}

static __always_inline void view_direct(struct sock *saved, __u32 dir, struct sock_view *v)
{
	struct sock *sk = BTF_CAST(struct sock, saved);

	v->proto = sk->sk_protocol;
	v->family = sk->__sk_common.skc_family == AF_INET ? 4 : 6;
	v->a.lport = sk->__sk_common.skc_num;
	v->a.rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (v->family == 4) {
		*(__u32 *)v->a.local = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)v->a.remote = sk->__sk_common.skc_daddr;
	} else {
		__builtin_memcpy(v->a.local, &sk->__sk_common.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(v->a.remote, &sk->__sk_common.skc_v6_daddr, 16);
	}
	if (v->proto == IPPROTO_TCP)
		v->seq_end = dir == DIR_SEND ? BTF_CAST(struct tcp_sock, saved)->write_seq
					     : BTF_CAST(struct tcp_sock, saved)->copied_seq;
	else if (dir == DIR_SEND)
		v->gso = BTF_CAST(struct udp_sock, saved)->gso_size;
}

/* A sockaddr given to sendto/recvfrom overrides the socket's peer. */
static __always_inline void user_peer(void *uaddr, struct net_event *e, __u8 *remote, __u16 *rport)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return;
	if (sa.sin6_family == AF_INET && e->family == 4) {
		__builtin_memcpy(remote, &((struct sockaddr_in *)&sa)->sin_addr, 4);
		*rport = bpf_ntohs(sa.sin6_port);
	} else if (sa.sin6_family == AF_INET6 && e->family == 6) {
		__builtin_memcpy(remote, &sa.sin6_addr, 16);
		*rport = bpf_ntohs(sa.sin6_port);
	}
}

/* Addresses in data direction: a send goes local -> remote. */
static __always_inline void orient(struct net_event *e, const struct call_addrs *a, __u32 dir)
{
	bool send = dir == DIR_SEND;

	__builtin_memcpy(e->saddr, send ? a->local : a->remote, 16);
	__builtin_memcpy(e->daddr, send ? a->remote : a->local, 16);
	e->sport = send ? a->lport : a->rport;
	e->dport = send ? a->rport : a->lport;
}

/* One UDP datagram of len bytes whose payload starts at user address buf. */
static __always_inline void emit_udp(struct net_event *e, const void *buf, __u32 len,
				     const __u8 boundary)
{
	__u8 head[NET_HASH_BYTES] = {};
	__u64 n = head_len(len); /* 64 bits: the checked register is the one passed */

	/* a bound the verifier sees (clang would drop a repeated one): the
	 * exit programs' stack is tight (net_agg.bpf.h) */
	barrier_var(n);
	if (n > NET_HASH_BYTES)
		return;
	if (bpf_probe_read_user(head, n, buf))
		stat_inc(STAT_ERRORS);
	e->len = len;
	e->hash = hash_head(head);
	emit(e, boundary);
}

/* A UDP send with GSO (UDP_SEGMENT) leaves as ceil(len / gso) datagrams:
 * one record each, hashed from its own bytes (all in the first iovec), the
 * first NET_GSO_MAX of them (the rest counted uncovered), as tc records
 * them (emit_skb_udp_gso). */
static __always_inline void emit_udp_send(struct net_event *e, const void *buf, __u32 len,
					  __u32 gso)
{
	if (gso < NET_HASH_BYTES || len <= gso) {
		emit_udp(e, buf, len, NET_B_SEND);
		return;
	}
	/* unrolled: Linux 6.1 rejects a loop whose body calls a helper
	 * ("back-edge from insn N to N+1") */
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < NET_GSO_MAX; i++) {
		__u32 off = i * gso;

		if (off >= len)
			return;
		emit_udp(e, buf + off, len - off < gso ? len - off : gso, NET_B_SEND);
	}
	if (len > NET_GSO_MAX * gso)
		add_uncovered((len - 1) / gso + 1 - NET_GSO_MAX);
}

/* One UDP message of a call: its peer address (if given) and bytes. */
static __always_inline void udp_message(struct net_event *e, const struct call_addrs *a,
					__u32 dir, const void *buf, void *addr, __u32 len,
					__u16 gso)
{
	struct call_addrs ua = *a;

	user_peer(addr, e, ua.remote, &ua.rport);
	orient(e, &ua, dir);
	if (dir == DIR_SEND)
		emit_udp_send(e, buf, len, gso);
	else
		emit_udp(e, buf, len, NET_B_RECV);
}

/* TCP: len bytes ending at write_seq (send) or copied_seq (receive). */
static __always_inline void tcp_message(struct net_event *e, const struct sock_view *v, __u32 dir,
					__u32 len)
{
	e->seq = v->seq_end - len;
	e->len = len;
	orient(e, &v->a, dir);
	emit(e, dir == DIR_SEND ? NET_B_SEND : NET_B_RECV);
}

struct mmsg {
	struct user_msghdr hdr;
	__u32 len; /* bytes of this message sent / received */
	__u32 pad;
};

/* sendmmsg/recvmmsg returned n messages: UDP gets one record per message,
 * TCP one record for the whole call (one send). Entries past NET_MMSG_MAX
 * are counted as uncovered. A GSO message inside a sendmmsg vector is one
 * record (not split: nested loops would cost the verifier too much). */
static __always_inline void mmsg_exit(struct pending *p, struct net_event *e,
				      const struct sock_view *v, __u32 dir, __u32 n)
{
	struct mmsg *vec = p->buf;
	__u32 total = 0;

	/* unrolled: Linux 6.1 rejects a loop whose body calls a helper
	 * ("back-edge from insn N to N+1") */
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < NET_MMSG_MAX; i++) {
		struct mmsg m = {};
		struct iovec iov = {};

		if (i >= n)
			break;
		if (bpf_probe_read_user(&m, sizeof(m), &vec[i])) {
			stat_inc(STAT_ERRORS);
			return;
		}
		total += m.len;
		if (e->proto == IPPROTO_TCP || !m.len)
			continue;
		if (bpf_probe_read_user(&iov, sizeof(iov), m.hdr.msg_iov))
			stat_inc(STAT_ERRORS);
		udp_message(e, &v->a, dir, iov.iov_base, m.hdr.msg_name, m.len, 0);
	}
	if (n > NET_MMSG_MAX)
		add_uncovered(e->proto == IPPROTO_TCP ? n : n - NET_MMSG_MAX);
	else if (e->proto == IPPROTO_TCP && total)
		tcp_message(e, v, dir, total);
}

/* dir, mmsg and direct are constants per exit program, so each program
 * carries only its own path (the GSO loop only in sends, the vector walk
 * only in sendmmsg/recvmmsg): verification stays short. */
static __always_inline int call_exit(long nr, long ret, const __u32 dir, const bool mmsg,
				     const bool direct)
{
	struct pending *p = pending_get();
	struct net_event e = {};
	struct sock_view v = {};

	if (!p)
		return 0;
	/* A pending call of another syscall is stale (its exit was missed: a
	 * busy task storage lock, or the exit programs attached after its
	 * entry): it must not become a record of this call's socket. */
	if (ret <= 0 || p->nr != nr || p->dir != dir || !p->vlen != !mmsg)
		goto out;
	if (direct)
		view_direct(p->sk, dir, &v);
	else
		view_core(p->sk, dir, &v);
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.proto = v.proto;
	e.family = v.family;
	e.boundary = dir == DIR_SEND ? NET_B_SEND : NET_B_RECV;
	e.ts_ns = p->ts; /* receive: 0, emit reads the clock */
	if (mmsg)
		mmsg_exit(p, &e, &v, dir, ret);
	else if (e.proto == IPPROTO_UDP)
		udp_message(&e, &v.a, dir, p->buf, p->addr, ret,
			    dir == DIR_SEND ? (p->gso ?: v.gso) : 0);
	else
		tcp_message(&e, &v, dir, ret);
out:
	p->sk = NULL; /* the slot is free */
	return 0;
}

/* Each syscall gets two programs, NAME (compat) and NAME_d (direct), from
 * one body; `ctx` and `direct` are in scope of BODY. */
#define SYSCALL_PROGS(event, name, ctx_type, body)                                                 \
	SEC("tp/syscalls/" #event)                                                                 \
	int name(ctx_type *ctx)                                                                    \
	{                                                                                          \
		const bool direct = false;                                                         \
		return body;                                                                       \
	}                                                                                          \
	SEC("tp/syscalls/" #event)                                                                 \
	int name##_d(ctx_type *ctx)                                                                \
	{                                                                                          \
		const bool direct = true;                                                          \
		return body;                                                                       \
	}
#define ENTER_PROGS(call, body) SYSCALL_PROGS(sys_enter_##call, call##_enter, struct trace_event_raw_sys_enter, body)
#define EXIT_PROGS(call, dir, mmsg)                                                                \
	SYSCALL_PROGS(sys_exit_##call, call##_exit, struct trace_event_raw_sys_exit,               \
		      call_exit((__u32)ctx->id, ctx->ret, dir, mmsg, direct))

/* The per-syscall tracepoints start with an int __syscall_nr where this
 * struct has a long id: only its low 32 bits are the number. */
#define ARG(n) ctx->args[n]
ENTER_PROGS(sendto, call_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), (void *)ARG(4), DIR_SEND, 0, 0, direct))
ENTER_PROGS(sendmsg, msg_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), DIR_SEND, direct))
ENTER_PROGS(write, call_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), NULL, DIR_SEND, 0, 0, direct))
ENTER_PROGS(writev, iov_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), DIR_SEND, direct))
ENTER_PROGS(sendmmsg, mmsg_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), ARG(2), DIR_SEND, direct))
ENTER_PROGS(recvfrom, call_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), (void *)ARG(4), DIR_RECV, 0, 0, direct))
ENTER_PROGS(recvmsg, msg_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), DIR_RECV, direct))
ENTER_PROGS(read, call_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), NULL, DIR_RECV, 0, 0, direct))
ENTER_PROGS(readv, iov_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), DIR_RECV, direct))
ENTER_PROGS(recvmmsg, mmsg_enter((__u32)ctx->id, ARG(0), (void *)ARG(1), ARG(2), DIR_RECV, direct))

EXIT_PROGS(sendto, DIR_SEND, false)
EXIT_PROGS(sendmsg, DIR_SEND, false)
EXIT_PROGS(write, DIR_SEND, false)
EXIT_PROGS(writev, DIR_SEND, false)
EXIT_PROGS(sendmmsg, DIR_SEND, true)
EXIT_PROGS(recvfrom, DIR_RECV, false)
EXIT_PROGS(recvmsg, DIR_RECV, false)
EXIT_PROGS(read, DIR_RECV, false)
EXIT_PROGS(readv, DIR_RECV, false)
EXIT_PROGS(recvmmsg, DIR_RECV, true)

/* ---- boundaries 2 and 3: packets ---- */

struct pkt {
	__u32 l4_off;	  /* offset of the TCP/UDP header */
	__u32 ip_payload; /* bytes after the IP header, from the IP length field */
};

/* Fills addresses, ports, proto, family, seq and len (TCP: from the IP
 * length, which the stack sets to the whole super-segment for GSO/GRO). */
static __always_inline bool parse_pkt(void *data, void *end, struct net_event *e, struct pkt *p)
{
	struct ethhdr *eth = data;
	__u8 proto;

	if ((void *)(eth + 1) > end)
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || (ip->frag_off & bpf_htons(0x1fff)))
			return false;
		proto = ip->protocol;
		e->family = 4;
		__builtin_memcpy(e->saddr, &ip->saddr, 4);
		__builtin_memcpy(e->daddr, &ip->daddr, 4);
		p->l4_off = sizeof(*eth) + ip->ihl * 4;
		p->ip_payload = bpf_ntohs(ip->tot_len) - ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return false;
		proto = ip6->nexthdr;
		e->family = 6;
		__builtin_memcpy(e->saddr, &ip6->saddr, 16);
		__builtin_memcpy(e->daddr, &ip6->daddr, 16);
		p->l4_off = sizeof(*eth) + sizeof(*ip6);
		p->ip_payload = bpf_ntohs(ip6->payload_len);
	} else {
		return false;
	}
	e->proto = proto;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = data + (p->l4_off & 0xff);

		if ((void *)(th + 1) > end)
			return false;
		e->sport = bpf_ntohs(th->source);
		e->dport = bpf_ntohs(th->dest);
		e->seq = bpf_ntohl(th->seq);
		p->l4_off += th->doff * 4;
		e->len = p->ip_payload > th->doff * 4u ? p->ip_payload - th->doff * 4 : 0;
		return true;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = data + (p->l4_off & 0xff);

		if ((void *)(uh + 1) > end)
			return false;
		e->sport = bpf_ntohs(uh->source);
		e->dport = bpf_ntohs(uh->dest);
		p->l4_off += sizeof(*uh);
		e->len = bpf_ntohs(uh->len) > 8 ? bpf_ntohs(uh->len) - 8 : 0;
		return true;
	}
	return false;
}

/* Payload head into buf: one load when it is long enough, else byte by
 * byte (the helpers want a size the verifier can prove non-zero). */
#define LOAD_HEAD(load, ctx, off, len, buf)                                                        \
	({                                                                                         \
		long __err = 0;                                                                    \
		if ((len) >= NET_HASH_BYTES)                                                       \
			__err = load(ctx, off, buf, NET_HASH_BYTES);                               \
		else                                                                               \
			_Pragma("clang loop unroll(full)")                                         \
			for (int __i = 0; __i < NET_HASH_BYTES - 1; __i++)                         \
				if (__i < (len))                                                   \
					__err |= load(ctx, (off) + __i, &(buf)[__i], 1);           \
		__err;                                                                             \
	})

/* One UDP datagram at offset off of the skb. */
static __always_inline void emit_skb_udp(struct __sk_buff *skb, struct net_event *e, __u32 off,
					 __u32 len, const __u8 boundary)
{
	__u8 head[NET_HASH_BYTES] = {};

	if (LOAD_HEAD(bpf_skb_load_bytes, skb, off, len, head))
		stat_inc(STAT_ERRORS);
	e->len = len;
	e->hash = hash_head(head);
	emit(e, boundary);
}

/* A UDP GSO super-packet (gso_size set: not yet segmented at tc egress,
 * or passed whole through a veth) is the datagrams it will be on the
 * wire: one record per gso_size segment, as the sender recorded them. Full
 * segments are hashed with one fixed-size load (cheap to verify); a GSO
 * size under NET_HASH_BYTES is not split. */
static __always_inline void emit_skb_udp_gso(struct __sk_buff *skb, struct net_event *e,
					     __u32 off, __u32 len, const __u8 boundary)
{
	__u32 gso = skb->gso_size, seg = 0;
	__u8 head[NET_HASH_BYTES];

	if (gso < NET_HASH_BYTES || len <= gso) {
		emit_skb_udp(skb, e, off, len, boundary);
		return;
	}
	/* unrolled: Linux 6.1 rejects a loop whose body calls a helper
	 * ("back-edge from insn N to N+1") */
#pragma clang loop unroll(full)
	for (int i = 0; i < NET_GSO_MAX; i++) {
		seg = i * gso;
		if (seg >= len)
			return;
		if (len - seg < gso) {
			emit_skb_udp(skb, e, (off + seg) & 0xffff, len - seg, boundary);
			return;
		}
		if (bpf_skb_load_bytes(skb, (off + seg) & 0xffff, head, NET_HASH_BYTES))
			stat_inc(STAT_ERRORS);
		e->len = gso;
		e->hash = hash_head(head);
		emit(e, boundary);
	}
	seg = NET_GSO_MAX * gso;
	if (seg < len)
		add_uncovered((len - seg - 1) / gso + 1);
}

static __always_inline int on_skb(struct __sk_buff *skb, __u8 boundary)
{
	struct net_event e = {};
	struct pkt p = {};

	if (!parse_pkt((void *)(long)skb->data, (void *)(long)skb->data_end, &e, &p))
		return TCX_NEXT;
	e.boundary = boundary;
	e.ifindex = skb->ifindex;
	if (e.proto == IPPROTO_UDP) {
		emit_skb_udp_gso(skb, &e, p.l4_off, e.len, boundary);
		return TCX_NEXT;
	}
	/* BIG TCP leaves the IPv4 length 0: the skb length is authoritative. */
	if (boundary == NET_B_EGRESS && skb->len > p.l4_off)
		e.len = skb->len - p.l4_off;
	emit(&e, boundary);
	return TCX_NEXT;
}

SEC("tc")
int net_tc_egress(struct __sk_buff *skb)
{
	return on_skb(skb, NET_B_EGRESS);
}

SEC("tc")
int net_tc_ingress(struct __sk_buff *skb)
{
	return on_skb(skb, NET_B_INGRESS);
}

SEC("xdp")
int net_xdp_ingress(struct xdp_md *ctx)
{
	__u8 head[NET_HASH_BYTES] = {};
	struct net_event e = {};
	struct pkt p = {};

	if (!parse_pkt((void *)(long)ctx->data, (void *)(long)ctx->data_end, &e, &p))
		return XDP_PASS;
	if (e.proto == IPPROTO_UDP) {
		if (LOAD_HEAD(bpf_xdp_load_bytes, ctx, p.l4_off, e.len, head))
			stat_inc(STAT_ERRORS);
		e.hash = hash_head(head);
	}
	e.boundary = NET_B_INGRESS;
	e.ifindex = ctx->ingress_ifindex;
	emit(&e, NET_B_INGRESS);
	return XDP_PASS;
}
