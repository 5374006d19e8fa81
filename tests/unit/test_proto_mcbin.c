/* memcached binary protocol (core/proto_mcbin.c through core/proto_memcache's
 * connection): the bytes php-memcached 3.2 on libmemcached sent and Debian's
 * memcached 1.6 answered with Memcached::OPT_BINARY_PROTOCOL (captured with
 * strace -xx): set, get hit and miss (GetKQ + NoOp), getMulti, delete,
 * increment, quit; fed whole, byte by byte, with value bytes missing from
 * the capture, and with a header missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "core/proto_mcbin.h"
#include "core/proto_memcache.h"
#include "wire_collect.h"

struct packet {
	enum wire_dir dir;
	const char *bytes;
	size_t len;
};

/* $mc->set("bk","v1"); get("bk"); get("bmissing"); getMulti(["bk","bmissing"]);
 * delete("bk"); set("bn","5"); increment("bn", 2); and the quit at exit */
static const struct packet session[] = {
    {WIRE_REQ,
     "\x80\x01\x00\x02\x08\x00\x00\x00\x00\x00\x00\x0c\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x62\x6b\x76\x31",
     36},
    {WIRE_RESP,
     "\x81\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x01",
     24},
    {WIRE_REQ,
     "\x80\x0d\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x62\x6b",
     26},
    {WIRE_REQ,
     "\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_RESP,
     "\x81\x0d\x00\x02\x04\x00\x00\x00\x00\x00\x00\x08\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x01\x00\x00\x00\x00\x62\x6b\x76\x31",
     32},
    {WIRE_RESP,
     "\x81\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_REQ,
     "\x80\x0d\x00\x08\x00\x00\x00\x00\x00\x00\x00\x08\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x62\x6d\x69\x73\x73\x69\x6e\x67",
     32},
    {WIRE_REQ,
     "\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_RESP,
     "\x81\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_REQ,
     "\x80\x0d\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x62\x6b\x80\x0d\x00\x08\x00\x00\x00\x00\x00\x00\x00\x08\x00\x07\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x62\x6d\x69\x73\x73\x69\x6e\x67",
     58},
    {WIRE_REQ,
     "\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_RESP,
     "\x81\x0d\x00\x02\x04\x00\x00\x00\x00\x00\x00\x08\x00\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x01\x00\x00\x00\x00\x62\x6b\x76\x31\x81\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
     56},
    {WIRE_REQ,
     "\x80\x04\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x62\x6b",
     26},
    {WIRE_RESP,
     "\x81\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
    {WIRE_REQ,
     "\x80\x01\x00\x02\x08\x00\x00\x00\x00\x00\x00\x0b\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x62\x6e\x35",
     35},
    {WIRE_RESP,
     "\x81\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x02",
     24},
    {WIRE_REQ,
     "\x80\x05\x00\x02\x14\x00\x00\x00\x00\x00\x00\x16\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\x62\x6e",
     46},
    {WIRE_RESP,
     "\x81\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x03\x00\x00\x00\x00\x00\x00\x00\x07",
     32},
    {WIRE_REQ,
     "\x80\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00",
     24},
};
#define NPACKETS (sizeof(session) / sizeof(session[0]))

static int setup(void **state)
{
	(void)state;
	nops = 0;
	memset(ops, 0, sizeof(ops));
	return 0;
}

/* Feeds packets [from, to) each in chunks of `step` bytes (0: whole), the
 * response captured only up to `cap` bytes (0: all). */
static void play(struct memcache_conn *c, size_t from, size_t to, size_t step, size_t cap)
{
	for (size_t i = from; i < to; i++) {
		const struct packet *p = &session[i];
		size_t n = step ? step : p->len;

		for (size_t off = 0; off < p->len; off += n) {
			size_t len = off + n > p->len ? p->len - off : n;
			size_t captured = cap && p->dir == WIRE_RESP && len > cap ? cap : len;
			struct wire_chunk ch = {p->dir, (const uint8_t *)p->bytes + off, captured,
						len, 100 * (i + 1)};

			memcache_conn__feed(c, &ch, collect, NULL);
		}
	}
}

static void check_session(void)
{
	assert_int_equal(nops, 8);
	assert_string_equal(ops[0].cmd, "set");
	assert_string_equal(ops[0].text, "bk");
	assert_string_equal(ops[0].status, "STORED");
	assert_int_equal(ops[0].start_ns, 100);
	assert_int_equal(ops[0].end_ns, 200);
	assert_string_equal(ops[1].cmd, "get"); /* GetKQ + NoOp */
	assert_string_equal(ops[1].text, "bk");
	assert_int_equal(ops[1].keys, 1);
	assert_int_equal(ops[1].hits, 1);
	assert_int_equal(ops[1].misses, 0);
	assert_int_equal(ops[1].start_ns, 300);
	assert_int_equal(ops[1].end_ns, 600); /* the NoOp's reply */
	assert_string_equal(ops[2].text, "bmissing");
	assert_int_equal(ops[2].hits, 0);
	assert_int_equal(ops[2].misses, 1);
	assert_string_equal(ops[3].cmd, "get"); /* getMulti: two GetKQ in one write */
	assert_string_equal(ops[3].text, "bk bmissing");
	assert_int_equal(ops[3].keys, 2);
	assert_int_equal(ops[3].hits, 1);
	assert_int_equal(ops[3].misses, 1);
	assert_string_equal(ops[4].cmd, "delete");
	assert_string_equal(ops[4].status, "DELETED");
	assert_int_equal(ops[4].hits, 1);
	assert_string_equal(ops[5].cmd, "set");
	assert_string_equal(ops[5].text, "bn");
	assert_string_equal(ops[6].cmd, "incr");
	assert_string_equal(ops[6].status, "7"); /* 5 + 2 */
	assert_string_equal(ops[7].cmd, "quit");
	assert_true(ops[7].no_response);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(ops[i].proto, WIRE_PROTO_MEMCACHE);
		assert_false(ops[i].incomplete);
	}
}

