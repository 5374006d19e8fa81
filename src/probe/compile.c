/* See compile.h for the value model. Each compile_* function leaves exactly
 * one slot on the VM stack and returns what it holds. */
#include "probe/compile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum special { SP_NONE, SP_COMM, SP_STRING, SP_STRN };

struct cval {
	bool lvalue;             /* the stack slot holds the address of the value */
	bool kernel;             /* memory is kernel memory (tracepoint records) */
	const struct dtype *type;
	unsigned size;           /* scalar size when type is NULL */
	bool is_signed;
	unsigned bit_offset, bit_size;
	enum special special;
	unsigned strn_max;       /* SP_STRN: bound on the length */
	int fmt;                 /* forced output format + 1 (hex(), ip()); 0: by type */
	bool ptr_to;             /* a cast pointer: the value is the address of a `type`
				  * (or of a scalar of `size` when type is NULL) */
};

struct ctx {
	const struct probe_ast *ast;
	const struct probe_target *t;
	struct compiled_probe *out;
	int depth, max_depth;
	bool failed;
	char *err;
	size_t errlen;
};

static void fail(struct ctx *c, const struct node *n, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(c->err, c->errlen, "%s: column %d: %s", c->ast->text, n->col, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->ast->text, msg);
}

/* Appends an operation; tracks the stack depth it leaves. */
static void emit(struct ctx *c, __u8 code, __u16 a, __u32 b, __u8 cflag, __s64 imm, int delta)
{
	struct probe_cfg *cfg = &c->out->cfg;

	if (c->failed)
		return;
	if (cfg->nops >= PROBE_MAX_OPS) {
		fail(c, NULL, "probe too complex (more than %d operations)", PROBE_MAX_OPS);
		return;
	}
	cfg->ops[cfg->nops++] = (struct probe_op){ code, cflag, a, b, imm };
	c->depth += delta;
	if (c->depth > c->max_depth)
		c->max_depth = c->depth;
	if (c->depth > PROBE_STACK)
		fail(c, NULL, "expression too deep (more than %d values at once)", PROBE_STACK);
}

static struct cval scalar(unsigned size, bool is_signed)
{
	return (struct cval){ .size = size, .is_signed = is_signed };
}

static void info_of(const struct cval *v, struct dtype_info *di)
{
	if (v->type) {
		dtype__info(v->type, di);
		return;
	}
	memset(di, 0, sizeof(*di));
	di->kind = DT_INT;
	di->size = v->size;
	di->is_signed = v->is_signed;
}

static bool is_stringish(const struct cval *v)
{
	struct dtype_info di, pi;

	if (v->special == SP_STRING || v->special == SP_STRN || v->special == SP_COMM)
		return true;
	if (!v->type)
		return false;
	dtype__info(v->type, &di);
	if (di.kind != DT_POINTER && di.kind != DT_ARRAY)
		return false;
	if (!dtype__pointee(v->type))
		return false;
	dtype__info(dtype__pointee(v->type), &pi);
	return pi.kind == DT_INT && pi.is_char;
}

/* Loads an lvalue's scalar; arrays and structs decay to their address. */
static struct cval rvalue(struct ctx *c, struct cval v, const struct node *n)
{
	struct dtype_info di;

	if (!v.lvalue || v.special)
		return v;
	info_of(&v, &di);
	v.lvalue = false;
	if (di.kind == DT_ARRAY || di.kind == DT_STRUCT || di.kind == DT_UNION)
		return v; /* the address stands for it (strings, ip(), members) */
	if (di.size == 0 || di.size > 8 || di.kind == DT_FLOAT) {
		fail(c, n, "cannot read '%s' as a number (%s of %llu bytes)", n->text,
		     di.kind == DT_FLOAT ? "floating point" : "value", (unsigned long long)di.size);
		return v;
	}
	emit(c, POP_DEREF, di.is_signed && !v.bit_size, (__u32)di.size, v.kernel, 0, 0);
	if (v.bit_size)
		emit(c, POP_BITFIELD, v.bit_offset, v.bit_size, di.is_signed, 0, 0);
	return v;
}

static struct cval compile(struct ctx *c, const struct node *n);

static struct cval compile_rvalue(struct ctx *c, const struct node *n)
{
	return rvalue(c, compile(c, n), n);
}

