/* Socket capture for the wire protocol parsers (core/wireconn.h), included
 * by wire.bpf.c and by any BPF object that wants the same records (request
 * spans): the bytes processes read from and write to their stream sockets.
 * Syscall
 * tracepoints only (no kprobe on tcp_sendmsg): read/write, readv/writev,
 * sendto/recvfrom, sendmsg/recvmsg (send and recv are library calls over
 * sendto/recvfrom on x86-64 and arm64). Entry saves the buffer (or iovec
 * array, or msghdr) per thread; exit, when bytes moved and the fd is a TCP
 * or Unix stream socket, copies the first capture_bytes of what moved into
 * one ring-buffer record with the socket's identity and addresses. Other
 * fds (files, pipes, UDP) cost a lookup and nothing more. close() of a
 * stream socket and the exit of a process send a record without data, so
 * user space can forget their connections. */
#ifndef BPFSCOPE_WIRE_BPF_H
#define BPFSCOPE_WIRE_BPF_H

#include "bpf/fdpath.bpf.h"
#include "bpf/tcpsock.bpf.h"
#include "bpf/threadargs.bpf.h"
#include "bpf/wire.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define SOCK_STREAM 1

const volatile __u32 capture_bytes = 16384;

enum io_kind { IO_BUF, IO_IOV, IO_MSG };

struct io_args {
	__u64 ts_ns;
	__u64 buf; /* buffer, iovec array or struct user_msghdr */
	__u32 fd;
	__u16 kind;
	__u16 is_write;
	__u64 iovcnt;
};

THREAD_ARGS_MAP(io_starts, struct io_args);

#define SCRATCH_SIZE (sizeof(struct wire_event) + 2 * WIRE_DATA_MAX)

/* One record under construction per CPU: too large for a per-CPU array
 * (32 KiB limit), so a plain array with one slot per possible CPU (user
 * space sets max_entries before load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[SCRATCH_SIZE]);
} scratch SEC(".maps");

/* Processes that moved bytes on a stream socket: only their exit matters. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} socket_procs SEC(".maps");

static __always_inline int io_enter(long fd, long buf, long iovcnt, enum io_kind kind,
				    bool is_write)
{
	struct io_args a = { bpf_ktime_get_ns(), buf, fd, kind, is_write, iovcnt };

	if (fd >= 0)
		thread_args_save(&io_starts, &a);
	return 0;
}

/* The stream socket behind fd, or NULL for anything else. */
static __always_inline struct sock *stream_sock(__u32 fd)
{
	struct file *file = fdpath_current_file(fd);
	struct socket *socket;
	struct sock *sk;
	__u16 family;

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	socket = BPF_CORE_READ(file, private_data);
	sk = socket ? BPF_CORE_READ(socket, sk) : NULL;
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == WIRE_AF_UNIX)
		return BPF_CORE_READ(sk, sk_type) == SOCK_STREAM ? sk : NULL;
	return sock_is_tcp(sk) ? sk : NULL;
}

/* Copies up to want bytes from iovecs into data; returns the bytes copied. */
static __always_inline __u32 copy_iov(char *data, const struct iovec *iov, __u64 iovcnt,
				      __u32 want)
{
	__u32 off = 0;

	for (int i = 0; i < WIRE_IOV_MAX; i++) {
		struct iovec v;
		__u64 take;

		if (i >= iovcnt || off >= want)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i])) {
			stat_inc(STAT_ERRORS);
			break;
		}
		take = v.iov_len < want - off ? v.iov_len : want - off;
		if (take > WIRE_DATA_MAX || off > WIRE_DATA_MAX)
			break;
		if (bpf_probe_read_user(data + off, take, v.iov_base)) {
			stat_inc(STAT_ERRORS);
			break;
		}
		off += take;
	}
	return off;
}

static __always_inline __u32 copy_data(char *data, const struct io_args *a, __u32 want)
{
	struct user_msghdr msg;

	if (a->kind == IO_BUF) {
		if (want > WIRE_DATA_MAX)
			want = WIRE_DATA_MAX;
		if (bpf_probe_read_user(data, want, (void *)a->buf)) {
			stat_inc(STAT_ERRORS);
			return 0;
		}
		return want;
	}
	if (a->kind == IO_IOV)
		return copy_iov(data, (const struct iovec *)a->buf, a->iovcnt, want);
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)a->buf)) {
		stat_inc(STAT_ERRORS);
		return 0;
	}
	return copy_iov(data, msg.msg_iov, msg.msg_iovlen, want);
}

/* A MySQL client packet of the connection phase, or COM_CHANGE_USER, as
 * the whole of one write: keep its header and capability flags only. */
