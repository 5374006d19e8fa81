/* sslsniff: TLS plaintext at the OpenSSL API. SSL_read/SSL_write(_ex) are
 * probed at entry (buffer pointer, and for _ex the pointer to the byte
 * count) and at return, where the buffer holds the plaintext just read or
 * written and the return value (or *count) says how much. */
#include "bpf/common.bpf.h"
#include "bpf/sslsniff.h"

struct call {
	__u64 ts_ns;
	const char *buf;
	const __u64 *count; /* _ex variants: size_t *readbytes / *written */
	__u32 op;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct call);
} calls SEC(".maps");

static __always_inline int on_entry(const char *buf, const __u64 *count, __u32 op)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = { bpf_ktime_get_ns(), buf, count, op };

	if (filter_current())
		bpf_map_update_elem(&calls, &tid, &c, BPF_ANY);
	return 0;
}

static __always_inline void emit(const struct call *c, __u32 len)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sslsniff_event *e = event_reserve(sizeof(*e));
	__u32 n = len < SSLSNIFF_DATA_MAX ? len : SSLSNIFF_DATA_MAX;

	if (!e)
		return;
	e->ts_ns = c->ts_ns;
	e->latency_ns = bpf_ktime_get_ns() - c->ts_ns;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->op = c->op;
	e->len = len;
	e->data_len = n;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (n && bpf_probe_read_user(e->data, n & (SSLSNIFF_DATA_MAX - 1) ?: SSLSNIFF_DATA_MAX,
				     c->buf)) {
		e->data_len = 0;
		stat_inc(STAT_ERRORS);
	}
	event_submit(e);
}

/* All four return int: only eax is defined (-1 reads as 0xffffffff in rax). */
static __always_inline int on_return(int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &tid);
	__u64 count = 0;

	if (!c)
		return 0;
	if (c->count) { /* _ex: returns 1 on success, the size is in *count */
		if (ret == 1 && !bpf_probe_read_user(&count, sizeof(count), c->count) && count)
			emit(c, count > 0xffffffff ? 0xffffffff : (__u32)count);
	} else if (ret > 0) {
		emit(c, (__u32)ret);
	}
	bpf_map_delete_elem(&calls, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_entry, void *ssl, const char *buf)
{
	return on_entry(buf, NULL, SSLSNIFF_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_entry, void *ssl, const char *buf)
{
	return on_entry(buf, NULL, SSLSNIFF_READ);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_entry, void *ssl, const char *buf, __u64 num, const __u64 *written)
{
	return on_entry(buf, written, SSLSNIFF_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_entry, void *ssl, const char *buf, __u64 num, const __u64 *readbytes)
{
	return on_entry(buf, readbytes, SSLSNIFF_READ);
}

/* The return programs share one body: the entry recorded which call it was. */
SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_return, int ret)
{
	return on_return(ret);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return, int ret)
{
	return on_return(ret);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_return, int ret)
{
	return on_return(ret);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_return, int ret)
{
	return on_return(ret);
}
