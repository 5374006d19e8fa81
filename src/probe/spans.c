/* See spans.h. Two small chained hash tables keyed by kernel ids: open
 * requests by root id, and attributes of spans not yet closed by span id.
 * Records of one thread arrive in order through the one ring buffer, so a
 * span's attributes always come before its end record, and a request's
 * children before its root. */
#include "probe/spans.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inet.h"

struct node {
	uint64_t key;
	void *value;
	struct node *next;
};

struct table {
	struct node **buckets;
	size_t nbuckets, count;
};

struct pending_attrs {
	struct span_attr attrs[SPAN_ASM_MAX_ATTRS];
	int nattrs;
	uint64_t last_ns;
};

struct span_asm {
	span_request_fn fn;
	void *ctx;
	struct table requests; /* root id -> struct span_request */
	struct table attrs;    /* span id -> struct pending_attrs */
	struct span_asm_stats stats;
};

static int table_init(struct table *t, size_t nbuckets)
{
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->nbuckets = nbuckets;
	t->count = 0;
	return t->buckets ? 0 : -ENOMEM;
}

static struct node **table_slot(struct table *t, uint64_t key)
{
	struct node **n = &t->buckets[(key * 0x9e3779b97f4a7c15ull >> 32) % t->nbuckets];

	while (*n && (*n)->key != key)
		n = &(*n)->next;
	return n;
}

static void *table_get(struct table *t, uint64_t key)
{
	struct node *n = *table_slot(t, key);

	return n ? n->value : NULL;
}

static int table_put(struct table *t, uint64_t key, void *value)
{
	struct node **slot = table_slot(t, key), *n = malloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	*n = (struct node){ key, value, *slot };
	*slot = n;
	t->count++;
	return 0;
}

/* Removes key and returns its value (NULL when absent). */
static void *table_take(struct table *t, uint64_t key)
{
	struct node **slot = table_slot(t, key), *n = *slot;
	void *value;

	if (!n)
		return NULL;
	value = n->value;
	*slot = n->next;
	free(n);
	t->count--;
	return value;
}

struct span_asm *span_asm__new(span_request_fn fn, void *ctx)
{
	struct span_asm *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fn = fn;
	a->ctx = ctx;
	if (table_init(&a->requests, 4096) || table_init(&a->attrs, 4096)) {
		free(a->requests.buckets);
		free(a);
		return NULL;
	}
	return a;
}

static void attrs_free(struct span_attr *attrs, int n)
{
	for (int i = 0; i < n; i++) {
		free(attrs[i].name);
		free(attrs[i].value);
	}
}

static void request_free(struct span_request *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nspans; i++) {
		attrs_free(r->spans[i].attrs, r->spans[i].nattrs);
		free(r->spans[i].attrs);
	}
	free(r->spans);
	free(r->conns);
	free(r);
}

/* The open request of root_id, created on its first record. */
static struct span_request *request_get(struct span_asm *a, uint64_t root_id)
{
	struct span_request *r = table_get(&a->requests, root_id);

	if (r)
		return r;
	if (a->requests.count >= SPAN_ASM_MAX_PENDING) {
		a->stats.overflow++;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || table_put(&a->requests, root_id, r)) {
		free(r);
		return NULL;
	}
	r->root_id = root_id;
	return r;
}

