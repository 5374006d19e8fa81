/* tcpaccept: passive TCP opens, seen where the process takes them: at the
 * return of accept()/accept4(), the new descriptor's socket is read through
 * the task's file table (no kprobe on inet_csk_accept needed). Accepts made
 * through io_uring are not seen. */
#include "bpf/common.bpf.h"
#include "bpf/tcpaccept.h"
#include "bpf/tcpsock.bpf.h"

const volatile __u16 lport_only = 0;

static __always_inline int on_accept(long fd)
{
	struct tcpaccept_event *e;
	struct sock *sk;
	__u64 id;

	if (fd < 0 || !filter_current())
		return 0;
	sk = sock_of_fd(fd);
	if (!sk || !sock_is_tcp(sk))
		return 0;
	if (lport_only && BPF_CORE_READ(sk, __sk_common.skc_num) != lport_only)
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = id >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	sock_addrs_read(sk, &e->addrs);
	event_submit(e);
	return 0;
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
