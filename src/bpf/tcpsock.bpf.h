/* Kernel-side helpers of the tcp* tools: addresses of a socket, its cgroup,
 * the socket behind a file descriptor, and the target filter for events that
 * run in softirq context (retransmits, drops, most state changes), where the
 * current task is whoever was interrupted: those filter on the socket's
 * cgroup, which is the cgroup of the process that created it. */
#ifndef BPFSCOPE_TCPSOCK_BPF_H
#define BPFSCOPE_TCPSOCK_BPF_H

#include "bpf/tcpsock.h"

static __always_inline void sock_addrs_read(const struct sock *sk, struct sock_addrs *a)
{
	a->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	a->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	a->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (a->family == TCPSOCK_AF_INET6) {
		BPF_CORE_READ_INTO(&a->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&a->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)a->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)a->daddr, sk, __sk_common.skc_daddr);
	}
}

static __always_inline bool sock_is_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return BPF_CORE_READ(sk, sk_protocol) == TCPSOCK_IPPROTO_TCP &&
	       (family == TCPSOCK_AF_INET || family == TCPSOCK_AF_INET6);
}

static __always_inline struct cgroup *sock_cgroup(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
}

static __always_inline __u64 sock_cgroup_id(const struct sock *sk)
{
	struct cgroup *cg = sock_cgroup(sk);

	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* For events without a meaningful current task: only cgroup filters apply. */
static __always_inline bool filter_sock(const struct sock *sk)
{
	struct cgroup *cg;

	if (!filter.cgroup_id && !filter.cgroup_set)
		return true;
	cg = sock_cgroup(sk);
	return cg && filter_cgroup(cg);
}

static __always_inline bool filter_active(void)
{
	return filter.tgid || filter.has_comm || filter.cgroup_id || filter.cgroup_set;
}

/* The sock behind a descriptor of the current task (accept's result). */
static __always_inline struct sock *sock_of_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#endif
