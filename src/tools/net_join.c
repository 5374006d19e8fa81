/* See net_join.h for the model. Records are indexed by (group, time): a
 * group is a TCP flow or a UDP (length, hash) pair, so every lookup is a
 * binary search into one group followed by a short forward scan. */
#include "tools/net_join.h"

#include "bpf/net.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOSTS 256
#define SCAN_MAX  4096 /* records looked at per lookup */

struct net_join {
	struct net_rec *recs;
	size_t nrecs, cap;
	size_t *order; /* indices sorted by group, then time */
	struct net_msg *msgs;
	size_t nmsgs, msgcap;
	char *hosts[MAX_HOSTS];
	int nhosts;
	struct net_join_counts counts;
};

struct query {
	uint8_t boundary;
	int host_eq, host_ne;		  /* -1: no constraint */
	uint64_t after;			  /* ts >= after (find) or ts <= after (find_before) */
	uint32_t byte;			  /* TCP: must cover it */
	const struct net_rec *same_addrs; /* packet addresses must equal these */
	uint16_t dport;			  /* UDP: if both known, must be equal */
	const uint8_t *not_daddr;	  /* UDP relay: egress not back to this address */
};

static int group_cmp(const struct net_rec *a, const struct net_rec *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->proto == 17) {
		if (a->len != b->len)
			return a->len < b->len ? -1 : 1;
		return a->hash < b->hash ? -1 : a->hash > b->hash;
	}
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->sport != b->sport)
		return a->sport < b->sport ? -1 : 1;
	if (a->dport != b->dport)
		return a->dport < b->dport ? -1 : 1;
	int c = memcmp(a->saddr, b->saddr, 16);

	return c ? c : memcmp(a->daddr, b->daddr, 16);
}

static const struct net_rec *sort_base;

static int order_cmp(const void *pa, const void *pb)
{
	const struct net_rec *a = &sort_base[*(const size_t *)pa];
	const struct net_rec *b = &sort_base[*(const size_t *)pb];
	int c = group_cmp(a, b);

	if (c)
		return c;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->boundary - b->boundary;
}

struct net_join *net_join__new(void)
{
	return calloc(1, sizeof(struct net_join));
}

int net_join__host(struct net_join *j, const char *name)
{
	for (int i = 0; i < j->nhosts; i++)
		if (!strcmp(j->hosts[i], name))
			return i;
	if (j->nhosts == MAX_HOSTS || !(j->hosts[j->nhosts] = strdup(name)))
		return -1;
	return j->nhosts++;
}

const char *net_join__host_name(const struct net_join *j, int host)
{
	return host >= 0 && host < j->nhosts ? j->hosts[host] : "?";
}

