/* php: PHP user-function calls with arguments, from two mechanisms.
 *
 * - USDT (provider "php"): function__entry/function__return fire only in
 *   processes started with USE_ZEND_DTRACE=1, where every user-function
 *   call goes through dtrace_execute_ex. At function__entry the engine has
 *   already made the callee current, so the frame is
 *   EG(current_execute_data); function__return pops the innermost call.
 * - Executor uprobes, everywhere else: PHP 8's hybrid VM runs PHP-to-PHP
 *   calls inside one execute_ex without recursing, so we probe the VM's own
 *   opcode handlers (labels inside execute_ex, located by user space from
 *   the handler table): at DO_UCALL/DO_FCALL/DO_FCALL_BY_NAME the caller's
 *   frame is in %r14 (the VM's global register) and EX(call) is the
 *   callee; at RETURN the returning frame is in %r14, at HANDLE_EXCEPTION the frame
 *   an exception has reached (the calls above it were unwound without a
 *   RETURN). execute_ex's entry
 *   catches frames entered from C (callbacks, zend_call_function).
 *
 * Both are attached; the executor programs skip processes whose
 * zend_dtrace_enabled is set, so each call is reported once. Binary
 * addresses arrive as ELF virtual addresses in the cookie; the load bias of
 * the traced process is the probe's IP minus that address.
 *
 * Request filter: request__startup decides per thread whether its request
 * matches --uri/--method (glob, under bpf_loop); calls are reported only
 * inside matching requests. */
#include "bpf/common.bpf.h"
#include <bpf/usdt.bpf.h>

#include "bpf/php.h"

const volatile struct php_layout layout = {};
const volatile __u64 eg_vaddr;	   /* &executor_globals */
const volatile __u64 dtrace_vaddr; /* &zend_dtrace_enabled */
const volatile bool has_filter;
const volatile bool report_internal; /* --internal */
/* php:execute__entry has two sites (dtrace_execute_ex and
 * dtrace_execute_internal) but one cookie: the program tells them apart by
 * the load bias, which must be page-aligned (user space checked that only
 * one candidate can be). */
const volatile __u64 exec_entry_pcs[2];
const volatile char uri_pat[PHP_PAT_LEN];
const volatile char method_pat[PHP_PAT_LEN];

struct req_state {
	__u8 matched;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct req_state);
} requests SEC(".maps");

static __always_inline __u64 rd64(__u64 addr)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		stat_inc(STAT_ERRORS);
	return v;
}

static __always_inline __u32 rd32(__u64 addr)
{
	__u32 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		stat_inc(STAT_ERRORS);
	return v;
}

static __always_inline __u8 rd8(__u64 addr)
{
	__u8 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		stat_inc(STAT_ERRORS);
	return v;
}

/* Copies a zend_string's bytes (NUL-terminated, truncated to size). */
static __always_inline void read_zstr(char *buf, __u32 size, __u64 zstr)
{
	buf[0] = 0;
	if (zstr && bpf_probe_read_user_str(buf, size, (void *)(zstr + layout.str_val)) < 0)
		stat_inc(STAT_ERRORS);
}

static __always_inline __u64 site_bias(struct pt_regs *ctx, __u64 cookie)
{
	return PT_REGS_IP(ctx) - (cookie & 0xffffffffffffULL);
}

/* Calls are reported outside requests only without a filter. */
static __always_inline bool request_allows(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct req_state *st;

	if (!has_filter)
		return true;
	st = bpf_map_lookup_elem(&requests, &tid);
	return st && st->matched;
}

static __always_inline void hdr_fill(struct php_hdr *h, __u8 kind, __u8 mech, __u64 frame)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->frame = frame;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->kind = kind;
	h->mech = mech;
	h->matched = 0;
	h->pad = 0;
	h->line = 0;
}

