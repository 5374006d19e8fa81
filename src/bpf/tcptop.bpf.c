/* tcptop: bytes per TCP connection and process, summed in the kernel from
 * sock:sock_send_length / sock:sock_recv_length (the return of
 * sock_sendmsg/sock_recvmsg, so read, write, send and recv calls on sockets all count;
 * sendfile and splice do not pass there). User space reads and clears the
 * map every interval. */
#include "bpf/common.bpf.h"
#include "bpf/tcpsock.bpf.h"
#include "bpf/tcptop.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_val);
} conns SEC(".maps");

static __always_inline int account(struct sock *sk, int ret, bool sending)
{
	struct tcptop_key key = {};
	struct tcptop_val *v, zero = {};
	struct sock_addrs a = {};

	if (ret <= 0 || !sock_is_tcp(sk) || !filter_current())
		return 0;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.skaddr = (__u64)sk;
	sock_addrs_read(sk, &a);
	v = bpf_map_lookup_elem(&conns, &key);
	if (!v) {
		zero.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(&zero.comm, sizeof(zero.comm));
		zero.addrs = a;
		bpf_map_update_elem(&conns, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&conns, &key);
		if (!v) {
			stat_inc(STAT_ERRORS);
			return 0;
		}
	}
	if (a.sport)
		v->addrs = a;
	if (sending)
		__sync_fetch_and_add(&v->tx_bytes, ret);
	else
		__sync_fetch_and_add(&v->rx_bytes, ret);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length__tp_btf, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, true);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length__tp_btf, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, false);
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(sock_send_length__raw_tp, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, true);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv_length__raw_tp, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, false);
}
