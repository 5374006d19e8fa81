/* A libmariadb client for the wire tests: against a MariaDB on
 * 127.0.0.1:PORT, waits for a line on stdin, then runs known statements:
 * text queries (create, insert 3 rows, select 3 rows), two prepared
 * statements executed (1 row, 3 rows), one read through a server-side
 * cursor two rows per fetch (3 rows), a query on a missing table (error
 * 1146), SELECT SLEEP(0.2) and SELECT 1. With "early" it connects before
 * waiting (a connection that predates the tracing).
 *   db_client PORT USER PASSWORD TABLE [early] */
#include <mysql.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int query(MYSQL *db, const char *sql)
{
	MYSQL_RES *res;

	if (mysql_query(db, sql))
		return -(int)mysql_errno(db);
	res = mysql_store_result(db);
	if (res)
		mysql_free_result(res);
	return 0;
}

/* Prepares sql with one integer parameter, executes it with value and
 * fetches every row (through a read-only cursor, two rows per fetch, when
 * asked); returns the rows or -1. */
static int prepared(MYSQL *db, const char *sql, int value, bool cursor)
{
	MYSQL_STMT *st = mysql_stmt_init(db);
	MYSQL_BIND param = {0};
	unsigned long type = CURSOR_TYPE_READ_ONLY, prefetch = 2;
	int rows = 0;

	if (!st || mysql_stmt_prepare(st, sql, strlen(sql)))
		return -1;
	if (cursor && (mysql_stmt_attr_set(st, STMT_ATTR_CURSOR_TYPE, &type) ||
		       mysql_stmt_attr_set(st, STMT_ATTR_PREFETCH_ROWS, &prefetch)))
		return -1;
	param.buffer_type = MYSQL_TYPE_LONG;
	param.buffer = &value;
	if (mysql_stmt_bind_param(st, &param) || mysql_stmt_execute(st) ||
	    (!cursor && mysql_stmt_store_result(st)))
		return -1;
	while (mysql_stmt_fetch(st) == 0)
		rows++;
	mysql_stmt_close(st);
	return rows;
}

int main(int argc, char **argv)
{
	char sql[256], go[16];
	MYSQL *db = mysql_init(NULL);
	const char *table = argc > 4 ? argv[4] : "wire_t";

	bool early = argc > 5 && !strcmp(argv[5], "early");

	if (argc < 5 || !db)
		return 2;
	if (!early && !fgets(go, sizeof(go), stdin))
		return 1;
	if (!mysql_real_connect(db, "127.0.0.1", argv[2], argv[3], "bpfscope", atoi(argv[1]), NULL,
				0)) {
		fprintf(stderr, "connect: %s\n", mysql_error(db));
		return 3;
	}
	if (early && !fgets(go, sizeof(go), stdin))
		return 1;
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (id INT PRIMARY KEY, name VARCHAR(32))", table);
	if (query(db, sql))
		return 4;
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')",
		 table);
	if (query(db, sql))
		return 5;
	snprintf(sql, sizeof(sql), "SELECT id, name FROM %s ORDER BY id", table);
	if (query(db, sql))
		return 6;
	snprintf(sql, sizeof(sql), "SELECT name FROM %s WHERE id = ?", table);
	printf("prepared1 %d\n", prepared(db, sql, 2, false));
	snprintf(sql, sizeof(sql), "SELECT name FROM %s WHERE id > ?", table);
	printf("prepared2 %d\n", prepared(db, sql, 0, false));
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id >= ?", table);
	printf("cursor %d\n", prepared(db, sql, 1, true));
	printf("missing %d\n", query(db, "SELECT * FROM no_such_table_wire"));
	query(db, "SELECT SLEEP(0.2)");
	query(db, "SELECT 1");
	mysql_close(db);
	return 0;
}