static struct cval push_arg(struct ctx *c, const struct node *n, int index,
			    const struct dtype *type)
{
	struct cval v = scalar(8, false);

	v.type = type;
	switch (c->t->kind) {
	case TARGET_UPROBE: emit(c, POP_ARG, index, 0, 0, 0, 1); break;
	case TARGET_URETPROBE:
		if (index >= PROBE_SAVED_ARGS)
			fail(c, n, "only the first %d arguments are kept for return probes",
			     PROBE_SAVED_ARGS);
		emit(c, POP_SAVED_ARG, index, 0, 0, 0, 1);
		break;
	case TARGET_USDT:
		v.is_signed = true; /* libbpf sign-extends per the argument spec */
		emit(c, POP_USDT_ARG, index, 0, 0, 0, 1);
		break;
	case TARGET_TRACEPOINT: fail(c, n, "tracepoints have fields, not arguments"); break;
	}
	return v;
}

static bool compile_tp_field(struct ctx *c, const struct node *n, const char *name,
			     struct cval *v)
{
	const struct tp_field *f = c->t->tp ? tpformat_field(c->t->tp, name) : NULL;

	if (!f)
		return false;
	if (f->offset + (f->size > 8 ? 4 : f->size) > PROBE_TP_COPY) {
		fail(c, n, "field '%s' lies beyond the first %d bytes of the record", name,
		     PROBE_TP_COPY);
		return true;
	}
	*v = scalar(f->size > 8 ? 8 : f->size, f->is_signed);
	if (f->is_data_loc) {
		emit(c, POP_TP_DATALOC, f->offset, 0, 0, 0, 1);
		v->special = SP_STRING;
		v->kernel = true;
	} else if (f->is_string && f->array_len) {
		emit(c, POP_TP_ADDR, f->offset, 0, 0, 0, 1);
		v->special = SP_STRING;
		v->kernel = true;
	} else if (f->size <= 8) {
		emit(c, POP_TP_FIELD, f->offset, f->size, f->is_signed, 0, 1);
		if (f->is_string) { /* char * field */
			v->special = SP_STRING;
			v->kernel = !c->t->tp_user_strings;
		}
	} else {
		fail(c, n, "field '%s' (%s) is %u bytes: not a number or string", name, f->type,
		     f->size);
	}
	return true;
}

static void list_names(struct ctx *c, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	if (c->t->have_func)
		for (int i = 0; i < c->t->func.nparams && used < len; i++)
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 c->t->func.params[i].name);
	if (c->t->tp)
		for (int i = 0; i < c->t->tp->nfields && used < len; i++)
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 c->t->tp->fields[i].name);
}

static struct cval compile_ident(struct ctx *c, const struct node *n)
{
	const char *name = n->name;
	struct cval v = scalar(8, false);
	unsigned idx;
	char names[256];

	if (sscanf(name, "arg%u", &idx) == 1 && idx < 16) {
		const struct dtype *type = c->t->have_func && (int)idx < c->t->func.nparams
						   ? c->t->func.params[idx].type
						   : NULL;
		return push_arg(c, n, idx, type);
	}
	if (!strcmp(name, "retval")) {
		if (c->t->kind != TARGET_URETPROBE)
			fail(c, n, "retval exists only in return probes (r:...)");
		emit(c, POP_RETVAL, 0, 0, 0, 0, 1);
		v.type = c->t->have_func ? c->t->func.ret : NULL;
		v.is_signed = true;
		return v;
	}
	if (!strcmp(name, "duration")) {
		if (c->t->kind != TARGET_URETPROBE)
			fail(c, n, "duration exists only in return probes (r:...)");
		emit(c, POP_DURATION, 0, 0, 0, 0, 1);
		return v;
	}
	static const struct {
		const char *name;
		__u8 op;
	} builtins[] = { { "pid", POP_PID }, { "tid", POP_TID }, { "uid", POP_UID },
			 { "cpu", POP_CPU }, { "ts", POP_TIME }, { "nsecs", POP_TIME } };
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(name, builtins[i].name)) {
			emit(c, builtins[i].op, 0, 0, 0, 0, 1);
			return v;
		}
	if (!strcmp(name, "comm")) {
		v.special = SP_COMM; /* no stack slot: only print/by can use it */
		return v;
	}
	for (int i = 0; c->t->have_func && i < c->t->func.nparams; i++)
		if (c->t->func.params[i].name && !strcmp(c->t->func.params[i].name, name))
			return push_arg(c, n, i, c->t->func.params[i].type);
	if (compile_tp_field(c, n, name, &v))
		return v;
	list_names(c, names, sizeof(names));
	if (c->t->kind == TARGET_TRACEPOINT)
		fail(c, n, "unknown field '%s'; fields are: %s", name, names);
	else if (c->t->have_func)
		fail(c, n, "unknown name '%s'; parameters are: %s (or arg0..arg9, retval, pid, tid, comm)",
		     name, names[0] ? names : "none");
	else
		fail(c, n, "unknown name '%s' (use arg0..arg9, retval, duration, pid, tid, comm)%s%s",
		     name, c->t->no_types_hint ? ": " : "",
		     c->t->no_types_hint ? c->t->no_types_hint : "");
	return v;
}

