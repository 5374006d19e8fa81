/* bpfscope mysqlnd: statements of PHP's MySQL driver, from uprobes on its
 * methods (found in the method tables of mysqlnd.so by
 * src/tools/mysqlnd_layout.c, which passes their kind as the BPF cookie).
 *
 * Entry copies the connection or statement pointer and the SQL text into a
 * per-thread pending record; return completes it with the method's status,
 * the error number and affected rows that mysqlnd stored in the connection
 * or statement, and the PHP request that runs on the thread
 * (php:request__startup, when the PHP binary's USDT probes are attached),
 * then sends it. mysqlnd is not reentrant per thread for these methods
 * (query does not call prepare or execute), so one record per thread is
 * enough; an entry that finds one left over counts it as stale.
 *
 * Asynchronous queries (mysqli MYSQLI_ASYNC) are sent by send_query and
 * ended, maybe much later, by reap_query on the same connection: the
 * record waits in a map keyed by the connection. query itself calls both
 * through the method table; inside a query (a record pending on the
 * thread) they are ignored. */
#include "bpf/common.bpf.h"

#include <bpf/usdt.bpf.h>

#include "bpf/mysqlnd.h"

const volatile struct mnd_layout layout = {};

/* threads inside a call (a record is ~1.4 KiB) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct mnd_event);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct mnd_request);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* the connection */
	__type(value, struct mnd_event);
} async_sent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mnd_event);
} scratch SEC(".maps");

SEC("uprobe")
int mnd_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0, n;
	struct mnd_event *e;

	__u32 kind = (__u32)bpf_get_attach_cookie(ctx);

	if (!filter_current())
		return 0;
	if ((kind == MND_SEND || kind == MND_REAP) && bpf_map_lookup_elem(&pending, &tid))
		return 0; /* inside query */
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->start_ns = bpf_ktime_get_ns();
	e->obj = PT_REGS_PARM1(ctx);
	e->pid = id >> 32;
	e->tid = tid;
	e->kind = kind;
	e->text_len = 0;
	e->read_errs = 0;
	e->async = kind == MND_SEND;
	if (kind != MND_EXECUTE && kind != MND_REAP) {
		__u64 len = PT_REGS_PARM3(ctx);

		e->text_len = len > 0xffffffffULL ? 0xffffffffU : (__u32)len;
		n = len < MND_TEXT_MAX ? (__u32)len : MND_TEXT_MAX;
		asm volatile("%0 &= 0x7ff" : "+r"(n)); /* the verifier's bound: <= 2047 */
		if (n > MND_TEXT_MAX)
			n = MND_TEXT_MAX;
		if (n && bpf_probe_read_user(e->text, n, (void *)PT_REGS_PARM2(ctx))) {
			e->read_errs++;
			stat_inc(STAT_ERRORS);
		}
	}
	if (kind == MND_SEND) { /* ends at reap_query, on this connection */
		e->kind = MND_QUERY;
		if (bpf_map_update_elem(&async_sent, &e->obj, e, BPF_ANY))
			stat_inc(STAT_ERRORS);
		return 0;
	}
	if (bpf_map_lookup_elem(&pending, &tid))
		stat_inc(STAT_STALE);
	if (bpf_map_update_elem(&pending, &tid, e, BPF_ANY))
		stat_inc(STAT_ERRORS);
	return 0;
}

/* *(base + off) as a pointer; 0 when unreadable (counted). */
static __always_inline __u64 read_ptr(__u64 base, __u32 off, __u32 *errs)
{
	__u64 v = 0;

	if (!base || bpf_probe_read_user(&v, sizeof(v), (void *)(base + off))) {
		(*errs)++;
		return 0;
	}
	return v;
}

/* Error number, affected rows and statement id after the call. */
static __always_inline void read_outcome(struct mnd_event *e)
{
	__u64 owner = e->obj, ei, us, stmt_id = 0;
	__u32 ei_off = layout.conn_error_info, us_off = layout.conn_upsert;

	if (e->kind != MND_QUERY) {
		owner = read_ptr(e->obj, layout.stmt_data, &e->read_errs);
		ei_off = layout.sd_error_info;
		us_off = layout.sd_upsert;
		stmt_id = read_ptr(owner, layout.sd_stmt_id, &e->read_errs);
	}
	e->stmt_id = (__u32)stmt_id;
	ei = read_ptr(owner, ei_off, &e->read_errs);
	us = read_ptr(owner, us_off, &e->read_errs);
	e->error = 0;
	if (ei && bpf_probe_read_user(&e->error, sizeof(e->error), (void *)(ei + layout.ei_error_no)))
		e->read_errs++;
	e->affected = ~0ULL;
	if (us && bpf_probe_read_user(&e->affected, sizeof(e->affected),
				      (void *)(us + layout.us_affected)))
		e->read_errs++;
	if (e->read_errs)
		stat_inc(STAT_ERRORS);
}

SEC("uretprobe")
int mnd_return(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mnd_event *p = bpf_map_lookup_elem(&pending, &tid), *e, *src;
	struct mnd_request *req;
	__u64 conn;

	if (!p)
		return 0; /* entered before tracing started, or filtered out */
	conn = p->obj;
	src = p->kind == MND_REAP ? bpf_map_lookup_elem(&async_sent, &conn) : p;
	e = src ? event_reserve(sizeof(*e)) : NULL;
	if (e && bpf_probe_read_kernel(e, sizeof(*e), src)) {
		bpf_ringbuf_discard(e, 0);
		e = NULL;
		stat_inc(STAT_ERRORS);
	}
	if (src && src != p)
		bpf_map_delete_elem(&async_sent, &conn);
	bpf_map_delete_elem(&pending, &tid);
	if (!e)
		return 0; /* ring full (counted), or a reap of a query sent before tracing */
	e->end_ns = bpf_ktime_get_ns();
	e->status = (__u32)PT_REGS_RC(ctx);
	read_outcome(e);
	req = bpf_map_lookup_elem(&requests, &tid);
	e->has_req = req != NULL;
	if (req)
		bpf_probe_read_kernel(&e->req, sizeof(e->req), req);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	event_submit(e);
	return 0;
}

/* php:request__startup(file, request_uri, request_method) */
SEC("usdt")
int mnd_req_start(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct mnd_event *scr;
	struct mnd_request *r;
	long file = 0, uri = 0, method = 0;

	if (!filter_current())
		return 0;
	scr = bpf_map_lookup_elem(&scratch, &zero);
	if (!scr)
		return 0;
	r = &scr->req;
	r->start_ns = bpf_ktime_get_ns();
	r->file[0] = r->uri[0] = r->method[0] = 0;
	bpf_usdt_arg(ctx, 0, &file);
	bpf_usdt_arg(ctx, 1, &uri);
	bpf_usdt_arg(ctx, 2, &method);
	if (file)
		bpf_probe_read_user_str(r->file, sizeof(r->file), (void *)file);
	if (uri)
		bpf_probe_read_user_str(r->uri, sizeof(r->uri), (void *)uri);
	if (method)
		bpf_probe_read_user_str(r->method, sizeof(r->method), (void *)method);
	if (bpf_map_update_elem(&requests, &tid, r, BPF_ANY))
		stat_inc(STAT_ERRORS);
	return 0;
}

SEC("usdt")
int mnd_req_end(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&requests, &tid);
	return 0;
}