static __always_inline void read_arg(struct php_arg *a, __u64 zv)
{
	__u64 value = rd64(zv);
	__u8 type = rd32(zv + layout.zv_type) & 0xff;

	if (type == PHP_IS_REFERENCE) {
		zv = value + layout.ref_val;
		value = rd64(zv);
		type = rd32(zv + layout.zv_type) & 0xff;
	}
	a->type = type;
	a->value = value;
	a->len = 0;
	a->str[0] = 0;
	if (type == PHP_IS_STRING) {
		a->len = rd64(value + layout.str_len);
		read_zstr(a->str, sizeof(a->str), value);
	} else if (type == PHP_IS_ARRAY) {
		a->len = rd32(value + layout.arr_count);
	} else if (type == PHP_IS_OBJECT) {
		read_zstr(a->str, sizeof(a->str),
			  rd64(rd64(value + layout.obj_ce) + layout.ce_name));
	}
}

/* Name, class and arguments of the call of func whose frame is ex. User
 * functions move extra arguments away when their frame starts: clamp. */
static __always_inline void fill_call(struct php_call_event *e, __u64 ex, __u64 func, __u64 name,
				      bool clamp)
{
	__u64 scope;
	__u32 nargs, declared;

	read_zstr(e->func, sizeof(e->func), name);
	scope = rd64(func + layout.fn_scope);
	e->cls[0] = 0;
	e->is_static = 0;
	if (scope) {
		read_zstr(e->cls, sizeof(e->cls), rd64(scope + layout.ce_name));
		e->is_static = !!(rd32(func + layout.fn_flags) & layout.acc_static);
	}
	nargs = rd32(ex + layout.ex_num_args);
	declared = rd32(func + layout.fn_num_args);
	e->nargs_all = nargs > 255 ? 255 : nargs;
	if (clamp && nargs > declared)
		nargs = declared;
	if (nargs > PHP_MAX_ARGS)
		nargs = PHP_MAX_ARGS;
	e->nargs = nargs;
	for (int i = 0; i < PHP_MAX_ARGS; i++) {
		if (i >= nargs)
			break;
		read_arg(&e->args[i], ex + layout.ex_args + 16 * i);
	}
}

/* The function of frame ex when it has this type (ZEND_USER_FUNCTION or
 * ZEND_INTERNAL_FUNCTION), or 0. */
static __always_inline __u64 func_of(__u64 ex, __u32 type)
{
	__u64 func = ex ? rd64(ex + layout.ex_func) : 0;

	return func && rd8(func + layout.fn_type) == type ? func : 0;
}

/* A call event with its header; NULL when the ring is full (counted). */
static __always_inline struct php_call_event *call_event(__u64 ex, __u8 mech, __u32 line,
							 __u8 internal)
{
	struct php_call_event *e = event_reserve(sizeof(*e));

	if (e) {
		hdr_fill(&e->h, PHP_EV_ENTRY, mech, ex);
		e->h.line = line;
		e->internal = internal;
	}
	return e;
}

/* Reports the entry of the call whose frame is ex, if it is a named user
 * function (not the main script or an include); returns whether it is.
 * (execute_ex(NULL) initialises the VM: no frame.) */
static __always_inline bool emit_entry(__u64 ex, __u8 mech)
{
	__u64 func = func_of(ex, layout.user_function);
	__u64 name = func ? rd64(func + layout.fn_name) : 0;
	struct php_call_event *e;

	if (!name)
		return false;
	e = call_event(ex, mech, rd32(func + layout.op_line_start), 0);
	if (!e)
		return true;
	read_zstr(e->file, sizeof(e->file), rd64(func + layout.op_filename));
	fill_call(e, ex, func, name, true);
	event_submit(e);
	return true;
}

/* Reports the entry of an internal call; where it was called from is
 * file (a zend_string, or a C string when cstr) and line. */
