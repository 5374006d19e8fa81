/* tcpretrans: TCP retransmits (tcp:tcp_retransmit_skb) with addresses and
 * state. They run from the retransmit timer or on incoming ACKs, so the
 * target filter is the socket's cgroup. tp_btf, raw_tp fallback. */
#include "bpf/common.bpf.h"
#include "bpf/tcpretrans.h"
#include "bpf/tcpsock.bpf.h"

static __always_inline int on_retransmit(const struct sock *sk)
{
	struct tcpretrans_event *e;

	if (!sk || !filter_sock(sk))
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = sock_cgroup_id(sk);
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	sock_addrs_read(sk, &e->addrs);
	event_submit(e);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb__tp_btf, const struct sock *sk, const struct sk_buff *skb)
{
	return on_retransmit(sk);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb__raw_tp, const struct sock *sk, const struct sk_buff *skb)
{
	return on_retransmit(sk);
}