struct member_list {
	char buf[256];
	size_t used;
};

static void add_member_name(const struct dmember *m, void *arg)
{
	struct member_list *l = arg;

	if (l->used < sizeof(l->buf))
		l->used += snprintf(l->buf + l->used, sizeof(l->buf) - l->used, "%s%s",
				    l->used ? ", " : "", m->name ? m->name : "?");
}

static struct cval compile_member(struct ctx *c, const struct node *n)
{
	struct cval base = compile(c, n->a), v = { 0 };
	const struct dtype *st;
	struct dtype_info di;
	struct dmember m;
	char tname[128];

	if (c->failed)
		return v;
	if (n->arrow && base.ptr_to && base.type) {
		st = base.type;
	} else if (!base.type) {
		fail(c, n, "'%s' has no type information, so '%s%s' cannot be resolved%s%s",
		     n->a->text, n->arrow ? "->" : ".", n->name, c->t->no_types_hint ? ": " : "",
		     c->t->no_types_hint ? c->t->no_types_hint : "");
		return v;
	} else if (n->arrow) {
		base = rvalue(c, base, n->a);
		dtype__info(base.type, &di);
		if (di.kind != DT_POINTER) {
			dtype__format(base.type, tname, sizeof(tname));
			fail(c, n, "'%s' is %s, not a pointer: use '.'", n->a->text, tname);
			return v;
		}
		st = dtype__pointee(base.type);
	} else {
		if (!base.lvalue) {
			fail(c, n, "'%s' is not in memory: use '->' on pointers", n->a->text);
			return v;
		}
		st = base.type;
	}
	if (!st || dtype__member(st, n->name, &m)) {
		struct member_list l = { .used = 0 };

		if (st)
			dtype__each_member(st, add_member_name, &l);
		dtype__format(st ? st : base.type, tname, sizeof(tname));
		fail(c, n, "%s has no field '%s'; fields are: %s", tname, n->name,
		     l.used ? l.buf : "none");
		return v;
	}
	if (m.offset)
		emit(c, POP_ADD_IMM, 0, 0, 0, (__s64)m.offset, 0);
	v.lvalue = true;
	v.kernel = base.kernel;
	v.type = m.type;
	v.bit_offset = m.bit_offset;
	v.bit_size = m.bit_size;
	return v;
}

static struct cval compile_index(struct ctx *c, const struct node *n)
{
	struct cval base = compile(c, n->a), v = { 0 };
	const struct dtype *elem;
	struct dtype_info di, ei;

	if (c->failed)
		return v;
	if (!base.type) {
		fail(c, n, "'%s' has no type: cast it first, e.g. ((u32 *)%s)[i]", n->a->text,
		     n->a->text);
		return v;
	}
	dtype__info(base.type, &di);
	if (di.kind == DT_POINTER)
		base = rvalue(c, base, n->a);
	else if (di.kind != DT_ARRAY || !base.lvalue) {
		fail(c, n, "'%s' is not an array or pointer", n->a->text);
		return v;
	}
	elem = dtype__pointee(base.type);
	if (!elem) {
		fail(c, n, "cannot index '%s' (void or unknown element type)", n->a->text);
		return v;
	}
	dtype__info(elem, &ei);
	if (n->b->kind == N_NUM) {
		if (n->b->num)
			emit(c, POP_ADD_IMM, 0, 0, 0, n->b->num * (__s64)ei.size, 0);
	} else {
		compile_rvalue(c, n->b);
		emit(c, POP_IMM, 0, 0, 0, (__s64)ei.size, 1);
		emit(c, POP_MUL, 0, 0, 0, 0, -1);
		emit(c, POP_ADDX, 0, 0, 0, 0, -1);
	}
	return (struct cval){ .lvalue = true, .kernel = base.kernel, .type = elem };
}

