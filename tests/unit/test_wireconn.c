/* Connection table: protocol choice by port and content, the observing
 * side (client or server), unknown protocols given up, reused sockets;
 * and the per-statement aggregates of `wire --stats`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "bpf/wire.h"
#include "core/wireconn.h"
#include "tools/wire_stats.h"

#define MAX_OPS 16

static struct wire_op ops[MAX_OPS];
static struct wire_conninfo conns[MAX_OPS];
static int nops;

static void collect(void *ctx, const struct wire_conninfo *conn, const struct wire_op *op)
{
	(void)ctx;
	if (nops < MAX_OPS) {
		ops[nops] = *op;
		conns[nops] = *conn;
	}
	nops++;
}

static void io(struct wireconn *t, uint64_t sock, uint16_t lport, uint16_t rport, bool is_write,
	       const char *data, size_t len, uint64_t ts)
{
	struct wire_io w = {.is_write = is_write,
			    .data = (const uint8_t *)data,
			    .captured = len,
			    .len = len,
			    .start_ns = ts,
			    .end_ns = ts + 1};

	w.conn.pid = 42;
	w.conn.sock = sock;
	w.conn.lport = lport;
	w.conn.rport = rport;
	snprintf(w.conn.peer, sizeof(w.conn.peer), "127.0.0.1:%u", rport);
	wireconn__feed(t, &w);
}

static int setup(void **state)
{
	(void)state;
	nops = 0;
	return 0;
}

static const struct wireconn_opts all = {(1u << WIRE_PROTO_MYSQL) | (1u << WIRE_PROTO_MEMCACHE),
					 3306, 11211};

static void test_content_client_and_server(void **state)
{
	struct wireconn *t = wireconn__new(&all, collect, NULL);
	const char query[] = "\x09\0\0\0\x03SELECT 1";
	const char ok[] = "\x07\0\0\x01\0\0\0\x02\0\0\0";

	(void)state;
	/* memcached on an unusual port, seen from the client */
	io(t, 1, 40000, 5555, true, "get a\r\n", 7, 100);
	io(t, 1, 40000, 5555, false, "END\r\n", 5, 300);
	/* MySQL seen from the server: it reads the query, writes the OK */
	io(t, 2, 4406, 50000, false, query, sizeof(query) - 1, 1000);
	io(t, 2, 4406, 50000, true, ok, sizeof(ok) - 1, 1500);
	assert_int_equal(nops, 2);
	assert_int_equal(ops[0].proto, WIRE_PROTO_MEMCACHE);
	assert_int_equal(ops[0].misses, 1);
	assert_int_equal(ops[0].start_ns, 100); /* client: from the write's entry */
	assert_int_equal(ops[0].end_ns, 301);	/* to the read's exit */
	assert_string_equal(conns[0].peer, "127.0.0.1:5555");
	assert_int_equal(ops[1].proto, WIRE_PROTO_MYSQL);
	assert_string_equal(ops[1].text, "SELECT 1");
	assert_int_equal(ops[1].start_ns, 1001); /* server: from the read's exit */
	wireconn__free(t);
}

static void test_ports_and_unknown(void **state)
{
	struct wireconn_opts mysql_only = {1u << WIRE_PROTO_MYSQL, 3306, 0};
	struct wireconn *t = wireconn__new(&mysql_only, collect, NULL);
	unsigned followed, ignored;

	(void)state;
	/* memcached traffic is not followed when only MySQL is asked for */
	io(t, 1, 40000, 11211, true, "get a\r\n", 7, 1);
	io(t, 1, 40000, 11211, false, "END\r\n", 5, 2);
	/* HTTP: given up after a few chunks */
	for (int i = 0; i < WIRECONN_DETECT_TRIES + 2; i++)
		io(t, 2, 40001, 8080, true, "GET / HTTP/1.1\r\n\r\n", 18, 10 + i);
	/* a port-3306 connection joined mid-stream is MySQL without a greeting */
	io(t, 3, 40002, 3306, true, "\x0a\0\0\0\x16SELECT ?", 14, 100);
	wireconn__counts(t, &followed, &ignored);
	assert_int_equal(followed, 1);
	assert_int_equal(ignored, 1);
	wireconn__flush(t);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0].cmd, "COM_STMT_PREPARE");
	assert_true(ops[0].incomplete);
	wireconn__free(t);
}

static void test_socket_reused(void **state)
{
	struct wireconn *t = wireconn__new(&all, collect, NULL);

	(void)state;
	io(t, 7, 40000, 11211, true, "get a\r\n", 7, 1);
	/* same socket address, another peer: the old connection ends */
	io(t, 7, 40010, 3306, true, "\x09\0\0\0\x03SELECT 1", 13, 2);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].proto, WIRE_PROTO_MEMCACHE);
	assert_true(ops[0].incomplete);
	wireconn__flush(t);
	assert_int_equal(nops, 2);
	assert_int_equal(ops[1].proto, WIRE_PROTO_MYSQL);
	wireconn__free(t);
}

