/* SQL literal redaction and statement normalization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/sqlnorm.h"

static void check_redact(const char *in, const char *want)
{
	char out[256];

	sql_redact(in, out, sizeof(out));
	assert_string_equal(out, want);
}

static void check_norm(const char *in, const char *want)
{
	char out[256];

	sql_normalize(in, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_redact(void **state)
{
	(void)state;
	check_redact("SELECT * FROM users WHERE name = 'bob' AND pw = \"s3cret\"",
		     "SELECT * FROM users WHERE name = ? AND pw = ?");
	check_redact("SELECT 'it''s', 'a\\'b', x FROM t", "SELECT ?, ?, x FROM t");
	check_redact("SELECT id FROM t1 WHERE a=42 AND b=-3.5e10 AND c=0x1F AND d=X'AB'",
		     "SELECT id FROM t1 WHERE a=? AND b=-? AND c=? AND d=?");
	check_redact("SELECT `col 1`, t2.x FROM `t'3` /* 'keep' 1 */ -- 2\n",
		     "SELECT `col 1`, t2.x FROM `t'3` /* 'keep' 1 */ -- 2\n");
	check_redact("SELECT 'unterminated", "SELECT ?");
	check_redact("", "");
}

static void test_redact_bounded(void **state)
{
	char out[8];

	(void)state;
	sql_redact("SELECT 1234567890 FROM t", out, sizeof(out));
	assert_string_equal(out, "SELECT ");
	sql_normalize("SELECT 'x', 'y'", out, 1);
	assert_string_equal(out, "");
}

static void test_normalize(void **state)
{
	(void)state;
	check_norm("SELECT  *\n FROM t WHERE id IN (1, 2,3) ;",
		   "SELECT * FROM t WHERE id IN (?, ...)");
	check_norm("SELECT * FROM t WHERE id IN (7)", "SELECT * FROM t WHERE id IN (?, ...)");
	check_norm("SELECT * FROM t WHERE id in ( 7 )", "SELECT * FROM t WHERE id in (?, ...)");
	check_norm("SELECT JOIN (7)", "SELECT JOIN (?)");
	check_norm("INSERT INTO t VALUES (1, 'a'), (2, 'b')",
		   "INSERT INTO t VALUES (?, ...), (?, ...)");
	check_norm("SELECT SLEEP(0.2)", "SELECT SLEEP(?)");
	check_norm("SELECT name FROM t WHERE id = ?", "SELECT name FROM t WHERE id = ?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact),
	    cmocka_unit_test(test_redact_bounded),
	    cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