static __always_inline bool emit_internal(__u64 ex, __u8 mech, __u64 file, bool cstr, __u32 line)
{
	__u64 func = func_of(ex, layout.internal_function);
	__u64 name = func ? rd64(func + layout.fn_name) : 0;
	struct php_call_event *e;

	if (!name)
		return false;
	e = call_event(ex, mech, line, 1);
	if (!e)
		return true;
	e->file[0] = 0;
	if (cstr && file)
		bpf_probe_read_user_str(e->file, sizeof(e->file), (void *)file);
	else if (!cstr)
		read_zstr(e->file, sizeof(e->file), file);
	fill_call(e, ex, func, name, false);
	event_submit(e);
	return true;
}

static __always_inline void emit_return(__u64 ex, __u8 mech, __u8 kind)
{
	struct php_hdr *h = event_reserve(sizeof(*h));

	if (!h)
		return;
	hdr_fill(h, kind, mech, ex);
	event_submit(h);
}

/* Executor probes stand aside in processes that run the USDT path. */
static __always_inline bool executor_active(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	if (!filter_current() || !request_allows())
		return false;
	return rd8(site_bias(ctx, cookie) + dtrace_vaddr) == 0;
}

SEC("uprobe")
int php_call(struct pt_regs *ctx)
{
	if (executor_active(ctx))
		emit_entry(rd64(ctx->r14 + layout.ex_call), PHP_MECH_UPROBE);
	return 0;
}

/* Inside a call handler, at its first branch (php_fast_site): the callee
 * is in the register the cookie's site names. */
SEC("uprobe")
int php_callee(struct pt_regs *ctx)
{
	__u64 site = bpf_get_attach_cookie(ctx) >> 56;

	if (!executor_active(ctx))
		return 0;
	if (site == PHP_SITE_CALLEE_RBX)
		emit_entry(ctx->bx, PHP_MECH_UPROBE);
	else if (site == PHP_SITE_CALLEE_R12)
		emit_entry(ctx->r12, PHP_MECH_UPROBE);
	else
		emit_entry(ctx->r14, PHP_MECH_UPROBE);
	return 0;
}

SEC("uprobe")
int php_execute(struct pt_regs *ctx)
{
	if (executor_active(ctx))
		emit_entry(PT_REGS_PARM1(ctx), PHP_MECH_UPROBE);
	return 0;
}

SEC("uprobe")
int php_return(struct pt_regs *ctx)
{
	__u64 ex = ctx->r14, func;

	if (!executor_active(ctx))
		return 0;
	func = rd64(ex + layout.ex_func);
	if (rd64(func + layout.fn_name)) /* not the main script or an include */
		emit_return(ex, PHP_MECH_UPROBE, PHP_EV_RETURN);
	return 0;
}

SEC("uprobe")
int php_unwind(struct pt_regs *ctx)
{
	if (executor_active(ctx))
		emit_return(ctx->r14, PHP_MECH_UPROBE, PHP_EV_UNWIND);
	return 0;
}

/* The frame of an internal call in the register the cookie names, when it
 * is what the VM made current (else the site matched by accident). */
static __always_inline __u64 icall_frame(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx), ex;
	__u32 reg = (cookie >> 48) & 0xff;
	/* every candidate read at a fixed offset: the verifier refuses a ctx
	 * load at a computed one */
	__u64 bx = ctx->bx, bp = ctx->bp, r12 = ctx->r12, r13 = ctx->r13, r15 = ctx->r15;

	asm volatile("" : "+r"(bx), "+r"(bp), "+r"(r12), "+r"(r13), "+r"(r15));
	if (reg == 3)
		ex = bx;
	else if (reg == 5)
		ex = bp;
	else if (reg == 12)
		ex = r12;
	else if (reg == 13)
		ex = r13;
	else if (reg == 15)
		ex = r15;
	else
		return 0;
	if (ex != rd64(site_bias(ctx, cookie) + eg_vaddr + layout.eg_current_ex))
		return 0;
	return func_of(ex, layout.internal_function) ? ex : 0;
}

