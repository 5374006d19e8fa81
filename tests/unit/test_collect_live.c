/* collect -i: the message key that keeps successive interval reports from
 * reporting one message twice (tools/collect_live.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "tools/collect_live.h"

static struct net_msg udp_msg(uint64_t t_send, uint64_t t_recv)
{
	struct net_msg m = {.proto = 17, .family = 4, .have = 1 << 1 | 1 << 4, .len = 100};

	m.t[1] = t_send;
	m.t[4] = t_recv;
	m.sport = 40000;
	m.dport = 7000;
	m.hash = 0x1234;
	return m;
}

/* The same message joined again (later records added) keeps its key and
 * start: the first record's time, whatever boundaries came after. */
static void test_key_stable_across_joins(void **state)
{
	struct net_msg first = udp_msg(1000, 0), later = udp_msg(1000, 5000);
	uint64_t s1, s2;

	(void)state;
	first.have = 1 << 1;
	assert_int_equal(collect_live_key(&first, &s1), collect_live_key(&later, &s2));
	assert_int_equal(s1, 1000);
	assert_int_equal(s2, 1000);
}

/* Messages that differ in time, payload or flow have different keys. */
static void test_key_distinguishes(void **state)
{
	struct net_msg a = udp_msg(1000, 5000), b = a, c = a, d = a;
	uint64_t s;

	(void)state;
	b.t[1] = 1001;
	c.hash = 0x1235;
	d.sport = 40001;
	assert_int_not_equal(collect_live_key(&a, &s), collect_live_key(&b, &s));
	assert_int_not_equal(collect_live_key(&a, &s), collect_live_key(&c, &s));
	assert_int_not_equal(collect_live_key(&a, &s), collect_live_key(&d, &s));
}

/* A receive-only fragment starts at its ingress. */
static void test_start_of_fragment(void **state)
{
	struct net_msg m = {.have = 1 << 3 | 1 << 4};
	uint64_t s;

	(void)state;
	m.t[3] = 700;
	m.t[4] = 900;
	collect_live_key(&m, &s);
	assert_int_equal(s, 700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_stable_across_joins),
	    cmocka_unit_test(test_key_distinguishes),
	    cmocka_unit_test(test_start_of_fragment),
	};

	return cmocka_run_group_tests_name("collect_live", tests, NULL, NULL);
}
