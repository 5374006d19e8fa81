/* memcached text and meta protocol parser: request and reply streams as
 * clients and the server write them, whole, byte by byte, pipelined and
 * with value bytes missing from the capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "core/proto_memcache.h"
#include "wire_collect.h"


static void feed_n(struct memcache_conn *c, enum wire_dir dir, const char *s, size_t captured,
		   size_t len, uint64_t ts)
{
	struct wire_chunk ch = {dir, (const uint8_t *)s, captured, len, ts};

	memcache_conn__feed(c, &ch, collect, NULL);
}

static void feed(struct memcache_conn *c, enum wire_dir dir, const char *s, uint64_t ts)
{
	feed_n(c, dir, s, strlen(s), strlen(s), ts);
}

static int setup(void **state)
{
	(void)state;
	nops = 0;
	memset(ops, 0, sizeof(ops));
	return 0;
}

static void test_multiget_hits_misses(void **state)
{
	struct memcache_conn *c = memcache_conn__new();
	const char *reply = "VALUE k1 0 5\r\nhello\r\nVALUE k3 0 3\r\nEND\r\n\r\nEND\r\n";

	(void)state;
	feed(c, WIRE_REQ, "get k1 k2 k3\r\n", 100);
	assert_int_equal(nops, 0);
	/* the value of k3 is "END\r\n" minus... 3 bytes: "END", then CRLF */
	feed(c, WIRE_RESP, reply, 400);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0].cmd, "get");
	assert_string_equal(ops[0].text, "k1 k2 k3");
	assert_int_equal(ops[0].keys, 3);
	assert_int_equal(ops[0].hits, 2);
	assert_int_equal(ops[0].misses, 1);
	assert_int_equal(ops[0].start_ns, 100);
	assert_int_equal(ops[0].end_ns, 400);
	/* byte by byte */
	for (const char *p = "gets k1\r\n"; *p; p++)
		feed_n(c, WIRE_REQ, p, 1, 1, 500);
	for (const char *p = "END\r\n"; *p; p++)
		feed_n(c, WIRE_RESP, p, 1, 1, 600);
	assert_int_equal(nops, 2);
	assert_int_equal(ops[1].hits, 0);
	assert_int_equal(ops[1].misses, 1);
	memcache_conn__free(c);
}

static void test_storage_and_keyed(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	feed(c, WIRE_REQ, "set a 0 0 5\r\nab\r\nc\r\n", 1); /* data may hold CRLF */
	feed(c, WIRE_RESP, "STORED\r\n", 2);
	feed(c, WIRE_REQ, "set b 0 0 1 noreply\r\nx\r\n", 3);
	feed(c, WIRE_REQ, "delete nope\r\n", 4);
	feed(c, WIRE_RESP, "NOT_FOUND\r\n", 5);
	feed(c, WIRE_REQ, "incr n 2\r\n", 6);
	feed(c, WIRE_RESP, "7\r\n", 7);
	assert_int_equal(nops, 4);
	assert_string_equal(ops[0].cmd, "set");
	assert_string_equal(ops[0].text, "a");
	assert_string_equal(ops[0].status, "STORED");
	assert_true(ops[1].no_response);
	assert_string_equal(ops[1].text, "b");
	assert_string_equal(ops[2].status, "NOT_FOUND");
	assert_int_equal(ops[2].misses, 1);
	assert_int_equal(ops[3].hits, 1);
	assert_string_equal(ops[3].status, "7");
	memcache_conn__free(c);
}

static void test_pipelined(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	feed(c, WIRE_REQ, "get a\r\nget b\r\ntouch c 10\r\n", 1);
	feed(c, WIRE_RESP, "VALUE a 0 1\r\n1\r\nEND\r\nEND\r\nTOUCHED\r\n", 2);
	assert_int_equal(nops, 3);
	assert_int_equal(ops[0].hits, 1);
	assert_int_equal(ops[1].misses, 1);
	assert_string_equal(ops[1].text, "b");
	assert_string_equal(ops[2].status, "TOUCHED");
	/* gat: the expiry comes before the keys; gets: VALUE lines with a cas */
	feed(c, WIRE_REQ, "gat 60 k1 k2\r\ngets k3\r\n", 3);
	feed(c, WIRE_RESP, "VALUE k2 0 1\r\nx\r\nEND\r\nVALUE k3 0 2 99\r\nyy\r\nEND\r\n", 4);
	assert_int_equal(nops, 5);
	assert_string_equal(ops[3].text, "k1 k2");
	assert_int_equal(ops[3].hits, 1);
	assert_int_equal(ops[3].misses, 1);
	assert_string_equal(ops[4].cmd, "gets");
	assert_int_equal(ops[4].hits, 1);
	memcache_conn__free(c);
}

