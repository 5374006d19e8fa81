/* MySQL protocol parser: packets built here, fed whole, byte by byte and
 * with bytes missing, as the capture delivers them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "core/proto_mysql.h"
#include "wire_collect.h"


/* A byte stream under construction. */
struct buf {
	uint8_t b[4096];
	size_t n;
};

static void pkt(struct buf *s, uint8_t seq, const void *body, size_t len)
{
	s->b[s->n++] = len & 0xff;
	s->b[s->n++] = (len >> 8) & 0xff;
	s->b[s->n++] = (len >> 16) & 0xff;
	s->b[s->n++] = seq;
	memcpy(s->b + s->n, body, len);
	s->n += len;
}

static void cmd(struct buf *s, uint8_t command, const char *text)
{
	uint8_t body[512];

	body[0] = command;
	memcpy(body + 1, text, strlen(text));
	pkt(s, 0, body, strlen(text) + 1);
}

static const uint8_t eof_pkt[] = {0xfe, 0, 0, 0x02, 0};
static const uint8_t coldef[] = {3, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 1, 'a', 0x0c};

/* count rows of one text column each, classic EOFs */
static void result_set(struct buf *s, int rows)
{
	uint8_t seq = 1, one = 1, row[] = {1, 'x'};

	pkt(s, seq++, &one, 1);
	pkt(s, seq++, coldef, sizeof(coldef));
	pkt(s, seq++, eof_pkt, sizeof(eof_pkt));
	for (int i = 0; i < rows; i++)
		pkt(s, seq++, row, sizeof(row));
	pkt(s, seq++, eof_pkt, sizeof(eof_pkt));
}

static void feed(struct mysql_conn *c, enum wire_dir dir, const struct buf *s, uint64_t ts)
{
	struct wire_chunk ch = {dir, s->b, s->n, s->n, ts};

	mysql_conn__feed(c, &ch, collect, NULL);
}

static void feed_bytewise(struct mysql_conn *c, enum wire_dir dir, const struct buf *s, uint64_t ts)
{
	for (size_t i = 0; i < s->n; i++) {
		struct wire_chunk ch = {dir, s->b + i, 1, 1, ts};

		mysql_conn__feed(c, &ch, collect, NULL);
	}
}

static int setup(void **state)
{
	(void)state;
	nops = 0;
	memset(ops, 0, sizeof(ops));
	return 0;
}

static void test_query_rows(void **state)
{
	struct mysql_conn *c = mysql_conn__new(false);
	struct buf req = {.n = 0}, resp = {.n = 0};

	(void)state;
	cmd(&req, 0x03, "SELECT a FROM t");
	result_set(&resp, 3);
	feed(c, WIRE_REQ, &req, 1000);
	feed(c, WIRE_RESP, &resp, 5000);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0].cmd, "COM_QUERY");
	assert_string_equal(ops[0].text, "SELECT a FROM t");
	assert_int_equal(ops[0].rows, 3);
	assert_int_equal(ops[0].start_ns, 1000);
	assert_int_equal(ops[0].end_ns, 5000);
	assert_false(ops[0].incomplete);
	/* the same, one byte per chunk */
	feed_bytewise(c, WIRE_REQ, &req, 6000);
	feed_bytewise(c, WIRE_RESP, &resp, 7000);
	assert_int_equal(nops, 2);
	assert_int_equal(ops[1].rows, 3);
	assert_string_equal(ops[1].text, "SELECT a FROM t");
	mysql_conn__free(c);
}

