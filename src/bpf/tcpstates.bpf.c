/* tcpstates: every TCP state transition with the time spent in the previous
 * state. Many transitions run in softirq, so the target filter is the
 * socket's cgroup (the creator's), and pid/comm are whoever was current.
 * Addresses are remembered per socket: at the transition to CLOSE the
 * socket is already unhashed and its ports read 0. */
#include "bpf/common.bpf.h"
#include "bpf/tcpstates.h"
#include "bpf/tcpsock.bpf.h"

const volatile __u16 port_only = 0;

struct sock_seen {
	__u64 ts_ns;
	struct sock_addrs addrs;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_seen);
} last_change SEC(".maps");

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct sock_seen *prev, seen = { now };
	struct tcpstates_event *e;

	if (!sock_is_tcp(sk) || !filter_sock(sk))
		return 0;
	prev = bpf_map_lookup_elem(&last_change, &key);
	sock_addrs_read(sk, &seen.addrs);
	if (!seen.addrs.sport && prev)
		seen.addrs = prev->addrs;
	e = event_reserve(sizeof(*e));
	if (e) {
		e->ts_ns = now;
		e->skaddr = key;
		e->delta_ns = prev ? now - prev->ts_ns : 0;
		e->cgroup_id = sock_cgroup_id(sk);
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->oldstate = oldstate;
		e->newstate = newstate;
		bpf_get_current_comm(&e->comm, sizeof(e->comm));
		e->addrs = seen.addrs;
		if (port_only && e->addrs.sport != port_only && e->addrs.dport != port_only)
			bpf_ringbuf_discard(e, 0);
		else
			event_submit(e);
	}
	if (newstate == TCPS_CLOSE)
		bpf_map_delete_elem(&last_change, &key);
	else
		bpf_map_update_elem(&last_change, &key, &seen, BPF_ANY);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state__tp_btf, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state__raw_tp, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate);
}
