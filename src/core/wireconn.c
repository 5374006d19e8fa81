/* Connection table and protocol choice: see wireconn.h for the design. */
#include "core/wireconn.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "bpf/wire.h"
#include "core/inet.h"
#include "core/proto_memcache.h"
#include "core/proto_mysql.h"

#define BUCKETS 1024

struct conn {
	struct conn *next;
	struct wire_conninfo info;
	enum wire_proto proto;
	enum wire_role role;
	unsigned tries;
	uint64_t last_used;
	struct mysql_conn *mysql;
	struct memcache_conn *memcache;
};

struct wireconn {
	struct wireconn_opts opts;
	wireconn_op_fn fn;
	void *ctx;
	struct conn *buckets[BUCKETS];
	unsigned count;
	uint64_t clock;
	const struct conn *emitting; /* the connection whose op is being delivered */
};

struct wireconn *wireconn__new(const struct wireconn_opts *opts, wireconn_op_fn fn, void *ctx)
{
	struct wireconn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->opts = *opts;
	t->fn = fn;
	t->ctx = ctx;
	return t;
}

static unsigned bucket(uint32_t pid, uint64_t sock)
{
	uint64_t h = (sock ^ ((uint64_t)pid << 32)) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(h >> 54) % BUCKETS;
}

/* Parsers call back here; the connection is known from t->emitting. */
static void deliver(void *ctx, const struct wire_op *op)
{
	struct wireconn *t = ctx;

	t->fn(t->ctx, &t->emitting->info, op);
}

static void conn_flush(struct wireconn *t, struct conn *c)
{
	t->emitting = c;
	if (c->mysql)
		mysql_conn__flush(c->mysql, deliver, t);
	if (c->memcache)
		memcache_conn__flush(c->memcache, deliver, t);
}

static void conn_free(struct conn *c)
{
	mysql_conn__free(c->mysql);
	memcache_conn__free(c->memcache);
	free(c);
}

static void unlink_conn(struct wireconn *t, struct conn *victim)
{
	struct conn **pp = &t->buckets[bucket(victim->info.pid, victim->info.sock)];

	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = victim->next;
		t->count--;
	}
}

static void forget(struct wireconn *t, struct conn *c);

static void evict_oldest(struct wireconn *t)
{
	struct conn *oldest = NULL;

	for (unsigned b = 0; b < BUCKETS; b++)
		for (struct conn *c = t->buckets[b]; c; c = c->next)
			if (!oldest || c->last_used < oldest->last_used)
				oldest = c;
	if (!oldest)
		return;
	forget(t, oldest);
}

static struct conn *conn_get(struct wireconn *t, const struct wire_conninfo *info)
{
	unsigned b = bucket(info->pid, info->sock);
	struct conn *c;

	for (c = t->buckets[b]; c; c = c->next)
		if (c->info.pid == info->pid && c->info.sock == info->sock)
			break;
	if (c && (strcmp(c->info.peer, info->peer) || c->info.lport != info->lport)) {
		forget(t, c); /* socket memory reused by a new connection */
		c = NULL;
	}
	if (!c) {
		if (t->count >= WIRECONN_MAX)
			evict_oldest(t);
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->info = *info;
		c->next = t->buckets[b];
		t->buckets[b] = c;
		t->count++;
	}
	c->last_used = ++t->clock;
	c->info.tid = info->tid;
	return c;
}

static bool wanted(const struct wireconn *t, enum wire_proto p)
{
	return t->opts.protos & (1u << p);
}

/* Ports first, then content. */
static void detect(struct wireconn *t, struct conn *c, const struct wire_io *io)
{
	const struct wire_conninfo *i = &io->conn;
	bool fresh = false;
	enum wire_role role = WIRE_ROLE_NONE;

	if (wanted(t, WIRE_PROTO_MYSQL)) {
		role = mysql_detect(io->data, io->captured, io->len, io->is_write, &fresh);
		if (!role && t->opts.mysql_port && i->rport == t->opts.mysql_port)
			role = WIRE_ROLE_CLIENT;
		if (!role && t->opts.mysql_port && i->lport == t->opts.mysql_port)
			role = WIRE_ROLE_SERVER;
		if (role && (c->mysql = mysql_conn__new(fresh)))
			c->proto = WIRE_PROTO_MYSQL;
	}
	if (!c->proto && wanted(t, WIRE_PROTO_MEMCACHE)) {
		role = memcache_detect(io->data, io->captured, io->is_write);
		if (!role && t->opts.memcache_port && i->rport == t->opts.memcache_port)
			role = WIRE_ROLE_CLIENT;
		if (!role && t->opts.memcache_port && i->lport == t->opts.memcache_port)
			role = WIRE_ROLE_SERVER;
		if (role && (c->memcache = memcache_conn__new()))
			c->proto = WIRE_PROTO_MEMCACHE;
	}
	if (c->proto)
		c->role = role;
	else
		c->tries++;
}

