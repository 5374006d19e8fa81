/* Derives what `bpfscope mysqlnd` needs of mysqlnd's structs from a PHP's
 * development headers: the offsets of the method-table members it probes
 * and of the fields it reads after a call (offsetof: the compiler does the
 * work).
 *
 *   cc -D_GNU_SOURCE $(php-config8.2 --includes) scripts/mysqlnd-layout.c -o mysqlnd-layout
 *   ./mysqlnd-layout
 *
 * prints one "name value" line per field. src/tools/mysqlnd_layout.c holds
 * the result for each known version, and tests/unit/test_mysqlnd.c compiles
 * and runs this program to check it. */
#include <stddef.h>
#include <stdio.h>

#include "php.h"
#include "ext/mysqlnd/mysqlnd.h"
#include "ext/mysqlnd/mysqlnd_ext_plugin.h"
#include "ext/mysqlnd/mysqlnd_structs.h"

#define FIELD(name, value) printf("%s %zu\n", name, (size_t)(value))

int main(void)
{
	printf("version %s\n", PHP_VERSION);
	FIELD("api", ZEND_MODULE_API_NO);
	FIELD("conn_error_info", offsetof(MYSQLND_CONN_DATA, error_info));
	FIELD("conn_upsert", offsetof(MYSQLND_CONN_DATA, upsert_status));
	FIELD("stmt_data", offsetof(MYSQLND_STMT, data));
	FIELD("sd_error_info", offsetof(MYSQLND_STMT_DATA, error_info));
	FIELD("sd_upsert", offsetof(MYSQLND_STMT_DATA, upsert_status));
	FIELD("sd_stmt_id", offsetof(MYSQLND_STMT_DATA, stmt_id));
	FIELD("ei_error_no", offsetof(MYSQLND_ERROR_INFO, error_no));
	FIELD("us_affected", offsetof(MYSQLND_UPSERT_STATUS, affected_rows));
	FIELD("conn_methods_size", sizeof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_conn_data)));
	FIELD("stmt_methods_size", sizeof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_stmt)));
	FIELD("xetters_size", sizeof(struct st_mysqlnd_plugin_methods_xetters));
	FIELD("m_query", offsetof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_conn_data), query));
	FIELD("m_send_query", offsetof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_conn_data), send_query));
	FIELD("m_reap_query", offsetof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_conn_data), reap_query));
	FIELD("m_prepare", offsetof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_stmt), prepare));
	FIELD("m_execute", offsetof(MYSQLND_CLASS_METHODS_TYPE(mysqlnd_stmt), execute));
	FIELD("xetters_stmt_set",
	      offsetof(struct st_mysqlnd_plugin_methods_xetters, statement.set));
	return 0;
}