static const struct {
	const char *name;
	unsigned size;
	bool is_signed;
} base_types[] = {
	{ "u8", 1, false },  { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true },   { "s16", 2, true },  { "s32", 4, true },  { "s64", 8, true },
	{ "char", 1, true }, { "int", 4, true },  { "long", 8, true }, { "short", 2, true },
	{ "unsigned", 4, false }, { "unsigned int", 4, false }, { "unsigned long", 8, false },
	{ "unsigned char", 1, false }, { "bool", 1, false }, { "void", 1, false },
};

/* (type) expr and (type *) expr. Pointers to base types are typed by a
 * synthetic scalar: the deref size comes from the base type. */
static struct cval compile_cast(struct ctx *c, const struct node *n)
{
	struct cval v = compile_rvalue(c, n->a);
	const struct dtype *t = NULL;

	for (size_t i = 0; i < sizeof(base_types) / sizeof(base_types[0]); i++)
		if (!strcmp(n->name, base_types[i].name)) {
			if (n->stars == 0)
				return scalar(base_types[i].size, base_types[i].is_signed);
			if (n->stars == 1) {
				bool kernel = v.kernel;

				v = scalar(base_types[i].size, base_types[i].is_signed);
				v.kernel = kernel;
				if (!strcmp(n->name, "char"))
					v.special = SP_STRING;
				else
					v.ptr_to = true; /* "*(u32 *)p" reads 4 bytes at p */
				return v;
			}
		}
	if (c->t->types)
		t = typedb__find_type(c->t->types, n->name);
	if (!t && c->t->pack)
		t = typedb__find_type(c->t->pack, n->name);
	if (!t) {
		fail(c, n, "unknown type '%s'%s%s", n->name, c->t->no_types_hint ? ": " : "",
		     c->t->no_types_hint ? c->t->no_types_hint : "");
		return v;
	}
	if (n->stars != 1) {
		fail(c, n, "cast to '%s' needs exactly one '*' (a pointer to it)", n->name);
		return v;
	}
	return (struct cval){ .ptr_to = true, .type = t, .kernel = v.kernel };
}

static struct cval compile_unary(struct ctx *c, const struct node *n)
{
	struct cval v;
	struct dtype_info di;

	if (n->op == '&') {
		v = compile(c, n->a);
		if (!v.lvalue)
			fail(c, n, "cannot take the address of '%s'", n->a->text);
		return (struct cval){ .size = 8, .kernel = v.kernel };
	}
	if (n->op == '*') {
		v = compile(c, n->a);
		if (v.ptr_to)
			return (struct cval){ .lvalue = true, .type = v.type, .size = v.size,
					      .is_signed = v.is_signed, .kernel = v.kernel };
		v = rvalue(c, v, n->a);
		info_of(&v, &di);
		if (di.kind != DT_POINTER || !dtype__pointee(v.type)) {
			fail(c, n, "cannot dereference '%s': not a typed pointer (cast it, e.g. *(u64 *)%s)",
			     n->a->text, n->a->text);
			return v;
		}
		return (struct cval){ .lvalue = true, .type = dtype__pointee(v.type), .kernel = v.kernel };
	}
	v = compile_rvalue(c, n->a);
	emit(c, n->op == '-' ? POP_NEG : n->op == '!' ? POP_NOT : POP_BNOT, 0, 0, 0, 0, 0);
	return scalar(8, n->op == '-' || v.is_signed);
}

static bool signed_of(const struct cval *v)
{
	struct dtype_info di;

	info_of(v, &di);
	return di.kind == DT_INT && di.is_signed;
}

