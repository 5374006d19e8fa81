/* Operations recovered from a connection's byte stream by the wire protocol
 * parsers (core/proto_mysql.c, core/proto_memcache.c): one request and its
 * response, as a span. Shared by `bpfscope wire` and anything that wants
 * these as child spans (the request-span builder): a parser takes chunks of
 * bytes per direction per connection and calls a wire_op_fn for each
 * completed operation.
 *
 * Chunks may be truncated (BPF copies only the first bytes of each buffer):
 * a chunk says how many bytes it carries and how many the syscall moved.
 * The parsers skip the missing bytes when they fall inside a length-framed
 * body (MySQL packet payload, memcached data block) and otherwise lose sync
 * until the next request, marking counts as unknown. */
#ifndef BPFSCOPE_WIREOP_H
#define BPFSCOPE_WIREOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_TEXT_MAX	1024 /* statement text / keys kept per op (before --text-len) */
#define WIRE_STATUS_MAX 128
#define WIRE_CMD_MAX	24

enum wire_proto { WIRE_PROTO_NONE, WIRE_PROTO_MYSQL, WIRE_PROTO_MEMCACHE };

/* Request: bytes towards the server; response: bytes from it. */
enum wire_dir { WIRE_REQ, WIRE_RESP };

struct wire_chunk {
	enum wire_dir dir;
	const uint8_t *data;
	size_t captured; /* bytes in data */
	size_t len;	 /* bytes the syscall moved (>= captured) */
	uint64_t ts_ns;	 /* request: when it was sent; response: when it arrived */
};

struct wire_op {
	enum wire_proto proto;
	uint64_t start_ns, end_ns; /* request sent .. last response byte */
	char cmd[WIRE_CMD_MAX];	   /* "COM_QUERY", "COM_STMT_EXECUTE", "get", "mg" */
	char text[WIRE_TEXT_MAX];  /* SQL text, or keys separated by spaces */
	bool text_truncated;
	bool no_response;	      /* noreply / quiet / COM_STMT_CLOSE: end_ns = start_ns */
	bool incomplete;	      /* stream lost sync: counts below are lower bounds */
	int64_t rows;		      /* MySQL result set rows, -1 when none */
	int64_t affected;	      /* MySQL OK affected rows, -1 when none */
	uint32_t error;		      /* MySQL error code, 0 when none */
	uint32_t stmt_id;	      /* COM_STMT_*: the statement id */
	uint32_t keys, hits, misses;  /* memcached retrievals */
	char status[WIRE_STATUS_MAX]; /* MySQL error message, memcached reply word */
};

typedef void (*wire_op_fn)(void *ctx, const struct wire_op *op);

/* Copies at most n bytes of src into dst (size dst_size), NUL-terminated;
 * true when something did not fit. Non-printable bytes become '.'. */
bool wire_copy_text(char *dst, size_t dst_size, const uint8_t *src, size_t n);

#endif