static int grow(void **arr, int *cap, int need, size_t size)
{
	void *grown;
	int ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 8;
	grown = realloc(*arr, (size_t)ncap * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = ncap;
	return 0;
}

/* Moves the attributes collected for this span into its record. */
static int attach_attrs(struct span_asm *a, struct span_rec *rec)
{
	struct pending_attrs *pa = table_take(&a->attrs, rec->ev.span_id);

	if (!pa)
		return 0;
	rec->attrs = calloc(pa->nattrs, sizeof(*rec->attrs));
	if (!rec->attrs) {
		attrs_free(pa->attrs, pa->nattrs);
		free(pa);
		return -ENOMEM;
	}
	memcpy(rec->attrs, pa->attrs, pa->nattrs * sizeof(*rec->attrs));
	rec->nattrs = pa->nattrs;
	free(pa);
	return 0;
}

static void discard_attrs(struct span_asm *a, uint64_t span_id)
{
	struct pending_attrs *pa = table_take(&a->attrs, span_id);

	if (pa) {
		attrs_free(pa->attrs, pa->nattrs);
		free(pa);
	}
}

int span_asm__end(struct span_asm *a, const struct span_event *ev)
{
	struct span_request *r;
	struct span_rec *rec;

	if (ev->flags & SPAN_F_STALE) {
		discard_attrs(a, ev->span_id);
		if (ev->depth == 0) { /* the whole request is unusable */
			request_free(table_take(&a->requests, ev->root_id));
			a->stats.stale++;
		}
		return 0;
	}
	r = request_get(a, ev->root_id);
	if (!r) {
		discard_attrs(a, ev->span_id);
		return 0;
	}
	r->last_ns = ev->end_ns;
	if (r->nspans >= SPAN_ASM_MAX_SPANS && ev->depth) {
		r->spans_dropped++;
		a->stats.overflow++;
		discard_attrs(a, ev->span_id);
		return 0;
	}
	if (grow((void **)&r->spans, &r->cap, r->nspans + 1, sizeof(*r->spans)))
		return -ENOMEM;
	rec = &r->spans[r->nspans++];
	memset(rec, 0, sizeof(*rec));
	rec->ev = *ev;
	if (attach_attrs(a, rec))
		return -ENOMEM;
	if (ev->depth)
		return 0;
	table_take(&a->requests, ev->root_id);
	a->stats.requests++;
	a->stats.spans += r->nspans;
	a->fn(a->ctx, r);
	request_free(r);
	return 0;
}

int span_asm__conn(struct span_asm *a, const struct span_conn_event *ev)
{
	struct span_request *r = request_get(a, ev->root_id);

	if (!r)
		return 0;
	r->last_ns = ev->ts_ns;
	if (grow((void **)&r->conns, &r->conn_cap, r->nconns + 1, sizeof(*r->conns)))
		return -ENOMEM;
	r->conns[r->nconns++].ev = *ev;
	return 0;
}

int span_asm__attr(struct span_asm *a, uint64_t span_id, const char *name, const char *value,
		   uint64_t now_ns)
{
	struct pending_attrs *pa = table_get(&a->attrs, span_id);
	struct span_attr *at;

	if (!pa) {
		if (a->attrs.count >= SPAN_ASM_MAX_PENDING) {
			a->stats.overflow++;
			return 0;
		}
		pa = calloc(1, sizeof(*pa));
		if (!pa || table_put(&a->attrs, span_id, pa)) {
			free(pa);
			return -ENOMEM;
		}
	}
	pa->last_ns = now_ns;
	if (pa->nattrs == SPAN_ASM_MAX_ATTRS)
		return 0;
	at = &pa->attrs[pa->nattrs];
	at->name = strdup(name);
	at->value = strdup(value);
	if (!at->name || !at->value) {
		free(at->name);
		free(at->value);
		return -ENOMEM;
	}
	pa->nattrs++;
	return 0;
}

/* Frees the entries of t idle since before cutoff (all when cutoff is ~0). */
static uint64_t table_evict(struct table *t, uint64_t cutoff, bool requests)
{
	uint64_t n = 0;

	for (size_t b = 0; b < t->nbuckets; b++) {
		struct node **slot = &t->buckets[b];

		while (*slot) {
			struct node *nd = *slot;
			uint64_t last = requests ? ((struct span_request *)nd->value)->last_ns
						 : ((struct pending_attrs *)nd->value)->last_ns;

			if (last >= cutoff) {
				slot = &nd->next;
				continue;
			}
			*slot = nd->next;
			if (requests) {
				request_free(nd->value);
			} else {
				attrs_free(((struct pending_attrs *)nd->value)->attrs,
					   ((struct pending_attrs *)nd->value)->nattrs);
				free(nd->value);
			}
			free(nd);
			t->count--;
			n++;
		}
	}
	return n;
}

void span_asm__evict(struct span_asm *a, uint64_t now_ns, uint64_t age_ns)
{
	uint64_t cutoff = now_ns > age_ns ? now_ns - age_ns : 0;

	a->stats.evicted += table_evict(&a->requests, cutoff, true);
	a->stats.orphan_attrs += table_evict(&a->attrs, cutoff, false);
}

void span_asm__stats(const struct span_asm *a, struct span_asm_stats *out)
{
	*out = a->stats;
}

void span_asm__free(struct span_asm *a)
{
	if (!a)
		return;
	span_asm__evict(a, UINT64_MAX, 0);
	free(a->requests.buckets);
	free(a->attrs.buckets);
	free(a);
}

const char *span_peer_format(const struct span_peer_addr *p, char *buf, size_t len)
{
	char addr[INET_ADDR_LEN];

	inet_addr_str(p->family, p->addr, addr, sizeof(addr));
	snprintf(buf, len, p->family == TCPSOCK_AF_INET6 ? "[%s]:%u" : "%s:%u", addr, p->port);
	return buf;
}

static bool peer_eq(const struct span_peer_addr *a, const struct span_peer_addr *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static int add_peer(struct span_summary *s, int *cap, const struct span_peer *p)
{
	struct span_peer_sum *sum = NULL;

	for (int i = 0; i < s->npeers && !sum; i++)
		if (peer_eq(&s->peers[i].peer, &p->peer))
			sum = &s->peers[i];
	if (!sum) {
		if (grow((void **)&s->peers, cap, s->npeers + 1, sizeof(*s->peers)))
			return -ENOMEM;
		sum = &s->peers[s->npeers++];
		memset(sum, 0, sizeof(*sum));
		sum->peer = p->peer;
	}
	sum->calls += p->calls;
	sum->round_trips += p->round_trips;
	sum->bytes_out += p->bytes_out;
	sum->bytes_in += p->bytes_in;
	sum->io_ns += p->io_ns;
	return 0;
}

static int add_child(struct span_summary *s, int *cap, const struct span_event *ev)
{
	struct span_probe_sum *c = NULL;
	int at = 0;

	while (at < s->nchildren && s->children[at].probe < ev->probe)
		at++;
	if (at < s->nchildren && s->children[at].probe == ev->probe) {
		c = &s->children[at];
	} else {
		if (grow((void **)&s->children, cap, s->nchildren + 1, sizeof(*s->children)))
			return -ENOMEM;
		memmove(&s->children[at + 1], &s->children[at],
			(s->nchildren - at) * sizeof(*s->children));
		s->nchildren++;
		c = &s->children[at];
		*c = (struct span_probe_sum){ ev->probe, 0, 0 };
	}
	c->count++;
	c->total_ns += ev->end_ns - ev->start_ns;
	return 0;
}

static int by_io_desc(const void *x, const void *y)
{
	const struct span_peer_sum *a = x, *b = y;

	return a->io_ns < b->io_ns ? 1 : a->io_ns > b->io_ns ? -1 : 0;
}

int span_summarize(const struct span_request *req, struct span_summary *s)
{
	const struct span_event *root = &req->spans[req->nspans - 1].ev;
	int child_cap = 0, peer_cap = 0;

	memset(s, 0, sizeof(*s));
	s->duration_ns = root->end_ns - root->start_ns;
	s->self_ns = s->duration_ns > root->child_ns ? s->duration_ns - root->child_ns : 0;
	for (int i = 0; i < req->nspans; i++) {
		const struct span_event *ev = &req->spans[i].ev;

		if (ev->depth && add_child(s, &child_cap, ev))
			goto nomem;
		for (unsigned p = 0; p < ev->npeers && p < SPAN_PEERS; p++)
			if (add_peer(s, &peer_cap, &ev->peers[p]))
				goto nomem;
	}
	if (s->npeers > 1)
		qsort(s->peers, s->npeers, sizeof(*s->peers), by_io_desc);
	return 0;
nomem:
	span_summary_free(s);
	return -ENOMEM;
}

void span_summary_free(struct span_summary *s)
{
	free(s->children);
	free(s->peers);
	s->children = NULL;
	s->peers = NULL;
	s->nchildren = s->npeers = 0;
}
