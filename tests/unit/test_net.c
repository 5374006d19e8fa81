/* net: the collector's line format (strict parsing, round trips), endpoint
 * specs, and the cross-host join (TCP ranges, GSO coalescing, sequence
 * wrap-around, UDP relay and echo chains, miss accounting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/clocksync.h"
#include "core/endpoint.h"
#include "tools/net_join.h"
#include "tools/net_record.h"

#define MS 1000000ull

static struct net_rec rec(int host, int b, int proto, const char *s, int sp, const char *d, int dp,
			  uint32_t seq, uint32_t len, uint64_t hash, uint64_t ts)
{
	struct net_rec r = {.ts = ts,
			    .hash = hash,
			    .seq = seq,
			    .len = len,
			    .sport = sp,
			    .dport = dp,
			    .host = host,
			    .boundary = b,
			    .proto = proto,
			    .family = 4};

	if (s)
		inet_pton(AF_INET, s, r.saddr);
	if (d)
		inet_pton(AF_INET, d, r.daddr);
	return r;
}

static void add(struct net_join *j, struct net_rec r)
{
	assert_int_equal(net_join__add(j, &r), 0);
}

static void test_line_round_trip(void **state)
{
	struct net_rec r = rec(0, 2, 6, "10.0.0.1", 40000, "10.0.0.2", 7000, 4294967000u, 1448,
			       0xdeadbeef12345678ull, 1795644175359724086ull);
	struct net_hello h = {"client-1", "tai", 37, true, 100, 10};
	struct net_stats st = {10, 2, 1, 0, 7};
	union net_line l;
	char buf[256], err[128];

	(void)state;
	r.ifindex = 3;
	r.pid = 42;
	net_format_rec(buf, sizeof(buf), &r);
	assert_int_equal(net_line_parse(buf, &l, err, sizeof(err)), NET_LINE_REC);
	assert_memory_equal(&l.rec, &r, sizeof(r));
	net_format_hello(buf, sizeof(buf), &h);
	assert_int_equal(net_line_parse(buf, &l, err, sizeof(err)), NET_LINE_HELLO);
	assert_string_equal(l.hello.host, "client-1");
	assert_int_equal(l.hello.tai_offset_s, 37);
	assert_true(l.hello.synced);
	net_format_stats(buf, sizeof(buf), &st);
	assert_int_equal(net_line_parse(buf, &l, err, sizeof(err)), NET_LINE_STATS);
	assert_int_equal(l.stats.drops, 2);
	assert_int_equal(l.stats.uncovered, st.uncovered);
	/* agents before the uncovered field send 5 fields */
	assert_int_equal(net_line_parse("S 1 2 3 4", &l, err, sizeof(err)), NET_LINE_STATS);
	assert_int_equal(l.stats.uncovered, 0);
	/* IPv6 and unknown addresses */
	assert_int_equal(net_line_parse("R 4 U - 0 fd00::2 7000 0 12 00000000000000ff 5 0 1", &l,
					err, sizeof(err)),
			 NET_LINE_REC);
	assert_int_equal(l.rec.family, 6);
	assert_true(net_addr_is_zero(l.rec.saddr));
	assert_int_equal(l.rec.hash, 0xff);
}

static void expect_reject(const char *line, const char *reason)
{
	union net_line l;
	char err[128] = "";

	assert_int_equal(net_line_parse(line, &l, err, sizeof(err)), -1);
	if (!strstr(err, reason))
		fail_msg("'%s': got '%s', wanted '%s'", line, err, reason);
}

static void test_line_rejects(void **state)
{
	char big[700];

	(void)state;
	expect_reject("", "malformed");
	expect_reject("R  2", "malformed");
	expect_reject("R 2 T 1.1.1.1 1 2.2.2.2 2 0 1 0000000000000000 1 0 1 extra", "13 fields");
	expect_reject("R 5 T 1.1.1.1 1 2.2.2.2 2 0 1 0000000000000000 1 0 1", "boundary");
	expect_reject("R 0 T 1.1.1.1 1 2.2.2.2 2 0 1 0000000000000000 1 0 1", "boundary");
	expect_reject("R 1 X 1.1.1.1 1 2.2.2.2 2 0 1 0000000000000000 1 0 1", "protocol");
	expect_reject("R 1 T 1.1.1.999 1 2.2.2.2 2 0 1 0000000000000000 1 0 1", "address");
	expect_reject("R 1 T 1.1.1.1 1 fd00::1 2 0 1 0000000000000000 1 0 1", "address");
	expect_reject("R 1 T 1.1.1.1 65536 2.2.2.2 2 0 1 0000000000000000 1 0 1", "number");
	expect_reject("R 1 T 1.1.1.1 1 2.2.2.2 2 -1 1 0000000000000000 1 0 1", "number");
	expect_reject("R 1 T 1.1.1.1 1 2.2.2.2 2 0 1 00ff 1 0 1", "number");
	expect_reject("R 1 T 1.1.1.1 1 2.2.2.2 2 0 1 000000000000000g 1 0 1", "number");
	expect_reject("R 1 T 1.1.1.1 1 2.2.2.2 2 0 0 0000000000000000 1 0 1", "zero length");
	expect_reject("R 1 T 1.1.1.1\t1 2.2.2.2 2 0 1 0000000000000000 1 0 1", "malformed");
	expect_reject("H 2 h tai 0 1 1 1", "version");
	expect_reject("H 1 h sundial 0 1 1 1", "clock");
	expect_reject("H 1 h tai 0 2 1 1", "number");
	expect_reject("S 1 2 3", "5 or 6 fields");
	expect_reject("S 1 2 3 4 5 6", "5 or 6 fields");
	expect_reject("S 1 2 3 4 x", "bad number");
	expect_reject("X 1", "unknown line type");
	expect_reject("RR 1", "unknown line type");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	expect_reject(big, "too long");
}