static void test_session_whole(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	play(c, 0, NPACKETS, 0, 0);
	check_session();
	memcache_conn__free(c);
}

static void test_session_byte_by_byte(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	play(c, 0, NPACKETS, 1, 0);
	check_session();
	memcache_conn__free(c);
}

/* Responses captured to their first 28 bytes: a value cut short is
 * skipped by its length (the get hit is still seen, the increment's number
 * is lost); the getMulti reply (a hit and the NoOp in one 56-byte read) loses
 * the NoOp's header: that op ends incomplete and the next request write
 * resynchronises. */
static void test_truncated_bodies(void **state)
{
	struct memcache_conn *c = memcache_conn__new();

	(void)state;
	play(c, 0, NPACKETS, 0, 28);
	assert_int_equal(nops, 8);
	assert_int_equal(ops[1].hits, 1);
	assert_false(ops[1].incomplete);
	assert_true(ops[3].incomplete);
	assert_string_equal(ops[3].text, "bk bmissing");
	assert_string_equal(ops[4].status, "DELETED");
	assert_false(ops[4].incomplete);
	assert_string_equal(ops[6].cmd, "incr");
	assert_string_equal(ops[6].status, "OK");
	assert_false(ops[6].incomplete);
	memcache_conn__free(c);
}

/* A response header cut by the capture: pending ops end incomplete, the
 * next request write resynchronises. */
static void test_lost_header(void **state)
{
	struct memcache_conn *c = memcache_conn__new();
	struct wire_chunk ch = {WIRE_RESP, (const uint8_t *)session[1].bytes, 10, 24, 200};

	(void)state;
	play(c, 0, 1, 0, 0);
	ch.captured = 10;
	memcache_conn__feed(c, &(struct wire_chunk){WIRE_RESP, ch.data, 0, 24, 200}, collect, NULL);
	play(c, 2, NPACKETS, 0, 0);
	assert_true(nops >= 7);
	assert_true(ops[0].incomplete);
	assert_string_equal(ops[nops - 1].cmd, "quit");
	memcache_conn__free(c);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(mcbin_detect((const uint8_t *)session[0].bytes, session[0].len), 0x80);
	assert_int_equal(mcbin_detect((const uint8_t *)session[1].bytes, session[1].len), 0x81);
	assert_int_equal(mcbin_detect((const uint8_t *)session[0].bytes, 23), 0); /* short */
	assert_int_equal(memcache_detect((const uint8_t *)session[0].bytes, session[0].len, true),
			 WIRE_ROLE_CLIENT);
	assert_int_equal(memcache_detect((const uint8_t *)session[1].bytes, session[1].len, false),
			 WIRE_ROLE_CLIENT);
	assert_int_equal(memcache_detect((const uint8_t *)session[0].bytes, session[0].len, false),
			 WIRE_ROLE_SERVER);
	assert_int_equal(mcbin_detect((const uint8_t *)"get k\r\n0123456789abcdefghijk", 28), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_session_whole, setup),
	    cmocka_unit_test_setup(test_session_byte_by_byte, setup),
	    cmocka_unit_test_setup(test_truncated_bodies, setup),
	    cmocka_unit_test_setup(test_lost_header, setup),
	    cmocka_unit_test_setup(test_detect, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
