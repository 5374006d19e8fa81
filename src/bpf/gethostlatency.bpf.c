/* gethostlatency: name lookups through libc (getaddrinfo, gethostbyname,
 * gethostbyname2), timed from entry to return per thread with uprobes. The
 * host name is read at entry; the programs are attached by hand to the libc
 * the tool resolved (src/core/uprobe.c). */
#include "bpf/common.bpf.h"
#include "bpf/gethostlatency.h"

struct lookup {
	__u64 ts_ns;
	__u32 func;
	__u32 pad;
	char host[GETHOST_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct lookup);
} lookups SEC(".maps");

/* Too big for the 512-byte stack together with the rest: built in place. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lookup);
} scratch SEC(".maps");

static __always_inline int on_entry(const char *host, __u32 func)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct lookup *l;

	if (!filter_current())
		return 0;
	l = bpf_map_lookup_elem(&scratch, &zero);
	if (!l)
		return 0;
	l->ts_ns = bpf_ktime_get_ns();
	l->func = func;
	if (bpf_probe_read_user_str(l->host, sizeof(l->host), host) < 0) {
		l->host[0] = 0;
		stat_inc(STAT_ERRORS);
	}
	bpf_map_update_elem(&lookups, &tid, l, BPF_ANY);
	return 0;
}

static __always_inline int on_return(long ret, bool pointer_result)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lookup *l = bpf_map_lookup_elem(&lookups, &tid);
	struct gethost_event *e;

	if (!l)
		return 0;
	e = event_reserve(sizeof(*e));
	if (e) {
		e->ts_ns = l->ts_ns;
		e->latency_ns = bpf_ktime_get_ns() - l->ts_ns;
		e->cgroup_id = bpf_get_current_cgroup_id();
		e->pid = id >> 32;
		e->tid = tid;
		e->func = l->func;
		e->ret = pointer_result ? ret != 0 : (__s32)ret; /* int: eax only */
		bpf_get_current_comm(&e->comm, sizeof(e->comm));
		__builtin_memcpy(e->host, l->host, sizeof(e->host));
		event_submit(e);
	}
	bpf_map_delete_elem(&lookups, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(getaddrinfo_entry, const char *node)
{
	return on_entry(node, GETHOST_GETADDRINFO);
}

SEC("uretprobe")
int BPF_KRETPROBE(getaddrinfo_return, int ret)
{
	return on_return(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(gethostbyname_entry, const char *name)
{
	return on_entry(name, GETHOST_GETHOSTBYNAME);
}

SEC("uretprobe")
int BPF_KRETPROBE(gethostbyname_return, void *ret)
{
	return on_return((long)ret, true);
}

SEC("uprobe")
int BPF_KPROBE(gethostbyname2_entry, const char *name)
{
	return on_entry(name, GETHOST_GETHOSTBYNAME2);
}

SEC("uretprobe")
int BPF_KRETPROBE(gethostbyname2_return, void *ret)
{
	return on_return((long)ret, true);
}