SEC("uprobe")
int php_icall(struct pt_regs *ctx)
{
	__u64 ex, caller, func;

	if (!report_internal || !executor_active(ctx))
		return 0;
	ex = icall_frame(ctx);
	if (!ex)
		return 0;
	/* the caller (%r14) saved its opline before calling out */
	caller = ctx->r14;
	func = rd64(caller + layout.ex_func);
	if (func && rd8(func + layout.fn_type) == layout.user_function)
		emit_internal(ex, PHP_MECH_UPROBE, rd64(func + layout.op_filename), false,
			      rd32(rd64(caller + layout.ex_opline) + layout.op_lineno));
	else
		emit_internal(ex, PHP_MECH_UPROBE, 0, true, 0);
	return 0;
}

SEC("uprobe")
int php_ireturn(struct pt_regs *ctx)
{
	__u64 ex;

	if (!report_internal || !executor_active(ctx))
		return 0;
	ex = icall_frame(ctx);
	if (ex)
		emit_return(ex, PHP_MECH_UPROBE, PHP_EV_RETURN);
	return 0;
}

/* USDT function__return names no frame, and function__entry also fires for
 * the main script and includes ("main"), which are not reported: each
 * thread keeps one bit per open USDT call, set when its entry was reported,
 * so only those returns are. Deeper than the bits reach, returns are sent
 * and user space ignores the ones it cannot pair. */
#define USDT_BITS 512

struct usdt_stack {
	__u32 depth;
	__u32 pad;
	__u64 bits[USDT_BITS / 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct usdt_stack);
} usdt_stacks SEC(".maps"), exec_stacks SEC(".maps");

/* The word of bit d; the barrier keeps the compiler from dropping the mask
 * the verifier needs after it proved d < USDT_BITS itself. */
static __always_inline __u32 bit_word(__u32 d)
{
	__u32 w = d / 64;

	asm volatile("" : "+r"(w));
	return w & (USDT_BITS / 64 - 1);
}

static __always_inline struct usdt_stack *usdt_stack_of(void *map, __u32 tid)
{
	struct usdt_stack *st = bpf_map_lookup_elem(map, &tid), zero = {};

	if (st)
		return st;
	bpf_map_update_elem(map, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, &tid);
}

/* Pushes one open USDT call; reported: whether its entry was sent. */
static __always_inline void usdt_push(void *map, __u32 tid, bool reported)
{
	struct usdt_stack *st = usdt_stack_of(map, tid);
	__u32 d;

	if (!st)
		return;
	d = st->depth++;
	if (d < USDT_BITS) {
		if (reported)
			st->bits[bit_word(d)] |= 1ULL << (d % 64);
		else
			st->bits[bit_word(d)] &= ~(1ULL << (d % 64));
	}
}

/* Pops the innermost open USDT call: was its entry sent? unknown (the
 * call began before tracing, or deeper than the bits) when that is not
 * known. */
static __always_inline bool usdt_pop(void *map, __u32 tid, bool unknown)
{
	struct usdt_stack *st = bpf_map_lookup_elem(map, &tid);
	__u32 d;

	if (!st || !st->depth)
		return unknown;
	d = --st->depth;
	return d < USDT_BITS ? st->bits[bit_word(d)] >> (d % 64) & 1 : unknown;
}

SEC("usdt")
int php_usdt_entry(struct pt_regs *ctx)
{
	__u64 bias = site_bias(ctx, bpf_usdt_cookie(ctx));
	bool reported = false;

	if (filter_current() && request_allows())
		reported = emit_entry(rd64(bias + eg_vaddr + layout.eg_current_ex), PHP_MECH_USDT);
	usdt_push(&usdt_stacks, (__u32)bpf_get_current_pid_tgid(), reported);
	return 0;
}

SEC("usdt")
int php_usdt_return(struct pt_regs *ctx)
{
	if (usdt_pop(&usdt_stacks, (__u32)bpf_get_current_pid_tgid(), true) && filter_current() &&
	    request_allows())
		emit_return(0, PHP_MECH_USDT, PHP_EV_RETURN);
	return 0;
}

/* execute__entry(file, line) fires for user calls (in dtrace_execute_ex,
 * after function__entry) and internal ones (dtrace_execute_internal, which
 * USE_ZEND_DTRACE=1 makes the VM call for every internal function); only
 * the internal ones are reported here, file:line being the caller's. */