static void test_ok_and_err(void **state)
{
	struct mysql_conn *c = mysql_conn__new(false);
	struct buf req = {.n = 0}, ok = {.n = 0}, req2 = {.n = 0}, err = {.n = 0};
	const uint8_t ok_body[] = {0x00, 3, 0, 0x02, 0, 0, 0};
	const char err_body[] = "\xff\x7a\x04#42S02Table 'x.t' doesn't exist";

	(void)state;
	cmd(&req, 0x03, "INSERT INTO t VALUES (1),(2),(3)");
	pkt(&ok, 1, ok_body, sizeof(ok_body));
	cmd(&req2, 0x03, "SELECT * FROM t");
	pkt(&err, 1, err_body, sizeof(err_body) - 1);
	feed(c, WIRE_REQ, &req, 10);
	feed(c, WIRE_RESP, &ok, 20);
	feed(c, WIRE_REQ, &req2, 30);
	feed(c, WIRE_RESP, &err, 40);
	assert_int_equal(nops, 2);
	assert_int_equal(ops[0].affected, 3);
	assert_int_equal(ops[0].rows, -1);
	assert_int_equal(ops[1].error, 1146);
	assert_string_equal(ops[1].status, "Table 'x.t' doesn't exist");
	mysql_conn__free(c);
}

static void test_prepare_execute(void **state)
{
	struct mysql_conn *c = mysql_conn__new(false);
	struct buf prep = {.n = 0}, prep_resp = {.n = 0}, exec = {.n = 0}, rows = {.n = 0};
	/* stmt id 7, 1 column, 1 parameter */
	const uint8_t prep_ok[] = {0x00, 7, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
	const uint8_t exec_body[] = {0x17, 7, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 0, 2, 0, 0, 0};
	const uint8_t bin_row[] = {0x00, 0x00, 1, 'b'}, one = 1;

	(void)state;
	cmd(&prep, 0x16, "SELECT name FROM t WHERE id = ?");
	pkt(&prep_resp, 1, prep_ok, sizeof(prep_ok));
	pkt(&prep_resp, 2, coldef, sizeof(coldef)); /* the parameter */
	pkt(&prep_resp, 3, eof_pkt, sizeof(eof_pkt));
	pkt(&prep_resp, 4, coldef, sizeof(coldef)); /* the column */
	pkt(&prep_resp, 5, eof_pkt, sizeof(eof_pkt));
	pkt(&exec, 0, exec_body, sizeof(exec_body));
	pkt(&rows, 1, &one, 1);
	pkt(&rows, 2, coldef, sizeof(coldef));
	pkt(&rows, 3, eof_pkt, sizeof(eof_pkt));
	pkt(&rows, 4, bin_row, sizeof(bin_row));
	pkt(&rows, 5, eof_pkt, sizeof(eof_pkt));
	feed(c, WIRE_REQ, &prep, 1);
	feed(c, WIRE_RESP, &prep_resp, 2);
	assert_int_equal(nops, 1); /* the prepare ended with its last EOF */
	feed(c, WIRE_REQ, &exec, 3);
	feed(c, WIRE_RESP, &rows, 4);
	assert_int_equal(nops, 2);
	assert_string_equal(ops[0].cmd, "COM_STMT_PREPARE");
	assert_int_equal(ops[0].stmt_id, 7);
	assert_string_equal(ops[1].cmd, "COM_STMT_EXECUTE");
	assert_int_equal(ops[1].stmt_id, 7);
	assert_string_equal(ops[1].text, "SELECT name FROM t WHERE id = ?");
	assert_int_equal(ops[1].rows, 1);
	/* a cursor: the execute ends with its column definitions, fetches
	 * return rows without them */
	struct buf cursor = {.n = 0}, fetch = {.n = 0}, fetched = {.n = 0};
	const uint8_t eof_cursor[] = {0xfe, 0, 0, 0x42, 0};
	const uint8_t fetch_body[] = {0x1c, 7, 0, 0, 0, 2, 0, 0, 0};
	pkt(&cursor, 1, &one, 1);
	pkt(&cursor, 2, coldef, sizeof(coldef));
	pkt(&cursor, 3, eof_cursor, sizeof(eof_cursor));
	pkt(&fetch, 0, fetch_body, sizeof(fetch_body));
	pkt(&fetched, 1, bin_row, sizeof(bin_row));
	pkt(&fetched, 2, bin_row, sizeof(bin_row));
	pkt(&fetched, 3, eof_pkt, sizeof(eof_pkt));
	feed(c, WIRE_REQ, &exec, 5);
	feed(c, WIRE_RESP, &cursor, 6);
	assert_int_equal(nops, 3);
	assert_int_equal(ops[2].rows, 0);
	feed(c, WIRE_REQ, &fetch, 7);
	feed(c, WIRE_RESP, &fetched, 8);
	assert_int_equal(nops, 4);
	assert_string_equal(ops[3].cmd, "COM_STMT_FETCH");
	assert_string_equal(ops[3].text, "SELECT name FROM t WHERE id = ?");
	assert_int_equal(ops[3].rows, 2);
	mysql_conn__free(c);
}

/* The connection phase: the client's packets (user, password, database)
 * never reach an op, whatever the capture kept of them. */
static void test_handshake_never_kept(void **state)
{
	struct mysql_conn *c = mysql_conn__new(true);
	struct buf greet = {.n = 0}, hs = {.n = 0}, ok = {.n = 0}, req = {.n = 0};
	const char greeting[] = "\x0a"
				"10.11.6-MariaDB\0"
				"\x01\0\0\0"
				"abcdefgh\0";
	uint8_t hs_body[128] = {0x0d, 0xa6, 0xff, 0x01}; /* caps: no DEPRECATE_EOF */
	const uint8_t ok_body[] = {0x00, 0, 0, 0x02, 0, 0, 0};
	size_t n = 32;

	(void)state;
	pkt(&greet, 0, greeting, sizeof(greeting) - 1);
	memcpy(hs_body + n, "alice\0", 6);
	n += 6;
	hs_body[n++] = 7;
	memcpy(hs_body + n, "hunter2", 7); /* as a clear-text auth plugin sends it */
	n += 7;
	pkt(&hs, 1, hs_body, n);
	pkt(&ok, 2, ok_body, sizeof(ok_body));
	cmd(&req, 0x03, "SELECT 1");
	feed(c, WIRE_RESP, &greet, 1);
	feed(c, WIRE_REQ, &hs, 2);
	feed(c, WIRE_RESP, &ok, 3);
	feed(c, WIRE_REQ, &req, 4);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0].cmd, "AUTH");
	assert_string_equal(ops[0].text, "");
	assert_null(memmem(&ops[0], sizeof(ops[0]), "hunter2", 7));
	assert_null(memmem(&ops[0], sizeof(ops[0]), "alice", 5));
	mysql_conn__flush(c, collect, NULL);
	assert_int_equal(nops, 2);
	assert_string_equal(ops[1].text, "SELECT 1");
	assert_true(ops[1].incomplete); /* no response yet */
	mysql_conn__free(c);
}

