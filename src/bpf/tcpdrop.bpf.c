/* tcpdrop: TCP packets the kernel drops (skb:kfree_skb, which carries the
 * drop reason since 5.17; before, every kfree_skb is reported, reason unknown). The packet's IP and TCP headers are read from the
 * skb to get addresses and flags (many drops have no socket, e.g. NO_SOCKET);
 * the socket, when there is one, gives the state and the cgroup for the
 * filter. tp_btf preferred, the classic tracepoint as fallback. */
#include "bpf/common.bpf.h"
#include "bpf/dropreason.bpf.h"
#include "bpf/tcpdrop.h"
#include "bpf/tcpsock.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

const volatile __u16 port_only = 0;
const volatile bool with_unspecified = false;

/* Fills addresses and flags from the headers; false when not TCP. */
static __always_inline bool read_headers(struct sk_buff *skb, struct tcpdrop_event *e)
{
	__u16 proto = __builtin_bswap16(BPF_CORE_READ(skb, protocol));
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *l4;
	struct tcphdr th;

	l4 = head + BPF_CORE_READ(skb, network_header);
	if (proto == ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), l4) || ip.protocol != TCPSOCK_IPPROTO_TCP)
			return false;
		e->addrs.family = TCPSOCK_AF_INET;
		__builtin_memcpy(e->addrs.saddr, &ip.saddr, 4);
		__builtin_memcpy(e->addrs.daddr, &ip.daddr, 4);
		l4 += ip.ihl * 4;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), l4) || ip6.nexthdr != TCPSOCK_IPPROTO_TCP)
			return false;
		e->addrs.family = TCPSOCK_AF_INET6;
		__builtin_memcpy(e->addrs.saddr, &ip6.saddr, 16);
		__builtin_memcpy(e->addrs.daddr, &ip6.daddr, 16);
		l4 += sizeof(ip6);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&th, sizeof(th), l4))
		return false;
	e->addrs.sport = __builtin_bswap16(th.source);
	e->addrs.dport = __builtin_bswap16(th.dest);
	e->tcpflags = ((__u8 *)&th)[13];
	return true;
}

static __always_inline int on_drop(struct sk_buff *skb, void *location, __u32 reason)
{
	struct tcpdrop_event *e;
	struct sock *sk;

	/* SKB_NOT_DROPPED_YET and SKB_CONSUMED are not drops; NOT_SPECIFIED
	 * (2) also frees packets that were fully processed (an ACK ending a
	 * handshake, in tcp_rcv_state_process), so it is opt-in */
	if (reason != DROP_REASON_UNKNOWN && (reason <= 1 || (reason == 2 && !with_unspecified)))
		return 0;
	sk = BPF_CORE_READ(skb, sk);
	if (sk ? !filter_sock(sk) : (filter.cgroup_id || filter.cgroup_set))
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(&e->addrs, 0, sizeof(e->addrs));
	if (!read_headers(skb, e) ||
	    (port_only && e->addrs.sport != port_only && e->addrs.dport != port_only)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->location = (__u64)location;
	e->reason = reason;
	e->state = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : -1;
	e->cgroup_id = sk ? sock_cgroup_id(sk) : 0;
	event_submit(e);
	return 0;
}

SEC("tp_btf/kfree_skb")
int kfree_skb__tp_btf(__u64 *ctx)
{
	return on_drop((struct sk_buff *)ctx[0], (void *)ctx[1], kfree_skb_btf_reason(ctx));
}

SEC("tp/skb/kfree_skb")
int kfree_skb__tracepoint(struct trace_event_raw_kfree_skb *ctx)
{
	return on_drop(ctx->skbaddr, ctx->location, kfree_skb_tp_reason(ctx));
}