SEC("usdt")
int php_usdt_exec_entry(struct pt_regs *ctx)
{
	__u64 ip = PT_REGS_IP(ctx), bias = ip - exec_entry_pcs[0];
	bool reported = false;
	long file = 0, line = 0;

	if (bias & 0xfff)
		bias = ip - exec_entry_pcs[1];
	if (report_internal && !(bias & 0xfff) && filter_current() && request_allows()) {
		bpf_usdt_arg(ctx, 0, &file);
		bpf_usdt_arg(ctx, 1, &line);
		reported = emit_internal(rd64(bias + eg_vaddr + layout.eg_current_ex),
					 PHP_MECH_USDT, file, true, (__u32)line);
	}
	usdt_push(&exec_stacks, (__u32)bpf_get_current_pid_tgid(), reported);
	return 0;
}

SEC("usdt")
int php_usdt_exec_return(struct pt_regs *ctx)
{
	if (usdt_pop(&exec_stacks, (__u32)bpf_get_current_pid_tgid(), false) && report_internal &&
	    filter_current() && request_allows())
		emit_return(0, PHP_MECH_USDT, PHP_EV_RETURN);
	return 0;
}

static int glob_cb(__u32 index, void *ctx)
{
	return php_glob_step(ctx);
}

/* g lives on the stack (bpf_loop wants it there); s has n bytes. */
static __always_inline bool glob_match(struct php_glob *g, const volatile char *pat, const char *s,
				       __u32 n)
{
	if (!pat[0])
		return true;
	for (int i = 0; i < PHP_PAT_LEN; i++)
		g->pat[i] = pat[i];
	for (int i = 0; i < PHP_URI_LEN; i++)
		g->s[i] = i < n ? s[i] : 0;
	g->p = g->i = g->star_p = g->star_i = g->has_star = 0;
	g->result = 0;
	bpf_loop(PHP_GLOB_STEPS, glob_cb, g, 0);
	return g->result;
}

/* request__startup(file, request_uri, request_method) */
SEC("usdt")
int php_req_start(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct req_state st = {};
	struct php_req_event *e;
	struct php_glob g;
	long file = 0, uri = 0, method = 0;

	if (!filter_current())
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	hdr_fill(&e->h, PHP_EV_REQ_START, PHP_MECH_USDT, 0);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_usdt_arg(ctx, 0, &file);
	bpf_usdt_arg(ctx, 1, &uri);
	bpf_usdt_arg(ctx, 2, &method);
	e->file[0] = e->uri[0] = e->method[0] = 0;
	if (file)
		bpf_probe_read_user_str(e->file, sizeof(e->file), (void *)file);
	if (uri)
		bpf_probe_read_user_str(e->uri, sizeof(e->uri), (void *)uri);
	if (method)
		bpf_probe_read_user_str(e->method, sizeof(e->method), (void *)method);
	st.matched = 1;
	if (has_filter) {
		/* CLI requests have no URI ("-"): the script path stands for it */
		if (e->uri[0] && !(e->uri[0] == '-' && !e->uri[1]))
			st.matched = glob_match(&g, uri_pat, e->uri, sizeof(e->uri));
		else
			st.matched = glob_match(&g, uri_pat, e->file, sizeof(e->file));
		if (st.matched)
			st.matched = glob_match(&g, method_pat, e->method, sizeof(e->method));
	}
	e->h.matched = st.matched;
	bpf_map_update_elem(&requests, &tid, &st, BPF_ANY);
	event_submit(e);
	return 0;
}

SEC("usdt")
int php_req_end(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct php_hdr *h;

	if (!filter_current())
		return 0;
	bpf_map_delete_elem(&requests, &tid);
	h = event_reserve(sizeof(*h));
	if (!h)
		return 0;
	hdr_fill(h, PHP_EV_REQ_END, PHP_MECH_USDT, 0);
	event_submit(h);
	return 0;
}