/* Bytes missing inside a row are skipped; missing headers lose sync until
 * the next command, which closes the op as incomplete. */
static void test_truncated_capture(void **state)
{
	struct mysql_conn *c = mysql_conn__new(false);
	struct buf req = {.n = 0}, resp = {.n = 0}, req2 = {.n = 0};
	uint8_t big_row[300];
	uint8_t one = 1;

	(void)state;
	memset(big_row, 'y', sizeof(big_row));
	big_row[0] = 0xfc;
	big_row[1] = (sizeof(big_row) - 3) & 0xff;
	big_row[2] = (sizeof(big_row) - 3) >> 8;
	cmd(&req, 0x03, "SELECT big FROM t");
	pkt(&resp, 1, &one, 1);
	pkt(&resp, 2, coldef, sizeof(coldef));
	pkt(&resp, 3, eof_pkt, sizeof(eof_pkt));
	size_t row_start = resp.n;
	pkt(&resp, 4, big_row, sizeof(big_row));
	size_t row_end = resp.n;
	pkt(&resp, 5, eof_pkt, sizeof(eof_pkt));
	feed(c, WIRE_REQ, &req, 1);
	/* chunk 1 ends 10 bytes into the row and misses the rest of it */
	struct wire_chunk ch = {WIRE_RESP, resp.b, row_start + 10, row_end, 2};
	mysql_conn__feed(c, &ch, collect, NULL);
	struct wire_chunk tail = {WIRE_RESP, resp.b + row_end, resp.n - row_end, resp.n - row_end,
				  3};
	mysql_conn__feed(c, &tail, collect, NULL);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].rows, 1);
	assert_false(ops[0].incomplete);
	/* now a chunk whose missing bytes cover packet headers */
	feed(c, WIRE_REQ, &req, 4);
	struct wire_chunk lossy = {WIRE_RESP, resp.b, row_start + 2, resp.n, 5};
	mysql_conn__feed(c, &lossy, collect, NULL);
	assert_int_equal(nops, 1);
	cmd(&req2, 0x03, "SELECT 2");
	feed(c, WIRE_REQ, &req2, 6);
	assert_int_equal(nops, 2);
	assert_true(ops[1].incomplete);
	assert_int_equal(ops[1].end_ns, 5);
	/* and the stream is back in sync for the next response */
	struct buf resp2 = {.n = 0};
	result_set(&resp2, 2);
	feed(c, WIRE_RESP, &resp2, 7);
	assert_int_equal(nops, 3);
	assert_int_equal(ops[2].rows, 2);
	assert_false(ops[2].incomplete);
	mysql_conn__free(c);
}

