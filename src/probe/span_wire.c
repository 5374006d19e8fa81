/* See span_wire.h. Both buffers are plain arrays scanned linearly: a
 * request holds for a fraction of a second, so they stay short at any
 * request rate the span probes themselves can sustain. */
#include "probe/span_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_SPAN_ID_BIT (1ull << 63)
#define OP_ATTRS	 8

struct held_op {
	uint32_t pid, tid, probe;
	uint64_t start_ns, end_ns;
	struct span_attr attrs[OP_ATTRS];
	int nattrs;
};

struct held_req {
	struct span_request req;
	uint64_t due_ns;
};

struct span_wire {
	uint32_t probe_base;
	int text_len;
	span_wire_emit_fn fn;
	void *ctx;
	struct held_op *ops;
	int nops, ops_cap;
	struct held_req *reqs; /* in arrival order */
	int nreqs, reqs_cap;
	uint64_t next_id;
	struct span_wire_stats stats;
};

struct span_wire *span_wire__new(uint32_t probe_base, int text_len, span_wire_emit_fn fn,
				 void *ctx)
{
	struct span_wire *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->probe_base = probe_base;
	w->text_len = text_len;
	w->fn = fn;
	w->ctx = ctx;
	return w;
}

static void free_attrs(struct span_attr *attrs, int n)
{
	for (int i = 0; i < n; i++) {
		free(attrs[i].name);
		free(attrs[i].value);
	}
}

static void add_attr(struct held_op *h, const char *name, const char *value)
{
	struct span_attr *a = &h->attrs[h->nattrs];

	if (h->nattrs == OP_ATTRS)
		return;
	a->name = strdup(name);
	a->value = strdup(value);
	if (a->name && a->value)
		h->nattrs++;
	else
		free_attrs(a, 1);
}

static void add_num(struct held_op *h, const char *name, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	add_attr(h, name, buf);
}

static void op_attrs(const struct span_wire *w, struct held_op *h, const char *peer,
		     const struct wire_op *op)
{
	char text[WIRE_TEXT_MAX + 4];
	bool cut = op->text_truncated || strlen(op->text) > (size_t)w->text_len;

	snprintf(text, sizeof(text), "%.*s%s", w->text_len, op->text, cut ? "..." : "");
	add_attr(h, "cmd", op->cmd);
	if (op->proto == WIRE_PROTO_MYSQL) {
		if (op->text[0])
			add_attr(h, "sql", text);
		if (op->rows >= 0)
			add_num(h, "rows", op->rows);
		if (op->affected >= 0)
			add_num(h, "affected", op->affected);
		if (op->error)
			add_num(h, "error", op->error);
	} else {
		if (op->text[0])
			add_attr(h, "keys", text);
		if (op->keys && (op->hits || op->misses)) { /* a retrieval */
			add_num(h, "hits", op->hits);
			add_num(h, "misses", op->misses);
		}
	}
	add_attr(h, "peer", peer);
}

static void drop_op(struct span_wire *w, int i)
{
	free_attrs(w->ops[i].attrs, w->ops[i].nattrs);
	w->ops[i] = w->ops[--w->nops];
}

