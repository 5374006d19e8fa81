/* Peer patterns (ADDR, ADDR:PORT, [V6]:PORT, CIDR) against record-file peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "core/netmatch.h"

static bool matches(const char *spec, const char *peer)
{
	struct netmatch m;

	assert_int_equal(netmatch_parse(spec, &m), 0);
	return netmatch_peer(&m, peer);
}

static void test_address_and_port(void **state)
{
	(void)state;
	assert_true(matches("127.0.0.1", "127.0.0.1:11211"));
	assert_true(matches("127.0.0.1", "127.0.0.1:3306"));
	assert_false(matches("127.0.0.1", "127.0.0.2:11211"));
	assert_true(matches("127.0.0.1:11211", "127.0.0.1:11211"));
	assert_false(matches("127.0.0.1:11211", "127.0.0.1:3306"));
	assert_true(matches("[::1]:11211", "[::1]:11211"));
	assert_false(matches("[::1]:11211", "[::1]:11212"));
	assert_true(matches("::1", "[::1]:80"));
	assert_true(matches("[::1]", "[::1]:80"));
	assert_false(matches("::1", "127.0.0.1:80"));
}

static void test_cidr(void **state)
{
	(void)state;
	assert_true(matches("127.0.0.0/8", "127.1.2.3:1"));
	assert_false(matches("127.0.0.0/8", "128.0.0.1:1"));
	assert_true(matches("10.1.0.0/17", "10.1.127.255:1"));
	assert_false(matches("10.1.0.0/17", "10.1.128.0:1"));
	assert_true(matches("0.0.0.0/0", "192.0.2.1:9"));
	assert_true(matches("fd00::/8", "[fd12::5]:443"));
	assert_false(matches("fd00::/8", "[fe80::1]:443"));
	/* v4 patterns also see v4-mapped v6 peers (dual-stack sockets) */
	assert_true(matches("10.0.0.0/8", "[::ffff:10.9.8.7]:11211"));
	assert_true(matches("10.9.8.7:11211", "[::ffff:10.9.8.7]:11211"));
	assert_false(matches("10.0.0.0/8", "[::ffff:11.9.8.7]:11211"));
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "localhost",
	    "127.0.0.1:",
	    "127.0.0.1:0",
	    "127.0.0.1:65536",
	    "127.0.0.1:x",
	    "1.2.3.4/33",
	    "1.2.3.4/",
	    "fd00::/129",
	    "[::1",
	    "[::1]x",
	    "[1.2.3.4]:80",
	    "1.2.3.4:80:90",
	};
	struct netmatch m;
	struct netaddr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(netmatch_parse(bad[i], &m), -1);
	/* record peers always carry a port */
	assert_int_equal(netaddr_parse_peer("127.0.0.1", &a), -1);
	assert_int_equal(netaddr_parse_peer("[::1]", &a), -1);
	assert_int_equal(netaddr_parse_peer("[::1]:53", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.port, 53);
	assert_int_equal(netmatch_parse("127.0.0.1", &m), 0);
	assert_false(netmatch_peer(&m, "garbage"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_address_and_port),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