static void test_meta(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	feed(c, WIRE_REQ, "mg hit v t\r\n", 1);
	feed(c, WIRE_RESP, "VA 2 t-1\r\nhi\r\n", 2);
	feed(c, WIRE_REQ, "mg miss v\r\n", 3);
	feed(c, WIRE_RESP, "EN\r\n", 4);
	feed(c, WIRE_REQ, "ms k 3 T60\r\nabc\r\n", 5);
	feed(c, WIRE_RESP, "HD\r\n", 6);
	feed(c, WIRE_REQ, "md gone\r\n", 7);
	feed(c, WIRE_RESP, "NF\r\n", 8);
	/* quiet get: a miss gets no reply, the mn after it closes it */
	feed(c, WIRE_REQ, "mg quiet v q\r\nmn\r\n", 9);
	feed(c, WIRE_RESP, "MN\r\n", 10);
	assert_int_equal(nops, 6);
	assert_string_equal(ops[0].cmd, "mg");
	assert_int_equal(ops[0].hits, 1);
	assert_int_equal(ops[0].end_ns, 2);
	assert_int_equal(ops[1].misses, 1);
	assert_string_equal(ops[2].cmd, "ms");
	assert_string_equal(ops[2].text, "k");
	assert_string_equal(ops[2].status, "HD");
	assert_int_equal(ops[3].misses, 1);
	assert_string_equal(ops[4].text, "quiet");
	assert_int_equal(ops[4].misses, 1);
	assert_string_equal(ops[5].cmd, "mn");
	/* meta arithmetic: hit with the value, miss */
	feed(c, WIRE_REQ, "ma counter v\r\n", 11);
	feed(c, WIRE_RESP, "VA 2\r\n12\r\n", 12);
	feed(c, WIRE_REQ, "ma nothing\r\n", 13);
	feed(c, WIRE_RESP, "NF\r\n", 14);
	assert_int_equal(nops, 8);
	assert_string_equal(ops[6].cmd, "ma");
	assert_int_equal(ops[6].hits, 1);
	assert_int_equal(ops[6].end_ns, 12);
	assert_int_equal(ops[7].misses, 1);
	memcache_conn__free(c);
}

/* A large value: the capture kept only its first bytes. */
static void test_truncated_value(void **state)
{
	struct memcache_conn *c = memcache_conn__new();
	char reply[2100];

	(void)state;
	memcpy(reply, "VALUE big 0 2000\r\n", 18);
	memset(reply + 18, 'v', 2000);
	memcpy(reply + 2018, "\r\nEND\r\n", 8);
	feed(c, WIRE_REQ, "get big\r\n", 1);
	feed_n(c, WIRE_RESP, reply, 100, 2018, 2); /* 100 of 2018 bytes captured */
	feed(c, WIRE_RESP, "\r\nEND\r\n", 3);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].hits, 1);
	assert_false(ops[0].incomplete);
	/* lost in a line: the next request ends what was pending */
	feed(c, WIRE_REQ, "get x y\r\n", 4);
	feed_n(c, WIRE_RESP, "VALUE x 0 1\r\n1\r\nVALUE y 0 1\r\n1\r\nEND\r\n", 5, 40, 5);
	feed(c, WIRE_REQ, "get z\r\n", 6);
	assert_int_equal(nops, 2);
	assert_true(ops[1].incomplete);
	feed(c, WIRE_RESP, "END\r\n", 7);
	assert_int_equal(nops, 3);
	assert_int_equal(ops[2].misses, 1);
	memcache_conn__flush(c, collect, NULL);
	assert_int_equal(nops, 3);
	memcache_conn__free(c);
}

static void test_detect(void **state)
{
	const char *get = "get foo\r\n", *value = "VALUE foo 0 1\r\nx\r\nEND\r\n";
	const char *http = "GET / HTTP/1.1\r\n", *bin = "\x80\x01";

	(void)state;
	assert_int_equal(memcache_detect((const uint8_t *)get, strlen(get), true),
			 WIRE_ROLE_CLIENT);
	assert_int_equal(memcache_detect((const uint8_t *)get, strlen(get), false),
			 WIRE_ROLE_SERVER);
	assert_int_equal(memcache_detect((const uint8_t *)value, strlen(value), false),
			 WIRE_ROLE_CLIENT);
	assert_int_equal(memcache_detect((const uint8_t *)http, strlen(http), true),
			 WIRE_ROLE_NONE);
	assert_int_equal(memcache_detect((const uint8_t *)bin, 2, true), WIRE_ROLE_NONE);
	assert_int_equal(memcache_detect((const uint8_t *)"get foo", 7, true), WIRE_ROLE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_multiget_hits_misses, setup),
	    cmocka_unit_test_setup(test_storage_and_keyed, setup),
	    cmocka_unit_test_setup(test_pipelined, setup),
	    cmocka_unit_test_setup(test_meta, setup),
	    cmocka_unit_test_setup(test_truncated_value, setup),
	    cmocka_unit_test_setup(test_detect, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
