/* Socket address, TCP state and address-column formatting of the tcp* tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inet.h"
#include "core/output.h"

static void test_addresses(void **state)
{
	const uint8_t v4[16] = { 127, 0, 0, 1 };
	const uint8_t v6[16] = { [15] = 1 };
	const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 2, 3 };
	char buf[INET_ADDR_LEN];

	(void)state;
	assert_string_equal(inet_addr_str(TCPSOCK_AF_INET, v4, buf, sizeof(buf)), "127.0.0.1");
	assert_string_equal(inet_addr_str(TCPSOCK_AF_INET6, v6, buf, sizeof(buf)), "::1");
	assert_string_equal(inet_addr_str(TCPSOCK_AF_INET6, mapped, buf, sizeof(buf)),
			    "::ffff:10.1.2.3");
	assert_string_equal(inet_addr_str(0, v4, buf, sizeof(buf)), "?");
	assert_int_equal(inet_version(TCPSOCK_AF_INET), 4);
	assert_int_equal(inet_version(TCPSOCK_AF_INET6), 6);
}

static void test_states(void **state)
{
	(void)state;
	assert_string_equal(tcp_state_name(TCPS_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(tcp_state_name(TCPS_SYN_SENT), "SYN_SENT");
	assert_string_equal(tcp_state_name(TCPS_CLOSE), "CLOSE");
	assert_string_equal(tcp_state_name(TCPS_NEW_SYN_RECV), "NEW_SYN_RECV");
	assert_string_equal(tcp_state_name(0), "UNKNOWN(0)");
	assert_string_equal(tcp_state_name(99), "UNKNOWN(99)");
	assert_string_equal(tcp_state_name(-1), "UNKNOWN(-1)");
}

static void test_columns_json(void **state)
{
	static const struct out_col cols[] = { INET_COLUMNS };
	const struct sock_addrs a = { { 127, 0, 0, 1 }, { 127, 0, 0, 2 }, TCPSOCK_AF_INET, 4242, 80 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct out *o = out__new(f, OUT_JSON, cols, 5);

	(void)state;
	out__row_begin(o);
	inet_out_addrs(o, &a);
	out__row_end(o);
	out__free(o);
	fclose(f);
	assert_non_null(strstr(text, "\"ip\":4"));
	assert_non_null(strstr(text, "\"saddr\":\"127.0.0.1\""));
	assert_non_null(strstr(text, "\"sport\":4242"));
	assert_non_null(strstr(text, "\"daddr\":\"127.0.0.2\""));
	assert_non_null(strstr(text, "\"dport\":80"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_columns_json),
	};

	return cmocka_run_group_tests_name("inet", tests, NULL, NULL);
}