void wireconn__feed(struct wireconn *t, const struct wire_io *io)
{
	struct conn *c = conn_get(t, &io->conn);
	struct wire_chunk ch;
	bool towards_server;

	if (!c || io->captured > io->len)
		return;
	if (!c->proto && c->tries < WIRECONN_DETECT_TRIES)
		detect(t, c, io);
	if (!c->proto)
		return;
	towards_server = io->is_write == (c->role == WIRE_ROLE_CLIENT);
	ch.dir = towards_server ? WIRE_REQ : WIRE_RESP;
	ch.data = io->data;
	ch.captured = io->captured;
	ch.len = io->len;
	/* a request counts from the client's send, a response until it arrived */
	ch.ts_ns = towards_server && c->role == WIRE_ROLE_CLIENT ? io->start_ns : io->end_ns;
	t->emitting = c;
	if (c->mysql)
		mysql_conn__feed(c->mysql, &ch, deliver, t);
	else
		memcache_conn__feed(c->memcache, &ch, deliver, t);
}

static void forget(struct wireconn *t, struct conn *c)
{
	conn_flush(t, c);
	unlink_conn(t, c);
	conn_free(c);
}

void wireconn__close(struct wireconn *t, uint32_t pid, uint64_t sock)
{
	for (struct conn *c = t->buckets[bucket(pid, sock)]; c; c = c->next)
		if (c->info.pid == pid && c->info.sock == sock) {
			forget(t, c);
			return;
		}
}

void wireconn__exit(struct wireconn *t, uint32_t pid)
{
	for (unsigned b = 0; b < BUCKETS; b++) {
		struct conn *c = t->buckets[b], *next;

		for (; c; c = next) {
			next = c->next;
			if (c->info.pid == pid)
				forget(t, c);
		}
	}
}

void wireconn__flush(struct wireconn *t)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		for (struct conn *c = t->buckets[b]; c; c = c->next)
			conn_flush(t, c);
}

void wireconn__counts(const struct wireconn *t, unsigned *followed, unsigned *ignored)
{
	*followed = *ignored = 0;
	for (unsigned b = 0; b < BUCKETS; b++)
		for (const struct conn *c = t->buckets[b]; c; c = c->next) {
			*followed += c->proto != WIRE_PROTO_NONE;
			*ignored +=
			    c->proto == WIRE_PROTO_NONE && c->tries >= WIRECONN_DETECT_TRIES;
		}
}

void wireconn__free(struct wireconn *t)
{
	if (!t)
		return;
	for (unsigned b = 0; b < BUCKETS; b++)
		while (t->buckets[b]) {
			struct conn *c = t->buckets[b];

			t->buckets[b] = c->next;
			conn_free(c);
		}
	free(t);
}

static void peer_of(const struct wire_event *e, char *buf, size_t len)
{
	char addr[INET_ADDR_LEN];

	if (e->addrs.family == WIRE_AF_UNIX) {
		snprintf(buf, len, "unix");
		return;
	}
	inet_addr_str(e->addrs.family, e->addrs.daddr, addr, sizeof(addr));
	snprintf(buf, len, e->addrs.family == TCPSOCK_AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 e->addrs.dport);
}

void wireconn__feed_event(struct wireconn *t, const struct wire_event *e, size_t size)
{
	struct wire_io io = {0};

	if (size < sizeof(*e) || size < sizeof(*e) + e->data_len)
		return;
	if (e->flags & WIRE_F_CLOSE) {
		wireconn__close(t, e->pid, e->sock);
		return;
	}
	if (e->flags & WIRE_F_EXIT) {
		wireconn__exit(t, e->pid);
		return;
	}
	io.conn.pid = e->pid;
	io.conn.tid = e->tid;
	io.conn.sock = e->sock;
	io.conn.cgroup_id = e->cgroup_id;
	memcpy(io.conn.comm, e->comm, sizeof(io.conn.comm));
	io.conn.comm[sizeof(io.conn.comm) - 1] = 0;
	peer_of(e, io.conn.peer, sizeof(io.conn.peer));
	io.conn.lport = e->addrs.sport;
	io.conn.rport = e->addrs.dport;
	io.is_write = e->flags & WIRE_F_WRITE;
	io.data = (const uint8_t *)e->data;
	io.captured = e->data_len;
	io.len = e->len;
	io.start_ns = e->start_ns;
	io.end_ns = e->end_ns;
	wireconn__feed(t, &io);
}