/* "x == \"literal\"" where x is a string: compares in the kernel. */
static bool compile_streq(struct ctx *c, const struct node *n)
{
	const struct node *str = n->a->kind == N_STR ? n->a : n->b;
	const struct node *other = str == n->a ? n->b : n->a;
	struct probe_cfg *cfg = &c->out->cfg;
	struct cval v;
	int slot;

	for (slot = 0; slot < 4 && cfg->strconst[slot][0]; slot++)
		if (!strcmp(cfg->strconst[slot], str->name))
			break;
	if (slot == 4) {
		fail(c, n, "at most 4 string constants per probe");
		return true;
	}
	if (strlen(str->name) >= PROBE_STRCONST) {
		fail(c, str, "string constant longer than %d bytes", PROBE_STRCONST - 1);
		return true;
	}
	strcpy(cfg->strconst[slot], str->name);
	v = compile(c, other);
	if (!is_stringish(&v) || v.special == SP_COMM) {
		fail(c, n, "'%s' is not a string in memory: compare str(...) or a char pointer",
		     other->text);
		return true;
	}
	if (v.lvalue)
		v = rvalue(c, v, other);
	emit(c, POP_STREQ, slot, 0, v.kernel, 0, 0);
	if (n->op == TOK_NE)
		emit(c, POP_NOT, 0, 0, 0, 0, 0);
	return true;
}

static __u8 binary_op(int tok, bool is_signed)
{
	switch (tok) {
	case '+': return POP_ADDX;
	case '-': return POP_SUB;
	case '*': return POP_MUL;
	case '/': return POP_DIV;
	case '%': return POP_MOD;
	case '&': return POP_AND;
	case '|': return POP_OR;
	case '^': return POP_XOR;
	case '<': return is_signed ? POP_SLT : POP_LT;
	case '>': return is_signed ? POP_SGT : POP_GT;
	case TOK_EQ: return POP_EQ;
	case TOK_NE: return POP_NE;
	case TOK_LE: return is_signed ? POP_SLE : POP_LE;
	case TOK_GE: return is_signed ? POP_SGE : POP_GE;
	case TOK_AND: return POP_LAND;
	case TOK_OR: return POP_LOR;
	case TOK_SHL: return POP_SHL;
	case TOK_SHR: return POP_SHR;
	}
	return POP_NOP;
}

static struct cval compile_binary(struct ctx *c, const struct node *n)
{
	struct cval a, b;
	bool is_signed;

	if ((n->op == TOK_EQ || n->op == TOK_NE) && (n->a->kind == N_STR || n->b->kind == N_STR)) {
		compile_streq(c, n);
		return scalar(8, false);
	}
	a = compile_rvalue(c, n->a);
	b = compile_rvalue(c, n->b);
	if (a.special == SP_COMM || b.special == SP_COMM)
		fail(c, n, "comm can only be printed, grouped by, or filtered with -c");
	is_signed = signed_of(&a) || signed_of(&b);
	emit(c, binary_op(n->op, is_signed), 0, 0, 0, 0, -1);
	return scalar(8, is_signed);
}

/* str(p), str(p, len), ip(x), hex(x) */
static struct cval compile_call(struct ctx *c, const struct node *n)
{
	struct cval v = { 0 };

	if (!strcmp(n->name, "str") && (n->nargs == 1 || n->nargs == 2)) {
		v = compile(c, n->args[0]);
		if (v.special == SP_COMM)
			return v;
		if (v.lvalue && !(v.type && is_stringish(&v)))
			v = rvalue(c, v, n->args[0]);
		else if (v.lvalue)
			v = rvalue(c, v, n->args[0]); /* char * loads, char[] decays */
		v.special = SP_STRING;
		if (n->nargs == 2) {
			compile_rvalue(c, n->args[1]);
			v.special = SP_STRN;
		}
		return v;
	}
	if ((!strcmp(n->name, "ip") || !strcmp(n->name, "hex")) && n->nargs == 1) {
		bool ip = n->name[0] == 'i';

		v = compile(c, n->args[0]);
		v.fmt = 1 + (ip ? FMT_IPV4 : FMT_HEX);
		if (!ip)
			v = rvalue(c, v, n->args[0]);
		return v;
	}
	fail(c, n, "unknown function %s() with %d argument(s): str(p), str(p, len), ip(x), hex(x)",
	     n->name, n->nargs);
	return v;
}

static struct cval compile(struct ctx *c, const struct node *n)
{
	struct cval v = scalar(8, true);

	if (c->failed || !n)
		return v;
	switch (n->kind) {
	case N_NUM:
		emit(c, POP_IMM, 0, 0, 0, n->num, 1);
		return v;
	case N_STR:
		fail(c, n, "a string literal can only be compared with ==/!=");
		return v;
	case N_IDENT: return compile_ident(c, n);
	case N_UNARY: return compile_unary(c, n);
	case N_BINARY: return compile_binary(c, n);
	case N_MEMBER: return compile_member(c, n);
	case N_INDEX: return compile_index(c, n);
	case N_CALL: return compile_call(c, n);
	case N_CAST: return compile_cast(c, n);
	}
	return v;
}