void span_wire__op(struct span_wire *w, uint32_t pid, uint32_t tid, const char *peer,
		   const struct wire_op *op)
{
	struct held_op *h;

	w->stats.ops++;
	if (w->nops == w->ops_cap) {
		int cap = w->ops_cap ? w->ops_cap * 2 : 64;
		void *p = cap <= SPAN_WIRE_MAX_OPS ? realloc(w->ops, cap * sizeof(*w->ops)) : NULL;

		if (!p) {
			w->stats.outside++;
			return;
		}
		w->ops = p;
		w->ops_cap = cap;
	}
	h = &w->ops[w->nops++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->tid = tid;
	h->probe = w->probe_base + (op->proto == WIRE_PROTO_MYSQL ? 0 : 1);
	h->start_ns = op->start_ns;
	h->end_ns = op->end_ns;
	op_attrs(w, h, peer, op);
}

static int copy_attrs(struct span_rec *dst, const struct span_rec *src)
{
	dst->attrs = src->nattrs ? calloc(src->nattrs, sizeof(*dst->attrs)) : NULL;
	dst->nattrs = 0;
	if (src->nattrs && !dst->attrs)
		return -ENOMEM;
	for (int i = 0; i < src->nattrs; i++) {
		struct span_attr *a = &dst->attrs[dst->nattrs];

		a->name = strdup(src->attrs[i].name);
		a->value = strdup(src->attrs[i].value);
		dst->nattrs++;
		if (!a->name || !a->value)
			return -ENOMEM;
	}
	return 0;
}

static void free_request(struct span_request *r)
{
	for (int i = 0; i < r->nspans; i++) {
		free_attrs(r->spans[i].attrs, r->spans[i].nattrs);
		free(r->spans[i].attrs);
	}
	free(r->spans);
	free(r->conns);
}

static int copy_request(struct span_request *dst, const struct span_request *src)
{
	*dst = *src;
	dst->nspans = 0;
	dst->conns = NULL;
	dst->spans = calloc(src->nspans, sizeof(*dst->spans));
	if (!dst->spans)
		return -ENOMEM;
	dst->cap = src->nspans;
	for (int i = 0; i < src->nspans; i++) {
		dst->spans[i] = src->spans[i];
		dst->nspans++;
		if (copy_attrs(&dst->spans[i], &src->spans[i]))
			return -ENOMEM;
	}
	if (src->nconns) {
		dst->conns = malloc(src->nconns * sizeof(*dst->conns));
		if (!dst->conns)
			return -ENOMEM;
		memcpy(dst->conns, src->conns, src->nconns * sizeof(*dst->conns));
	}
	dst->conn_cap = src->nconns;
	return 0;
}

int span_wire__hold(struct span_wire *w, const struct span_request *req, uint64_t now_ns)
{
	struct held_req *h;

	if (w->nreqs == w->reqs_cap) {
		int cap = w->reqs_cap ? w->reqs_cap * 2 : 64;
		void *p = cap <= SPAN_WIRE_MAX_HELD ? realloc(w->reqs, cap * sizeof(*w->reqs)) : NULL;

		if (!p) /* cannot hold: emit as is rather than lose it */
			return w->fn(w->ctx, req);
		w->reqs = p;
		w->reqs_cap = cap;
	}
	h = &w->reqs[w->nreqs];
	h->due_ns = now_ns + SPAN_WIRE_HOLD_NS;
	if (copy_request(&h->req, req)) {
		free_request(&h->req);
		return w->fn(w->ctx, req);
	}
	w->nreqs++;
	return 0;
}

/* The innermost span of req (not the root) open over [start, end]. */
static const struct span_event *innermost(const struct span_request *req, uint64_t start,
					  uint64_t end)
{
	const struct span_event *best = NULL;

	for (int i = 0; i < req->nspans - 1; i++) {
		const struct span_event *ev = &req->spans[i].ev;

		if (ev->start_ns <= start && ev->end_ns >= end && (!best || ev->depth > best->depth))
			best = ev;
	}
	return best;
}

/* Moves op i into req as a child span just before the root. */
static int attach_op(struct span_wire *w, struct span_request *req, int i)
{
	struct held_op *op = &w->ops[i];
	const struct span_event *root = &req->spans[req->nspans - 1].ev, *parent;
	struct span_rec rec = { 0 };

	if (req->nspans == req->cap) {
		void *p = realloc(req->spans, (req->cap * 2) * sizeof(*req->spans));

		if (!p)
			return -ENOMEM;
		req->spans = p;
		req->cap *= 2;
		root = &req->spans[req->nspans - 1].ev;
	}
	parent = innermost(req, op->start_ns, op->end_ns);
	if (!parent)
		parent = root;
	rec.ev = *root;
	rec.ev.probe = op->probe;
	rec.ev.span_id = WIRE_SPAN_ID_BIT | ++w->next_id;
	rec.ev.parent_id = parent->span_id;
	rec.ev.depth = parent->depth + 1;
	rec.ev.start_ns = op->start_ns;
	rec.ev.end_ns = op->end_ns;
	rec.ev.child_ns = 0;
	rec.ev.flags = 0;
	rec.ev.npeers = 0;
	rec.ev.peers_dropped = 0;
	rec.attrs = calloc(op->nattrs ? op->nattrs : 1, sizeof(*rec.attrs));
	if (!rec.attrs)
		return -ENOMEM;
	memcpy(rec.attrs, op->attrs, op->nattrs * sizeof(*rec.attrs));
	rec.nattrs = op->nattrs;
	op->nattrs = 0; /* owned by the span now */
	req->spans[req->nspans] = req->spans[req->nspans - 1];
	req->spans[req->nspans - 1] = rec;
	req->nspans++;
	drop_op(w, i);
	w->stats.attached++;
	return 0;
}

/* Attaches the operations inside req's root; those of its thread that
 * ended before it started were outside any request. */
static int join(struct span_wire *w, struct span_request *req)
{
	const struct span_event root = req->spans[req->nspans - 1].ev;

	for (int i = w->nops - 1; i >= 0; i--) {
		const struct held_op *op = &w->ops[i];

		if (op->pid != root.pid || op->tid != root.tid)
			continue;
		if (op->start_ns >= root.start_ns && op->end_ns <= root.end_ns) {
			if (attach_op(w, req, i))
				return -ENOMEM;
		} else if (op->end_ns < root.start_ns) {
			drop_op(w, i);
			w->stats.outside++;
		}
	}
	return 0;
}

int span_wire__release(struct span_wire *w, uint64_t now_ns, uint64_t age_ns)
{
	int done = 0, err = 0;

	while (done < w->nreqs && w->reqs[done].due_ns <= now_ns) {
		struct span_request *req = &w->reqs[done++].req;

		if (!err)
			err = join(w, req);
		if (!err)
			err = w->fn(w->ctx, req);
		free_request(req);
	}
	if (done) /* w->reqs may still be NULL */
		memmove(w->reqs, w->reqs + done, (w->nreqs - done) * sizeof(*w->reqs));
	w->nreqs -= done;
	for (int i = w->nops - 1; i >= 0; i--)
		if (now_ns == UINT64_MAX || w->ops[i].end_ns + age_ns < now_ns) {
			drop_op(w, i);
			w->stats.outside++;
		}
	return err;
}

void span_wire__stats(const struct span_wire *w, struct span_wire_stats *out)
{
	*out = w->stats;
}

void span_wire__free(struct span_wire *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->nreqs; i++)
		free_request(&w->reqs[i].req);
	while (w->nops)
		drop_op(w, w->nops - 1);
	free(w->reqs);
	free(w->ops);
	free(w);
}