/* close() and exit end what is in flight and forget the connections. */
static void test_close_and_exit(void **state)
{
	struct wireconn *t = wireconn__new(&all, collect, NULL);
	unsigned followed, ignored;

	(void)state;
	io(t, 1, 40000, 11211, true, "get a\r\n", 7, 1);
	io(t, 2, 40001, 11211, true, "get b\r\n", 7, 2);
	io(t, 3, 40002, 11211, true, "get c\r\n", 7, 3);
	wireconn__close(t, 42, 2);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0].text, "b");
	assert_true(ops[0].incomplete);
	wireconn__close(t, 42, 99); /* unknown: nothing happens */
	wireconn__counts(t, &followed, &ignored);
	assert_int_equal(followed, 2);
	wireconn__exit(t, 42);
	assert_int_equal(nops, 3);
	wireconn__counts(t, &followed, &ignored);
	assert_int_equal(followed, 0);
	wireconn__free(t);
}

/* A record as bpf/wire.bpf.h sends it. */
static struct wire_event *event(uint64_t sock, unsigned family, uint32_t flags, const char *data,
				size_t *size)
{
	size_t n = data ? strlen(data) : 0;
	struct wire_event *e = calloc(1, sizeof(*e) + n);

	e->pid = 42;
	e->sock = sock;
	e->flags = flags;
	e->len = e->data_len = n;
	e->start_ns = 10;
	e->end_ns = 20;
	e->addrs.family = family;
	e->addrs.dport = 11211;
	e->addrs.sport = 50000;
	if (family == TCPSOCK_AF_INET)
		memcpy(e->addrs.daddr, "\x7f\0\0\x01", 4);
	else if (family == TCPSOCK_AF_INET6)
		e->addrs.daddr[15] = 1;
	memcpy(e->data, data ? data : "", n);
	*size = sizeof(*e) + n;
	return e;
}

static void feed_event(struct wireconn *t, uint64_t sock, unsigned family, uint32_t flags,
		       const char *data)
{
	size_t size;
	struct wire_event *e = event(sock, family, flags, data, &size);

	wireconn__feed_event(t, e, size);
	wireconn__feed_event(t, e, size - 1); /* short records are ignored */
	free(e);
}

static void test_events(void **state)
{
	struct wireconn *t = wireconn__new(&all, collect, NULL);

	(void)state;
	feed_event(t, 1, TCPSOCK_AF_INET, WIRE_F_WRITE, "get a\r\n");
	feed_event(t, 1, TCPSOCK_AF_INET, 0, "END\r\n");
	feed_event(t, 2, TCPSOCK_AF_INET6, WIRE_F_WRITE, "get b\r\n");
	feed_event(t, 3, WIRE_AF_UNIX, WIRE_F_WRITE, "get c\r\n");
	assert_int_equal(nops, 1);
	assert_string_equal(conns[0].peer, "127.0.0.1:11211");
	assert_int_equal(ops[0].start_ns, 10);
	assert_int_equal(ops[0].end_ns, 20);
	feed_event(t, 2, 0, WIRE_F_CLOSE, NULL);
	assert_int_equal(nops, 2);
	assert_string_equal(conns[1].peer, "[::1]:11211");
	feed_event(t, 0, 0, WIRE_F_EXIT, NULL);
	assert_int_equal(nops, 3);
	assert_string_equal(conns[2].peer, "unix");
	wireconn__free(t);
}

static struct wire_op sql_op(const char *text, uint64_t ns, uint32_t error, int64_t rows)
{
	struct wire_op op = {.proto = WIRE_PROTO_MYSQL,
			     .start_ns = 1000,
			     .rows = rows,
			     .affected = -1,
			     .error = error};

	op.end_ns = 1000 + ns;
	snprintf(op.cmd, sizeof(op.cmd), "COM_QUERY");
	snprintf(op.text, sizeof(op.text), "%s", text);
	return op;
}

static void test_stats(void **state)
{
	struct wire_stats *s = wire_stats__new();
	struct wire_op a = sql_op("SELECT * FROM t WHERE id = 1", 2000000, 0, 1);
	struct wire_op b = sql_op("SELECT * FROM t WHERE id = 22", 4000000, 0, 2);
	struct wire_op c = sql_op("SELECT * FROM nope", 1000, 1146, -1);
	struct wire_op g = {.proto = WIRE_PROTO_MEMCACHE,
			    .start_ns = 0,
			    .end_ns = 5000,
			    .keys = 3,
			    .hits = 2,
			    .misses = 1,
			    .cmd = "get"};
	const struct wire_stat *const *rows;
	int n;

	(void)state;
	wire_stats__add(s, &a);
	wire_stats__add(s, &b);
	wire_stats__add(s, &c);
	wire_stats__add(s, &g);
	rows = wire_stats__sorted(s, &n);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0]->text, "SELECT * FROM t WHERE id = ?");
	assert_int_equal(rows[0]->count, 2);
	assert_int_equal(rows[0]->rows, 3);
	assert_int_equal(rows[0]->total_ns, 6000000);
	assert_int_equal(rows[0]->max_ns, 4000000);
	assert_string_equal(rows[1]->cmd, "get");
	assert_int_equal(rows[1]->hits, 2);
	assert_int_equal(rows[1]->misses, 1);
	assert_int_equal(rows[2]->errors, 1);
	wire_stats__clear(s);
	rows = wire_stats__sorted(s, &n);
	assert_int_equal(n, 0);
	wire_stats__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_content_client_and_server, setup),
	    cmocka_unit_test_setup(test_ports_and_unknown, setup),
	    cmocka_unit_test_setup(test_socket_reused, setup),
	    cmocka_unit_test_setup(test_close_and_exit, setup),
	    cmocka_unit_test_setup(test_events, setup),
	    cmocka_unit_test_setup(test_stats, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