static enum field_fmt scalar_fmt(const struct cval *v)
{
	struct dtype_info di;

	if (v->fmt)
		return (enum field_fmt)(v->fmt - 1);
	info_of(v, &di);
	if (di.kind == DT_POINTER || di.kind == DT_ARRAY || di.kind == DT_STRUCT)
		return FMT_HEX;
	if (di.is_bool)
		return FMT_BOOL;
	if (di.is_char)
		return FMT_CHAR;
	return di.is_signed ? FMT_INT : FMT_UINT;
}

/* ip(x): an in_addr/in6_addr/sockaddr in memory, a pointer to one, or a u32. */
static void emit_ip(struct ctx *c, const struct node *n, struct cval v, __u8 dest,
		    struct field *f)
{
	struct dtype_info di;
	const struct dtype *obj = v.type;

	info_of(&v, &di);
	if (!v.lvalue && di.kind == DT_POINTER && dtype__pointee(v.type)) {
		obj = dtype__pointee(v.type); /* pointer: its target holds the address */
		dtype__info(obj, &di);
		v.lvalue = true;
	} else if (v.ptr_to && v.type) {
		dtype__info(v.type, &di);
		v.lvalue = true;
	}
	if (!v.lvalue || di.kind == DT_INT) {
		if (v.lvalue)
			v = rvalue(c, v, n);
		f->fmt = FMT_IPV4;
		f->size = 4;
		emit(c, POP_STORE, f->off, 4, dest, 0, -1);
		return;
	}
	/* struct sockaddr_in is 16 bytes like in6_addr: tell them by name */
	if (di.name && !strncmp(di.name, "sockaddr", 8)) {
		f->size = di.size == 16 ? 16 : 28;
		f->fmt = FMT_SOCKADDR;
	} else {
		f->size = di.size == 16 ? 16 : di.size == 4 ? 4 : 28;
		f->fmt = f->size == 16 ? FMT_IPV6 : f->size == 4 ? FMT_IPV4 : FMT_SOCKADDR;
	}
	emit(c, POP_BYTES, f->off, f->size, dest | v.kernel, 0, -1);
}

/* Compiles n and stores it at *off of the record or key; describes it in f. */
static void emit_slot(struct ctx *c, const struct node *n, bool key, unsigned *off,
		      unsigned limit, struct field *f)
{
	struct cval v = compile(c, n);
	__u8 dest = key ? 2 : 0;
	/* keys share PROBE_KEY bytes: each string key gets an equal part */
	unsigned strsize = key ? PROBE_KEY / (unsigned)c->ast->nkeys : c->out->strsize;

	bool bytes = v.special || v.fmt == 1 + FMT_IPV4 || is_stringish(&v);

	if (key && strsize > c->out->strsize)
		strsize = c->out->strsize;

	snprintf(f->label, sizeof(f->label), "%s", n->text);
	if (!bytes)
		*off = (*off + 7) & ~7u; /* scalars are stored aligned */
	f->off = *off;
	if (c->failed)
		return;
	if (v.special == SP_COMM) {
		f->fmt = FMT_COMM;
		f->size = TASK_COMM_LEN;
		emit(c, POP_COMM, f->off, 0, dest, 0, 0);
	} else if (v.fmt == 1 + FMT_IPV4) {
		emit_ip(c, n, v, dest, f);
	} else if (v.special == SP_STRING || v.special == SP_STRN || (!v.fmt && is_stringish(&v))) {
		if (v.lvalue)
			v = rvalue(c, v, n);
		f->fmt = FMT_STR;
		f->size = strsize < limit - *off ? strsize : limit - *off;
		emit(c, v.special == SP_STRN ? POP_STRN : POP_STR, f->off, f->size, dest | v.kernel, 0,
		     v.special == SP_STRN ? -2 : -1);
	} else {
		v = rvalue(c, v, n);
		f->fmt = scalar_fmt(&v);
		f->size = 8;
		emit(c, POP_STORE, f->off, 8, dest, 0, -1);
	}
	if (*off + f->size > limit || f->size == 0)
		fail(c, n, "too much data for one %s (%u bytes): fewer fields or a smaller --strsize",
		     key ? "key" : "event", limit);
	*off += f->size;
}

