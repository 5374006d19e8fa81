/* bpfscope mysqlnd: structs shared by src/bpf/mysqlnd.bpf.c and
 * src/tools/mysqlnd.c. */
#ifndef BPFSCOPE_MYSQLND_H
#define BPFSCOPE_MYSQLND_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "bpf/common.h"

#define MND_TEXT_MAX   1024 /* bytes of SQL text copied per call (power of 2) */
#define MND_URI_LEN    128
#define MND_METHOD_LEN 16
#define MND_FILE_LEN   128

/* What a probe site is (its BPF cookie). */
enum mnd_kind {
	MND_QUERY = 1, /* conn_data->m->query(conn, text, len) */
	MND_PREPARE,   /* stmt->m->prepare(stmt, text, len) */
	MND_EXECUTE,   /* stmt->m->execute(stmt) */
	MND_SEND,      /* conn_data->m->send_query(conn, text, len, ...): MYSQLI_ASYNC */
	MND_REAP,      /* conn_data->m->reap_query(conn): its end */
};

/* Offsets into mysqlnd's structs (the built-in table of
 * src/tools/mysqlnd_layout.c, checked against the headers). */
struct mnd_layout {
	__u32 conn_error_info; /* MYSQLND_CONN_DATA.error_info */
	__u32 conn_upsert;     /* MYSQLND_CONN_DATA.upsert_status */
	__u32 stmt_data;       /* MYSQLND_STMT.data */
	__u32 sd_error_info;   /* MYSQLND_STMT_DATA.error_info */
	__u32 sd_upsert;       /* MYSQLND_STMT_DATA.upsert_status */
	__u32 sd_stmt_id;      /* MYSQLND_STMT_DATA.stmt_id */
	__u32 ei_error_no;     /* MYSQLND_ERROR_INFO.error_no */
	__u32 us_affected;     /* MYSQLND_UPSERT_STATUS.affected_rows */
};

/* The PHP request running on a thread (php:request__startup). */
struct mnd_request {
	__u64 start_ns;
	char uri[MND_URI_LEN];
	char method[MND_METHOD_LEN];
	char file[MND_FILE_LEN];
};

/* One call, sent when it returns. */
struct mnd_event {
	__u64 start_ns, end_ns; /* CLOCK_MONOTONIC */
	__u64 obj;		/* the connection (query) or statement (prepare, execute) */
	__u64 affected;		/* upsert_status->affected_rows; ~0: none (a result set) */
	__u32 pid, tid;
	__u32 kind;	 /* enum mnd_kind */
	__u32 status;	 /* the method's return: 0 PASS, 1 FAIL */
	__u32 error;	 /* error_info->error_no after the call */
	__u32 stmt_id;	 /* server statement id (prepare, execute) */
	__u32 text_len;	 /* length of the SQL text passed */
	__u32 has_req;	 /* req is valid */
	__u32 read_errs; /* fields that could not be read */
	__u32 async;	 /* a MYSQLI_ASYNC query: sent by send_query, ended by reap_query */
	struct mnd_request req;
	char comm[16];
	char text[MND_TEXT_MAX]; /* min(text_len, MND_TEXT_MAX) bytes, not terminated */
};

#endif