static __always_inline bool mysql_credentials(const __u8 *d, __u32 n, __u64 len)
{
	__u32 plen;

	if (n < 5)
		return false;
	plen = d[0] | (d[1] << 8) | (d[2] << 16);
	if (plen + 4 != len)
		return false;
	return (d[3] >= 1 && d[3] <= 8) || (d[3] == 0 && d[4] == 0x11);
}

static __always_inline void io_exit(long ret)
{
	struct io_args *a = thread_args_get(&io_starts);
	__u32 cpu = bpf_get_smp_processor_id(), want, n;
	struct wire_event *e;
	struct sock *sk;
	__u64 id;

	if (!a)
		return;
	if (ret <= 0 || !(sk = stream_sock(a->fd)))
		goto out;
	e = bpf_map_lookup_elem(&scratch, &cpu);
	if (!e) {
		stat_inc(STAT_ERRORS);
		goto out;
	}
	want = ret < capture_bytes ? ret : capture_bytes;
	n = copy_data(e->data, a, want);
	id = bpf_get_current_pid_tgid();
	e->start_ns = a->ts_ns;
	e->end_ns = bpf_ktime_get_ns();
	e->sock = (__u64)sk;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->len = ret > 0xffffffff ? 0xffffffff : ret;
	e->flags = a->is_write ? WIRE_F_WRITE : 0;
	if (a->is_write && mysql_credentials((const __u8 *)e->data, n, ret)) {
		n = n < WIRE_AUTH_KEEP ? n : WIRE_AUTH_KEEP;
		e->flags |= WIRE_F_AUTH_DROPPED;
	}
	e->data_len = n;
	__builtin_memset(&e->addrs, 0, sizeof(e->addrs));
	if (BPF_CORE_READ(sk, __sk_common.skc_family) == WIRE_AF_UNIX)
		e->addrs.family = WIRE_AF_UNIX;
	else
		sock_addrs_read(sk, &e->addrs);
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_map_update_elem(&socket_procs, &e->pid, &(__u8){ 1 }, BPF_ANY);
	/* n <= WIRE_DATA_MAX already; the mask lets the verifier see it */
	event_output(e, sizeof(*e) + (n & (2 * WIRE_DATA_MAX - 1)));
out:
	thread_args_drop(&io_starts);
}

#define MSG_PEEK 2

/* flags_arg: the argument holding recv flags (-1: none). A MSG_PEEK read
 * leaves the bytes to be read again: skipped, or the parser would see them
 * twice. */
#define WIRE_SYSCALL(name, kind, is_write, flags_arg)                                              \
	SEC("tp/syscalls/sys_enter_" #name)                                                        \
	int name##_enter(struct trace_event_raw_sys_enter *ctx)                                    \
	{                                                                                          \
		if (flags_arg >= 0 && (ctx->args[flags_arg & 7] & MSG_PEEK))                       \
			return 0;                                                                  \
		return io_enter(ctx->args[0], ctx->args[1], ctx->args[2], kind, is_write);         \
	}                                                                                          \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int name##_exit(struct trace_event_raw_sys_exit *ctx)                                      \
	{                                                                                          \
		io_exit(ctx->ret);                                                                 \
		return 0;                                                                          \
	}

WIRE_SYSCALL(read, IO_BUF, 0, -1)
WIRE_SYSCALL(write, IO_BUF, 1, -1)
WIRE_SYSCALL(recvfrom, IO_BUF, 0, 3)
WIRE_SYSCALL(sendto, IO_BUF, 1, -1)
WIRE_SYSCALL(readv, IO_IOV, 0, -1)
WIRE_SYSCALL(writev, IO_IOV, 1, -1)
WIRE_SYSCALL(recvmsg, IO_MSG, 0, 2)
WIRE_SYSCALL(sendmsg, IO_MSG, 1, -1)

/* A record without data that tells user space to forget connections. */
static __always_inline void lifecycle_event(__u64 sk, __u32 flags)
{
	struct wire_event e = {};
	__u64 id = bpf_get_current_pid_tgid();

	e.start_ns = e.end_ns = bpf_ktime_get_ns();
	e.sock = sk;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.flags = flags;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	event_output(&e, sizeof(e));
}

SEC("tp/syscalls/sys_enter_close")
int close_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk;

	if (!filter_current() || !(sk = stream_sock(ctx->args[0])))
		return 0;
	lifecycle_event((__u64)sk, WIRE_F_CLOSE);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (BPF_CORE_READ(task, signal, live.counter) != 0 ||
	    bpf_map_delete_elem(&socket_procs, &tgid))
		return 0;
	lifecycle_event(0, WIRE_F_EXIT);
	return 0;
}

#endif
