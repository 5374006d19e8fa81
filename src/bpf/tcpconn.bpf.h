/* Active TCP opens from sock:inet_sock_set_state, shared by tcpconnect and
 * tcpconnlat: the connecting task is current at CLOSE -> SYN_SENT (inside
 * connect()), so pid, comm and cgroup are stashed per socket then; the event
 * is emitted when the socket leaves SYN_SENT (in softirq), with the latency
 * and the outcome. tp_btf preferred, raw_tp fallback, same body. */
#ifndef BPFSCOPE_TCPCONN_BPF_H
#define BPFSCOPE_TCPCONN_BPF_H

#include "bpf/common.bpf.h"
#include "bpf/tcpconnect.h"
#include "bpf/tcpsock.bpf.h"

const volatile __u64 min_latency_ns = 0;
const volatile bool established_only = false;
const volatile __u16 dport_only = 0;

struct conn_start {
	__u64 ts_ns, cgroup_id;
	__u32 pid, uid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct conn_start);
} conn_starts SEC(".maps");

static __always_inline void conn_begin(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct conn_start st = {};

	if (!sock_is_tcp(sk) || !filter_current())
		return;
	if (dport_only && __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport)) != dport_only)
		return;
	st.ts_ns = bpf_ktime_get_ns();
	st.cgroup_id = bpf_get_current_cgroup_id();
	st.pid = bpf_get_current_pid_tgid() >> 32;
	st.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(&st.comm, sizeof(st.comm));
	bpf_map_update_elem(&conn_starts, &key, &st, BPF_ANY);
}

static __always_inline void conn_end(const struct sock *sk, int newstate)
{
	__u64 key = (__u64)sk, latency;
	struct conn_start *st = bpf_map_lookup_elem(&conn_starts, &key);
	struct tcpconn_event *e;

	if (!st)
		return;
	latency = bpf_ktime_get_ns() - st->ts_ns;
	if ((established_only && newstate != TCPS_ESTABLISHED) || latency < min_latency_ns)
		goto out;
	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	e->ts_ns = st->ts_ns;
	e->latency_ns = latency;
	e->cgroup_id = st->cgroup_id;
	e->pid = st->pid;
	e->uid = st->uid;
	e->result = newstate;
	__builtin_memcpy(e->comm, st->comm, sizeof(e->comm));
	sock_addrs_read(sk, &e->addrs);
	event_submit(e);
out:
	bpf_map_delete_elem(&conn_starts, &key);
}

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (newstate == TCPS_SYN_SENT)
		conn_begin(sk);
	else if (oldstate == TCPS_SYN_SENT)
		conn_end(sk, newstate);
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

#endif