/* Random byte mutations of valid lines: the parser must accept or reject
 * each with a reason, never read out of bounds (run under ASan). */
static void test_line_mutations(void **state)
{
	static const char *const seeds[] = {
	    "H 1 client tai 37 1 100 10",
	    "R 2 T 10.0.0.1 40000 10.0.0.2 7000 4294967000 1448 deadbeef12345678 1795644175 3 42",
	    "R 4 U - 0 fd00::2 7000 0 12 00000000000000ff 5 0 1",
	    "S 10 2 1 0",
	};
	static const char alphabet[] = " 0123456789abcdefgxHRST.:-\t\n\x01\xff";
	unsigned seed = 12345;
	union net_line l;
	char line[160], err[128];

	(void)state;
	for (int i = 0; i < 40000; i++) {
		const char *src = seeds[i % 4];
		size_t len = strlen(src);
		int kind;

		memcpy(line, src, len + 1);
		for (int m = 0; m < 1 + i % 4; m++) {
			seed = seed * 1103515245u + 12345u;
			line[(seed >> 8) % len] = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		if (i % 7 == 0)
			line[(seed >> 4) % len] = 0; /* truncated */
		err[0] = 0;
		kind = net_line_parse(line, &l, err, sizeof(err));
		assert_true(kind == -1 || kind == 'H' || kind == 'R' || kind == 'S');
		if (kind == -1)
			assert_true(err[0] && strlen(err) < sizeof(err));
	}
}

static void test_endpoint(void **state)
{
	struct endpoint ep;

	(void)state;
	assert_int_equal(endpoint_parse("127.0.0.1:7878", &ep), 0);
	assert_int_equal(ep.port, 7878);
	assert_int_equal(ep.addr.ss_family, AF_INET);
	assert_int_equal(endpoint_parse("[fd00::1]:9", &ep), 0);
	assert_int_equal(ep.addr.ss_family, AF_INET6);
	assert_int_equal(endpoint_parse("unix:/tmp/x.sock", &ep), 0);
	assert_int_equal(ep.addr.ss_family, AF_UNIX);
	assert_int_equal(endpoint_parse("fd00::1:9", &ep), -1); /* v6 needs brackets */
	assert_int_equal(endpoint_parse("localhost:9", &ep), -1);
	assert_int_equal(endpoint_parse("1.2.3.4:0", &ep), -1);
	assert_int_equal(endpoint_parse("1.2.3.4:65536", &ep), -1);
	assert_int_equal(endpoint_parse("1.2.3.4:", &ep), -1);
	assert_int_equal(endpoint_parse(":80", &ep), -1);
	assert_int_equal(endpoint_parse("unix:", &ep), -1);
}

static void test_clocksync(void **state)
{
	struct clocksync cs = {.tai = true, .tai_offset_s = 37};

	(void)state;
	assert_int_equal(clocksync_to_wall(&cs, 1037 * 1000000000ull), 1000 * 1000000000ull);
	cs.tai = false;
	cs.mono_offset_ns = 500;
	assert_int_equal(clocksync_to_wall(&cs, 1000), 1500);
}

static const struct net_msg *only_msg(struct net_join *j, size_t want, size_t idx)
{
	size_t n;
	const struct net_msg *m = net_join__msgs(j, &n);

	assert_int_equal(n, want);
	return &m[idx];
}

/* One write split over two segments, a second write coalesced with the
 * first's tail in one super-segment, reads in other chunk sizes, and a
 * retransmission that must not move anything. */
static void test_join_tcp_ranges(void **state)
{
	struct net_join *j = net_join__new();
	const char *a = "10.0.0.1", *b = "10.0.0.2";
	const struct net_msg *m;

	(void)state;
	assert_int_equal(net_join__host(j, "A"), 0);
	assert_int_equal(net_join__host(j, "B"), 1);
	add(j, rec(0, 1, 6, a, 40000, b, 7000, 1000, 3000, 0, 10000 * 1000ull));
	add(j, rec(0, 1, 6, a, 40000, b, 7000, 4000, 100, 0, 10500 * 1000ull));
	add(j, rec(0, 2, 6, a, 40000, b, 7000, 1000, 1448, 0, 10100 * 1000ull));
	add(j, rec(0, 2, 6, a, 40000, b, 7000, 2448, 1652, 0, 10600 * 1000ull));
	add(j, rec(0, 2, 6, a, 40000, b, 7000, 2448, 1652, 0, 30000 * 1000ull)); /* retransmit */
	add(j, rec(1, 3, 6, a, 40000, b, 7000, 1000, 1448, 0, 11000 * 1000ull));
	add(j, rec(1, 3, 6, a, 40000, b, 7000, 2448, 1652, 0, 11500 * 1000ull));
	add(j, rec(1, 4, 6, a, 40000, b, 7000, 1000, 2000, 0, 12000 * 1000ull));
	add(j, rec(1, 4, 6, a, 40000, b, 7000, 3000, 1100, 0, 12200 * 1000ull));
	assert_int_equal(net_join__run(j, 1), 0);
	m = only_msg(j, 2, 0);
	assert_int_equal(m->origin, 0);
	assert_int_equal(m->final, 1);
	assert_int_equal(net_msg_tx(m), 600 * 1000);
	assert_int_equal(net_msg_net(m), 900 * 1000);
	assert_int_equal(net_msg_rx(m), 700 * 1000);
	assert_int_equal(net_msg_app(m), 2200 * 1000);
	assert_int_equal(net_msg_relay(m), 0);
	m = only_msg(j, 2, 1);
	assert_int_equal(net_msg_tx(m), 100 * 1000);
	assert_int_equal(net_msg_app(m), 1700 * 1000);
	assert_int_equal(net_join__counts(j)->no_match[3], 0);
	net_join__free(j);
}

static void test_join_seq_wrap_single_host(void **state)
{
	struct net_join *j = net_join__new();
	const struct net_msg *m;

	(void)state;
	net_join__host(j, "A");
	add(j, rec(0, 1, 6, "1.1.1.1", 1, "2.2.2.2", 2, 4294967000u, 1000, 0, 5 * MS));
	add(j, rec(0, 2, 6, "1.1.1.1", 1, "2.2.2.2", 2, 4294966000u, 1200, 0, 6 * MS)); /* before */
	add(j, rec(0, 2, 6, "1.1.1.1", 1, "2.2.2.2", 2, 4294967200u, 800, 0, 7 * MS));	/* wraps */
	/* the other direction arrives and is read: RX only */
	add(j, rec(0, 3, 6, "2.2.2.2", 2, "1.1.1.1", 1, 77, 10, 0, 8 * MS));
	add(j, rec(0, 4, 6, "2.2.2.2", 2, "1.1.1.1", 1, 77, 10, 0, 9 * MS));
	assert_int_equal(net_join__run(j, 0), 0);
	m = only_msg(j, 2, 0);
	assert_int_equal(net_msg_tx(m), 2 * MS);
	assert_int_equal(net_msg_app(m), -1);
	assert_int_equal(net_msg_net(m), -1);
	m = only_msg(j, 2, 1);
	assert_int_equal(net_msg_rx(m), 1 * MS);
	assert_int_equal(net_msg_tx(m), -1);
	assert_int_equal(net_join__counts(j)->no_match[3], 0); /* single host: not a miss */
	net_join__free(j);
}

#define US 1000ull

/* client -> relay (holds 5 ms) -> server echo -> relay -> client, one
 * payload (same hash) in both directions. */
static void test_join_udp_relay_echo(void **state)
{
	struct net_join *j = net_join__new();
	const char *c = "10.0.1.1", *r1 = "10.0.1.2", *r2 = "10.0.2.1", *s = "10.0.2.2";
	const uint64_t h = 0xabc;
	const struct net_msg *m;

	(void)state;
	net_join__host(j, "client");
	net_join__host(j, "relay");
	net_join__host(j, "server");
	add(j, rec(0, 1, 17, NULL, 5555, r1, 7000, 0, 200, h, 0));
	add(j, rec(0, 2, 17, c, 5555, r1, 7000, 0, 200, h, 10 * US));
	add(j, rec(1, 3, 17, c, 5555, r1, 7000, 0, 200, h, 20 * US));
	add(j, rec(1, 4, 17, c, 5555, NULL, 7000, 0, 200, h, 30 * US));
	add(j, rec(1, 1, 17, NULL, 7000, s, 7001, 0, 200, h, 5030 * US));
	add(j, rec(1, 2, 17, r2, 7000, s, 7001, 0, 200, h, 5040 * US));
	add(j, rec(2, 3, 17, r2, 7000, s, 7001, 0, 200, h, 5050 * US));
	add(j, rec(2, 4, 17, r2, 7000, NULL, 7001, 0, 200, h, 5060 * US));
	add(j, rec(2, 1, 17, NULL, 7001, r2, 7000, 0, 200, h, 5070 * US));
	add(j, rec(2, 2, 17, s, 7001, r2, 7000, 0, 200, h, 5080 * US));
	add(j, rec(1, 3, 17, s, 7001, r2, 7000, 0, 200, h, 5090 * US));
	add(j, rec(1, 4, 17, s, 7001, NULL, 7000, 0, 200, h, 5100 * US));
	add(j, rec(1, 1, 17, NULL, 7000, c, 5555, 0, 200, h, 10100 * US));
	add(j, rec(1, 2, 17, r1, 7000, c, 5555, 0, 200, h, 10110 * US));
	add(j, rec(0, 3, 17, r1, 7000, c, 5555, 0, 200, h, 10120 * US));
	add(j, rec(0, 4, 17, r1, 7000, NULL, 5555, 0, 200, h, 10130 * US));
	assert_int_equal(net_join__run(j, 1), 0);
	m = only_msg(j, 2, 0);
	assert_int_equal(m->origin, 0);
	assert_int_equal(m->final, 2);
	assert_int_equal(m->nhops, 1);
	assert_int_equal(m->hops[0].host, 1);
	assert_int_equal(net_msg_relay(m), 5020 * US);
	assert_int_equal(net_msg_net(m), 20 * US);
	assert_int_equal(net_msg_tx(m) + net_msg_net(m) + net_msg_relay(m) + net_msg_rx(m),
			 net_msg_app(m));
	assert_int_equal(net_msg_app(m), 5060 * US);
	m = only_msg(j, 2, 1);
	assert_int_equal(m->origin, 2);
	assert_int_equal(m->final, 0);
	assert_int_equal(net_msg_relay(m), 5020 * US);
	assert_int_equal(net_msg_app(m), 5060 * US);
	for (int b = 1; b <= 4; b++) {
		assert_int_equal(net_join__counts(j)->no_match[b], 0);
		assert_int_equal(net_join__counts(j)->orphans[b], 0);
	}
	net_join__free(j);
}

static void test_join_misses(void **state)
{
	struct net_join *j = net_join__new();
	const struct net_join_counts *k;

	(void)state;
	net_join__host(j, "A");
	net_join__host(j, "B");
	/* sent, left A, never seen arriving */
	add(j, rec(0, 1, 17, NULL, 1, "2.2.2.2", 2, 0, 50, 1, 1 * MS));
	add(j, rec(0, 2, 17, "1.1.1.1", 1, "2.2.2.2", 2, 0, 50, 1, 2 * MS));
	/* sent, never left A */
	add(j, rec(0, 1, 17, NULL, 1, "2.2.2.2", 2, 0, 50, 2, 1 * MS));
	/* arrived at B, never read; read at B without an arrival */
	add(j, rec(1, 3, 17, "3.3.3.3", 1, "2.2.2.2", 2, 0, 60, 3, 1 * MS));
	add(j, rec(1, 4, 17, "3.3.3.3", 1, "2.2.2.2", 2, 0, 70, 4, 1 * MS));
	assert_int_equal(net_join__run(j, 1), 0);
	k = net_join__counts(j);
	assert_int_equal(k->records[1], 2);
	assert_int_equal(k->no_match[2], 1);
	assert_int_equal(k->no_match[3], 1);
	assert_int_equal(k->orphans[3], 1);
	assert_int_equal(k->orphans[4], 1);
	assert_int_equal(net_join__add(j, &(struct net_rec){.boundary = 5, .len = 1}), -EINVAL);
	net_join__free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_round_trip),
	    cmocka_unit_test(test_line_rejects),
	    cmocka_unit_test(test_line_mutations),
	    cmocka_unit_test(test_endpoint),
	    cmocka_unit_test(test_clocksync),
	    cmocka_unit_test(test_join_tcp_ranges),
	    cmocka_unit_test(test_join_seq_wrap_single_host),
	    cmocka_unit_test(test_join_udp_relay_echo),
	    cmocka_unit_test(test_join_misses),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