int net_join__add(struct net_join *j, const struct net_rec *r)
{
	if (r->boundary < 1 || r->boundary > 4 || !r->len)
		return -EINVAL;
	if (j->nrecs == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 4096;
		struct net_rec *n = realloc(j->recs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		j->recs = n;
		j->cap = cap;
	}
	j->recs[j->nrecs] = *r;
	j->recs[j->nrecs].used = 0;
	j->counts.records[r->boundary]++;
	j->nrecs++;
	return 0;
}

size_t net_join__count(const struct net_join *j)
{
	return j->nrecs;
}

static bool covers(const struct net_rec *r, uint32_t byte)
{
	return (uint32_t)(byte - r->seq) < r->len;
}

static bool same_addrs(const struct net_rec *a, const struct net_rec *b)
{
	return a->sport == b->sport && a->dport == b->dport && !memcmp(a->saddr, b->saddr, 16) &&
	       !memcmp(a->daddr, b->daddr, 16);
}

static bool fits(const struct net_rec *r, const struct query *q)
{
	if (r->boundary != q->boundary || (q->host_eq >= 0 && r->host != q->host_eq) ||
	    (q->host_ne >= 0 && r->host == q->host_ne))
		return false;
	if (r->proto == 6)
		return covers(r, q->byte);
	if (r->used || (q->dport && r->dport && r->dport != q->dport))
		return false;
	if (q->same_addrs && !same_addrs(r, q->same_addrs))
		return false;
	return !q->not_daddr || memcmp(r->daddr, q->not_daddr, 16);
}

/* First index in [lo, hi) of the order with ts >= t. */
static size_t first_at(const struct net_join *j, size_t lo, size_t hi, uint64_t t)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->recs[j->order[mid]].ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Earliest fitting record of the group [lo, hi) at or after q->after. */
static struct net_rec *find(struct net_join *j, size_t lo, size_t hi, const struct query *q)
{
	size_t i = first_at(j, lo, hi, q->after);

	for (size_t n = 0; i < hi && n < SCAN_MAX; i++, n++)
		if (fits(&j->recs[j->order[i]], q))
			return &j->recs[j->order[i]];
	return NULL;
}

/* Latest fitting record of the group at or before q->after. */
static struct net_rec *find_before(struct net_join *j, size_t lo, size_t hi, const struct query *q)
{
	size_t i = first_at(j, lo, hi, q->after + 1);

	for (size_t n = 0; i > lo && n < SCAN_MAX; i--, n++)
		if (fits(&j->recs[j->order[i - 1]], q))
			return &j->recs[j->order[i - 1]];
	return NULL;
}

static struct net_msg *new_msg(struct net_join *j)
{
	if (j->nmsgs == j->msgcap) {
		size_t cap = j->msgcap ? j->msgcap * 2 : 1024;
		struct net_msg *n = realloc(j->msgs, cap * sizeof(*n));

		if (!n)
			return NULL;
		j->msgs = n;
		j->msgcap = cap;
	}
	memset(&j->msgs[j->nmsgs], 0, sizeof(struct net_msg));
	return &j->msgs[j->nmsgs++];
}

static void take(struct net_msg *m, struct net_rec *r)
{
	m->t[r->boundary] = r->ts;
	m->have |= 1 << r->boundary;
	r->used = 1;
}

struct chain {
	struct net_join *j;
	size_t lo, hi; /* group range in the order */
	struct net_msg *m;
	uint32_t byte;
	int multi;
};

static void hop(struct chain *c, uint16_t host, const struct net_rec *in, struct net_rec *out,
		uint64_t prev_out)
{
	struct net_msg *m = c->m;

	m->hops[m->nhops++] = (struct net_hop){host, in->ts, out->ts};
	m->net_ns += in->ts - prev_out;
	m->relay_ns += out->ts - in->ts;
	out->used = 1;
}

/* On the host of ingress I: the same UDP payload sent on by an application
 * to another peer than the one it came from. Returns its egress or NULL. */
static struct net_rec *relayed(struct chain *c, struct net_rec *in, struct net_rec *recv)
{
	struct query q = {NET_B_SEND, in->host, -1, recv->ts, c->byte, NULL, 0, NULL};
	struct net_rec *send = find(c->j, c->lo, c->hi, &q), *out;

	if (!send)
		return NULL;
	q = (struct query){NET_B_EGRESS, in->host, -1,		send->ts,
			   c->byte,	 NULL,	   send->dport, in->saddr};
	out = find(c->j, c->lo, c->hi, &q);
	if (out)
		recv->used = send->used = 1;
	return out;
}

static bool overlaps(const struct net_rec *r, uint32_t first, uint32_t len)
{
	return (uint32_t)(r->seq - first) < len || (uint32_t)(first - r->seq) < r->len;
}

/* Earlier reads of the same message (a write read in several pieces) are
 * part of it, not receives of their own: mark them used. */
static void claim_partial_reads(struct chain *c, const struct net_rec *last)
{
	const struct net_msg *m = c->m;
	uint32_t first = c->byte - m->len + 1;

	for (size_t i = first_at(c->j, c->lo, c->hi, m->t[NET_B_SEND]); i < c->hi; i++) {
		struct net_rec *r = &c->j->recs[c->j->order[i]];

		if (r->ts > last->ts)
			break;
		if (r->boundary == NET_B_RECV && r->host == last->host &&
		    overlaps(r, first, m->len))
			r->used = 1;
	}
}

/* Follows the bytes from egress E across hosts until a receive. */
static void follow(struct chain *c, struct net_rec *e)
{
	struct net_msg *m = c->m;
	uint16_t visited[NET_MAX_HOPS + 2] = {e->host};
	int nvisited = 1;

	for (;;) {
		struct query q = {NET_B_INGRESS, -1, e->host, e->ts, c->byte, e, 0, NULL};
		struct net_rec *in = find(c->j, c->lo, c->hi, &q), *recv, *out = NULL;

		for (int v = 0; in && v < nvisited; v++)
			if (visited[v] == in->host)
				in = NULL;
		if (!in) {
			if (c->multi)
				c->j->counts.no_match[NET_B_INGRESS]++;
			return;
		}
		q = (struct query){NET_B_RECV, in->host, -1,	    in->ts,
				   c->byte,    NULL,	 in->dport, NULL};
		recv = find(c->j, c->lo, c->hi, &q);
		if (recv && m->proto == 17)
			out = relayed(c, in, recv);
		if (!recv) {
			q = (struct query){NET_B_EGRESS, in->host, -1, in->ts,
					   c->byte,	 NULL,	   0,  NULL};
			out = find(c->j, c->lo, c->hi, &q);
		}
		if (out && m->nhops < NET_MAX_HOPS) {
			in->used = 1;
			hop(c, in->host, in, out, e->ts);
			visited[nvisited++] = in->host;
			e = out;
			continue;
		}
		m->final = in->host;
		m->net_ns += in->ts - e->ts;
		take(m, in);
		if (recv) {
			take(m, recv);
			if (m->proto == 6)
				claim_partial_reads(c, recv);
		} else
			c->j->counts.no_match[NET_B_RECV]++;
		return;
	}
}

static int chain_from(struct chain *c, struct net_rec *send)
{
	struct query q = {NET_B_EGRESS, send->host, -1, send->ts, 0, NULL, send->dport, NULL};
	struct net_msg *m = new_msg(c->j);
	struct net_rec *e;

	if (!m)
		return -ENOMEM;
	c->m = m;
	c->byte = q.byte = send->seq + send->len - 1;
	m->proto = send->proto;
	m->family = send->family;
	m->len = send->len;
	m->seq = send->seq + send->len - 1;
	m->hash = send->hash;
	m->origin = m->final = send->host;
	m->sport = send->sport;
	m->dport = send->dport;
	memcpy(m->saddr, send->saddr, 16);
	memcpy(m->daddr, send->daddr, 16);
	take(m, send);
	e = find(c->j, c->lo, c->hi, &q);
	if (!e) {
		c->j->counts.no_match[NET_B_EGRESS]++;
		return 0;
	}
	take(m, e);
	/* the packet knows both addresses even when an unconnected socket did not */
	m->sport = e->sport;
	m->dport = e->dport;
	memcpy(m->saddr, e->saddr, 16);
	memcpy(m->daddr, e->daddr, 16);
	follow(c, e);
	return 0;
}

/* A receive no chain reached: host RX from the latest ingress before it. */
static int rx_only(struct chain *c, struct net_rec *recv)
{
	struct query q = {NET_B_INGRESS, recv->host,  -1,  recv->ts, recv->seq + recv->len - 1,
			  NULL,		 recv->dport, NULL};
	struct net_rec *in = find_before(c->j, c->lo, c->hi, &q);
	struct net_msg *m;

	if (!in) {
		c->j->counts.orphans[NET_B_RECV]++;
		return 0;
	}
	if (!(m = new_msg(c->j)))
		return -ENOMEM;
	m->proto = in->proto;
	m->family = in->family;
	m->len = recv->len;
	m->seq = recv->seq + recv->len - 1;
	m->hash = recv->hash;
	m->origin = m->final = recv->host;
	m->sport = in->sport;
	m->dport = in->dport;
	memcpy(m->saddr, in->saddr, 16);
	memcpy(m->daddr, in->daddr, 16);
	take(m, in);
	take(m, recv);
	return 0;
}

static uint64_t first_t(const struct net_msg *m)
{
	for (int b = 1; b <= 4; b++)
		if (NET_HAVE(m, b))
			return m->t[b];
	return 0;
}

static int msg_cmp(const void *pa, const void *pb)
{
	uint64_t a = first_t(pa), b = first_t(pb);

	return a < b ? -1 : a > b;
}

/* Runs fn over each group's records in time order. */
static int each_group(struct net_join *j, int multi, int (*fn)(struct chain *, struct net_rec *),
		      uint8_t boundary)
{
	for (size_t lo = 0, hi; lo < j->nrecs; lo = hi) {
		struct chain c = {j, lo, lo + 1, NULL, 0, multi};

		for (hi = lo + 1;
		     hi < j->nrecs && !group_cmp(&j->recs[j->order[lo]], &j->recs[j->order[hi]]);
		     hi++)
			;
		c.hi = hi;
		for (size_t i = lo; i < hi; i++) {
			struct net_rec *r = &j->recs[j->order[i]];
			int err;

			if (r->boundary == boundary && !r->used && (err = fn(&c, r)))
				return err;
		}
	}
	return 0;
}

int net_join__run(struct net_join *j, int multi_host)
{
	int err;

	free(j->order);
	j->nmsgs = 0;
	memset(j->counts.no_match, 0, sizeof(j->counts.no_match));
	memset(j->counts.orphans, 0, sizeof(j->counts.orphans));
	j->order = malloc((j->nrecs ? j->nrecs : 1) * sizeof(size_t));
	if (!j->order)
		return -ENOMEM;
	for (size_t i = 0; i < j->nrecs; i++) {
		j->order[i] = i;
		j->recs[i].used = 0;
	}
	sort_base = j->recs;
	qsort(j->order, j->nrecs, sizeof(size_t), order_cmp);
	if ((err = each_group(j, multi_host, chain_from, NET_B_SEND)) ||
	    (err = each_group(j, multi_host, rx_only, NET_B_RECV)))
		return err;
	for (size_t i = 0; i < j->nrecs; i++)
		if (j->recs[i].proto == 17 && !j->recs[i].used && j->recs[i].boundary != NET_B_RECV)
			j->counts.orphans[j->recs[i].boundary]++;
	if (j->nmsgs)
		qsort(j->msgs, j->nmsgs, sizeof(*j->msgs), msg_cmp);
	return 0;
}

const struct net_msg *net_join__msgs(const struct net_join *j, size_t *n)
{
	*n = j->nmsgs;
	return j->msgs;
}

const struct net_join_counts *net_join__counts(const struct net_join *j)
{
	return &j->counts;
}

void net_join__free(struct net_join *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->nhosts; i++)
		free(j->hosts[i]);
	free(j->recs);
	free(j->order);
	free(j->msgs);
	free(j);
}

static int64_t diff(const struct net_msg *m, int from, int to)
{
	return NET_HAVE(m, from) && NET_HAVE(m, to) ? (int64_t)(m->t[to] - m->t[from]) : -1;
}

int64_t net_msg_app(const struct net_msg *m)
{
	return m->origin != m->final || m->nhops ? diff(m, 1, 4) : -1;
}

int64_t net_msg_tx(const struct net_msg *m)
{
	return diff(m, 1, 2);
}

int64_t net_msg_rx(const struct net_msg *m)
{
	return diff(m, 3, 4);
}

int64_t net_msg_net(const struct net_msg *m)
{
	return NET_HAVE(m, 2) && NET_HAVE(m, 3) ? (int64_t)m->net_ns : -1;
}

int64_t net_msg_relay(const struct net_msg *m)
{
	return NET_HAVE(m, 2) && NET_HAVE(m, 3) ? (int64_t)m->relay_ns : -1;
}
