/* netpath: follows TCP segments through the kernel's network tracepoints
 * (tp_btf, no kprobes): dev queue, driver xmit, netif receive, GRO entry,
 * TCP receive (tcp_probe) and drops (kfree_skb with its reason), with the
 * network namespace and interface at each step. A segment is named by its
 * 4-tuple and sequence number, parsed from the skb's network header, so the
 * same bytes can be followed across veth pairs and namespaces. At
 * net_dev_xmit the skb may already belong to the peer (veth), so it is not
 * parsed there: the key remembered at net_dev_queue is looked up by skb
 * address. */
#include "bpf/common.bpf.h"
#include "bpf/dropreason.bpf.h"
#include <bpf/bpf_endian.h>

#include "bpf/netpath.h"

#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define IPPROTO_TCP 6

const volatile __u16 port = 0; /* --port: either side */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* skb address */
	__type(value, struct netpath_event);
} queued SEC(".maps");

/* Fills flow, seq and len from the skb's IP and TCP headers. */
static __always_inline bool parse(struct sk_buff *skb, struct netpath_event *e)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = BPF_CORE_READ(skb, protocol);
	__u32 l4, iplen;
	struct tcphdr th;

	if (nh == (__u16)~0U)
		return false;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.protocol != IPPROTO_TCP)
			return false;
		e->family = 4;
		__builtin_memcpy(e->saddr, &ip.saddr, 4);
		__builtin_memcpy(e->daddr, &ip.daddr, 4);
		l4 = nh + ip.ihl * 4;
		iplen = bpf_ntohs(ip.tot_len) - ip.ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) ||
		    ip6.nexthdr != IPPROTO_TCP)
			return false;
		e->family = 6;
		__builtin_memcpy(e->saddr, &ip6.saddr, 16);
		__builtin_memcpy(e->daddr, &ip6.daddr, 16);
		l4 = nh + sizeof(ip6);
		iplen = bpf_ntohs(ip6.payload_len);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&th, sizeof(th), head + l4))
		return false;
	e->sport = bpf_ntohs(th.source);
	e->dport = bpf_ntohs(th.dest);
	e->seq = bpf_ntohl(th.seq);
	e->len = iplen > th.doff * 4u ? iplen - th.doff * 4 : 0;
	e->flags = th.syn | th.fin << 1 | th.rst << 2;
	if (port && e->sport != port && e->dport != port)
		return false;
	return e->len || e->flags; /* pure ACKs carry no bytes to follow */
}

static __always_inline void dev_info(struct net_device *dev, struct netpath_event *e)
{
	if (!dev)
		return;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

static __always_inline int step(struct sk_buff *skb, __u8 kind)
{
	struct netpath_event e = {};

	if (!parse(skb, &e))
		return 0;
	e.ts_ns = bpf_ktime_get_ns();
	e.step = kind;
	dev_info(BPF_CORE_READ(skb, dev), &e);
	event_output(&e, sizeof(e));
	if (kind == NP_QUEUE) {
		__u64 key = (__u64)skb;

		bpf_map_update_elem(&queued, &key, &e, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(np_queue, struct sk_buff *skb)
{
	return step(skb, NP_QUEUE);
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(np_xmit, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	__u64 key = (__u64)skb;
	struct netpath_event *q = bpf_map_lookup_elem(&queued, &key);
	struct netpath_event e;

	if (!q)
		return 0;
	e = *q;
	bpf_map_delete_elem(&queued, &key);
	e.ts_ns = bpf_ktime_get_ns();
	e.step = NP_XMIT;
	e.reason = rc;
	dev_info(dev, &e);
	event_output(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(np_receive, struct sk_buff *skb)
{
	return step(skb, NP_RECEIVE);
}

SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(np_gro, struct sk_buff *skb)
{
	return step(skb, NP_GRO);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(np_tcp_rcv, struct sock *sk, struct sk_buff *skb)
{
	struct netpath_event e = {};

	if (!parse(skb, &e))
		return 0;
	e.ts_ns = bpf_ktime_get_ns();
	e.step = NP_TCP_RCV;
	e.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e.ifindex = BPF_CORE_READ(skb, skb_iif);
	event_output(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/kfree_skb")
int np_drop(__u64 *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct netpath_event e = {};

	if (!parse(skb, &e))
		return 0;
	e.ts_ns = bpf_ktime_get_ns();
	e.step = NP_DROP;
	e.reason = kfree_skb_btf_reason(ctx);
	dev_info(BPF_CORE_READ(skb, dev), &e);
	event_output(&e, sizeof(e));
	return 0;
}
