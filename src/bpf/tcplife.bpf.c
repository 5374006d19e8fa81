/* tcplife: one line per TCP session when it closes, with its duration and
 * bytes each way read from tcp_sock via CO-RE at the transition to CLOSE.
 * The owner is the process current at CLOSE -> SYN_SENT (inside connect())
 * or at the return of accept()/accept4() (the passive side's state changes
 * run in softirq, where current is whoever was interrupted). With a target
 * filter, only sessions owned by a matching process are reported.
 *
 * The counters count sequence space, not payload: an active opener's
 * bytes_acked includes its SYN, bytes_acked includes our FIN once acked and
 * bytes_received the peer's FIN. Those are subtracted so TX/RX are the
 * payload bytes. Addresses are remembered while the socket is hashed: at the
 * transition to CLOSE the ports already read 0. */
#include "bpf/common.bpf.h"
#include "bpf/tcplife.h"
#include "bpf/tcpsock.bpf.h"

struct life {
	__u64 birth_ns, cgroup_id;
	__u32 pid, owned;
	__u8 active, established, fin_sent, pad;
	struct sock_addrs addrs;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct life);
} lives SEC(".maps");

static __always_inline void own(struct life *l)
{
	l->pid = bpf_get_current_pid_tgid() >> 32;
	l->cgroup_id = bpf_get_current_cgroup_id();
	l->owned = filter_current();
	bpf_get_current_comm(&l->comm, sizeof(l->comm));
}

static __always_inline void life_end(const struct sock *sk)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct life *l = bpf_map_lookup_elem(&lives, &key);
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	struct tcplife_event *e;

	if (!l)
		return;
	if (filter_active() && !l->owned)
		goto out;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = now;
	e->duration_ns = now - l->birth_ns;
	e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
	e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	if (l->active && l->established && e->tx_bytes)
		e->tx_bytes--; /* our SYN */
	if (l->fin_sent && BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq) && e->tx_bytes)
		e->tx_bytes--; /* our FIN, acknowledged */
	if ((BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))) &&
	    e->rx_bytes)
		e->rx_bytes--; /* the peer's FIN (tcp_fin() sets SOCK_DONE) */
	e->cgroup_id = l->cgroup_id;
	e->pid = l->pid;
	__builtin_memcpy(e->comm, l->comm, sizeof(e->comm));
	e->addrs = l->addrs;
	event_submit(e);
out:
	bpf_map_delete_elem(&lives, &key);
}

static __always_inline void life_update(const struct sock *sk, struct life *l, int newstate)
{
	struct sock_addrs a = {};

	sock_addrs_read(sk, &a);
	if (a.sport)
		l->addrs = a;
	if (newstate == TCPS_ESTABLISHED)
		l->established = 1;
	if (newstate == TCPS_FIN_WAIT1 || newstate == TCPS_LAST_ACK)
		l->fin_sent = 1;
}

static __always_inline int on_state(const struct sock *sk, int newstate)
{
	__u64 key = (__u64)sk;
	struct life new = {}, *l;

	if (!sock_is_tcp(sk))
		return 0;
	if (newstate == TCPS_SYN_SENT) {
		new.birth_ns = bpf_ktime_get_ns();
		new.active = 1;
		own(&new);
		bpf_map_update_elem(&lives, &key, &new, BPF_ANY);
	} else if (newstate == TCPS_SYN_RECV || newstate == TCPS_ESTABLISHED) {
		new.birth_ns = bpf_ktime_get_ns(); /* owner set at accept() */
		bpf_map_update_elem(&lives, &key, &new, BPF_NOEXIST);
	}
	if (newstate == TCPS_CLOSE) {
		life_end(sk);
		return 0;
	}
	l = bpf_map_lookup_elem(&lives, &key);
	if (l)
		life_update(sk, l, newstate);
	return 0;
}

static __always_inline int on_accept(long fd)
{
	struct sock *sk = fd >= 0 ? sock_of_fd(fd) : NULL;
	__u64 key = (__u64)sk;
	struct life *l;

	if (!sk)
		return 0;
	l = bpf_map_lookup_elem(&lives, &key);
	if (l)
		own(l);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state__tp_btf, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, newstate);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state__raw_tp, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, newstate);
}

SEC("tp/syscalls/sys_exit_accept4")
int accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int accept_exit__optional(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(ctx->ret);
}
