/* tcptop: bytes per TCP connection and process, summed in the kernel at the
 * return of the socket layer's sendmsg/recvmsg, so read, write, send and
 * recv calls on sockets all count. User space reads and clears the map
 * every interval.
 *
 * Mechanisms, best first (the loader keeps one per direction):
 *  - fexit on inet_sendmsg/inet_recvmsg (and the inet6_ ones): the AF_INET
 *    and AF_INET6 socket ops that sock_sendmsg/sock_recvmsg call, so the
 *    same calls as the tracepoints below, on any kernel with fentry (5.5+);
 *  - kprobe + kretprobe on the same functions (kernels with kprobes but no
 *    fentry), the socket kept per thread from entry to return;
 *  - tp_btf/raw_tp on sock:sock_send_length/sock_recv_length, which fire at
 *    the end of sock_sendmsg/sock_recvmsg but only exist since Linux 6.3:
 *    without the first two, older kernels would have no tcptop at all. */
#include "bpf/common.bpf.h"
#include "bpf/tcpsock.bpf.h"
#include "bpf/tcptop.h"
#include "bpf/threadargs.bpf.h"

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
int BPF_PROG(send__tp_btf, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, true);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(recv__tp_btf, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, false);
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(send__raw_tp, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, true);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(recv__raw_tp, struct sock *sk, int ret, int flags)
{
	return account(sk, ret, false);
}

SEC("fexit/inet_sendmsg")
int BPF_PROG(send__fexit, struct socket *sock, struct msghdr *msg, size_t size, int ret)
{
	return account(BPF_CORE_READ(sock, sk), ret, true);
}

SEC("fexit/inet6_sendmsg")
int BPF_PROG(send__fexit6_optional, struct socket *sock, struct msghdr *msg, size_t size, int ret)
{
	return account(BPF_CORE_READ(sock, sk), ret, true);
}

SEC("fexit/inet_recvmsg")
int BPF_PROG(recv__fexit, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
{
	return account(BPF_CORE_READ(sock, sk), ret, false);
}

SEC("fexit/inet6_recvmsg")
int BPF_PROG(recv__fexit6_optional, struct socket *sock, struct msghdr *msg, size_t size,
	     int flags, int ret)
{
	return account(BPF_CORE_READ(sock, sk), ret, false);
}

/* kprobes: the socket from entry, the byte count from the return */
THREAD_ARGS_MAP(kprobe_socks, struct sock *);

static __always_inline int save_sock(struct socket *sock)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	thread_args_save(&kprobe_socks, &sk);
	return 0;
}

static __always_inline int account_saved(long ret, bool sending)
{
	struct sock **sk = thread_args_get(&kprobe_socks);

	if (!sk)
		return 0;
	account(*sk, ret, sending);
	thread_args_drop(&kprobe_socks);
	return 0;
}

SEC("kprobe/inet_sendmsg")
int BPF_KPROBE(send__kprobe, struct socket *sock)
{
	return save_sock(sock);
}

SEC("kretprobe/inet_sendmsg")
int BPF_KRETPROBE(send__kretprobe, int ret)
{
	return account_saved(ret, true);
}

SEC("kprobe/inet6_sendmsg")
int BPF_KPROBE(send__kprobe6_optional, struct socket *sock)
{
	return save_sock(sock);
}

SEC("kretprobe/inet6_sendmsg")
int BPF_KRETPROBE(send__kretprobe6_optional, int ret)
{
	return account_saved(ret, true);
}

SEC("kprobe/inet_recvmsg")
int BPF_KPROBE(recv__kprobe, struct socket *sock)
{
	return save_sock(sock);
}

SEC("kretprobe/inet_recvmsg")
int BPF_KRETPROBE(recv__kretprobe, int ret)
{
	return account_saved(ret, false);
}

SEC("kprobe/inet6_recvmsg")
int BPF_KPROBE(recv__kprobe6_optional, struct socket *sock)
{
	return save_sock(sock);
}

SEC("kretprobe/inet6_recvmsg")
int BPF_KRETPROBE(recv__kretprobe6_optional, int ret)
{
	return account_saved(ret, false);
}