static const __u32 kind_of_target[] = {
	[TARGET_UPROBE] = PROBE_UPROBE,
	[TARGET_URETPROBE] = PROBE_URETPROBE,
	[TARGET_USDT] = PROBE_USDT,
	[TARGET_TRACEPOINT] = PROBE_TRACEPOINT,
};

static const __u32 output_of_action[] = {
	[ACT_NONE] = OUTPUT_EVENT, [ACT_PRINT] = OUTPUT_EVENT, [ACT_COUNT] = OUTPUT_COUNT,
	[ACT_HIST] = OUTPUT_HIST,  [ACT_LHIST] = OUTPUT_LHIST, [ACT_SUM] = OUTPUT_SUM,
	[ACT_ATTR] = OUTPUT_EVENT,
};

static void compile_predicate(struct ctx *c)
{
	struct cval v;

	if (!c->ast->predicate)
		return;
	v = compile_rvalue(c, c->ast->predicate);
	if (v.special)
		fail(c, c->ast->predicate, "a condition must be a number, not a string");
	emit(c, POP_FILTER, 0, 0, 0, 0, -1);
}

static void compile_outputs(struct ctx *c)
{
	const struct probe_ast *ast = c->ast;
	struct compiled_probe *out = c->out;
	unsigned off = sizeof(struct probe_event);

	if (ast->action == ACT_PRINT || ast->action == ACT_NONE || ast->action == ACT_ATTR) {
		for (int i = 0; i < ast->nexprs && !c->failed; i++) {
			if (out->nfields == PROBE_MAX_FIELDS) {
				fail(c, ast->exprs[i], "at most %d fields per print", PROBE_MAX_FIELDS);
				break;
			}
			emit_slot(c, ast->exprs[i], false, &off, PROBE_RECORD,
				  &out->fields[out->nfields++]);
			if (ast->attr_names) /* attr(NAME, ...) is labelled NAME */
				snprintf(out->fields[out->nfields - 1].label,
					 sizeof(out->fields[0].label), "%s", ast->attr_names[i]);
		}
		out->cfg.record_size = off;
		return;
	}
	off = 0;
	for (int i = 0; i < ast->nkeys && !c->failed; i++) {
		if (out->nkeys == PROBE_MAX_FIELDS) {
			fail(c, ast->keys[i], "at most %d keys", PROBE_MAX_FIELDS);
			break;
		}
		emit_slot(c, ast->keys[i], true, &off, PROBE_KEY, &out->keys[out->nkeys++]);
	}
	out->cfg.key_size = off;
	if (ast->nexprs) {
		struct cval v = compile_rvalue(c, ast->exprs[0]);

		if (v.special)
			fail(c, ast->exprs[0], "an aggregated value must be a number");
		emit(c, POP_AGG_VALUE, 0, 0, 0, 0, -1);
		snprintf(out->value_label, sizeof(out->value_label), "%s", ast->exprs[0]->text);
	}
}

int probe_compile(const struct probe_ast *ast, const struct probe_target *target,
		  unsigned strsize, struct compiled_probe *out, char *err, size_t errlen)
{
	struct ctx c = { .ast = ast, .t = target, .out = out, .err = err, .errlen = errlen };

	memset(out, 0, sizeof(*out));
	out->strsize = strsize;
	out->cfg.kind = kind_of_target[ast->kind];
	out->cfg.output = output_of_action[ast->action];
	out->cfg.lhist_min = (__u64)ast->lhist_min;
	out->cfg.lhist_step = (__u64)ast->lhist_step;
	out->cfg.next = PROBE_MAX;
	for (int i = 0; target->tp && i < target->tp->nfields; i++) {
		const struct tp_field *f = &target->tp->fields[i];

		if (f->offset + f->size > out->cfg.tp_size)
			out->cfg.tp_size = f->offset + f->size;
	}
	if (out->cfg.tp_size > PROBE_TP_COPY)
		out->cfg.tp_size = PROBE_TP_COPY; /* fields past it are refused when compiled */
	compile_predicate(&c);
	compile_outputs(&c);
	if (!c.failed && c.depth != 0)
		fail(&c, NULL, "internal: %d values left on the stack", c.depth);
	return c.failed ? -1 : 0;
}