/* CLIENT_DEPRECATE_EOF: no EOF after the columns, an OK (0xfe) ends rows;
 * SERVER_MORE_RESULTS_EXISTS chains result sets into one op. */
static void test_deprecate_eof_and_multi(void **state)
{
	struct mysql_conn *c = mysql_conn__new(false);
	struct buf req = {.n = 0}, resp = {.n = 0};
	const uint8_t ok_more[] = {0xfe, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0};
	const uint8_t ok_last[] = {0xfe, 0, 0, 0x02, 0, 0, 0, 0, 0, 0};
	uint8_t one = 1, row[] = {1, 'x'};

	(void)state;
	cmd(&req, 0x03, "CALL p()");
	pkt(&resp, 1, &one, 1);
	pkt(&resp, 2, coldef, sizeof(coldef));
	pkt(&resp, 3, row, sizeof(row));
	pkt(&resp, 4, row, sizeof(row));
	pkt(&resp, 5, ok_more, sizeof(ok_more));
	pkt(&resp, 6, &one, 1);
	pkt(&resp, 7, coldef, sizeof(coldef));
	pkt(&resp, 8, row, sizeof(row));
	pkt(&resp, 9, ok_last, sizeof(ok_last));
	feed(c, WIRE_REQ, &req, 1);
	feed(c, WIRE_RESP, &resp, 2);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].rows, 3);
	mysql_conn__free(c);
}

static void test_detect(void **state)
{
	struct buf greet = {.n = 0}, q = {.n = 0};
	const char greeting[] = "\x0a"
				"10.11.6-MariaDB\0"
				"\x01\0\0\0"
				"abcdefgh\0";
	const uint8_t text[] = "get foo\r\n";
	bool fresh;

	(void)state;
	pkt(&greet, 0, greeting, sizeof(greeting) - 1);
	cmd(&q, 0x03, "SELECT 1");
	assert_int_equal(mysql_detect(greet.b, greet.n, greet.n, false, &fresh), WIRE_ROLE_CLIENT);
	assert_true(fresh);
	assert_int_equal(mysql_detect(greet.b, greet.n, greet.n, true, &fresh), WIRE_ROLE_SERVER);
	assert_int_equal(mysql_detect(q.b, q.n, q.n, true, &fresh), WIRE_ROLE_CLIENT);
	assert_false(fresh);
	assert_int_equal(mysql_detect(q.b, q.n, q.n + 5, true, &fresh), WIRE_ROLE_NONE);
	assert_int_equal(mysql_detect(text, sizeof(text) - 1, sizeof(text) - 1, true, &fresh),
			 WIRE_ROLE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_query_rows, setup),
	    cmocka_unit_test_setup(test_ok_and_err, setup),
	    cmocka_unit_test_setup(test_prepare_execute, setup),
	    cmocka_unit_test_setup(test_handshake_never_kept, setup),
	    cmocka_unit_test_setup(test_truncated_capture, setup),
	    cmocka_unit_test_setup(test_deprecate_eof_and_multi, setup),
	    cmocka_unit_test_setup(test_detect, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
