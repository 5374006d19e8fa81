/* MySQL/MariaDB client protocol from a connection's byte stream.
 *
 * The stream is cut into packets (3-byte length, 1-byte sequence id); a
 * request packet with sequence id 0 starts a command: COM_QUERY and
 * COM_STMT_PREPARE carry SQL text, COM_STMT_EXECUTE a statement id that the
 * prepare's response mapped to its text. The response is followed to its
 * end: OK, ERR (code and message), or a result set (column count, column
 * definitions, optional EOF, rows up to the terminating EOF/OK, several
 * result sets while SERVER_MORE_RESULTS_EXISTS is set). The connection
 * phase (server greeting, client handshake response, auth switches) is
 * followed only to know when commands start: nothing the client sends
 * before the server's final OK is ever kept, so credentials never reach an
 * op. Whether the server sends EOF packets (CLIENT_DEPRECATE_EOF) is read
 * from the handshake when it was seen, else learned from the first result
 * set, else assumed (classic EOFs).
 *
 * Memory per connection is bounded: each packet keeps at most
 * WIRE_TEXT_MAX bytes of its body, longer bodies are skipped; prepared
 * statements are remembered up to MYSQL_STMTS per connection. A new
 * command always closes the previous one, so a response the parser could
 * not follow (bytes missing from the capture) still ends. */
#ifndef BPFSCOPE_PROTO_MYSQL_H
#define BPFSCOPE_PROTO_MYSQL_H

#include "core/wireop.h"

#define MYSQL_STMTS 64

struct mysql_conn;

/* fresh: the connection starts here (greeting expected); otherwise the
 * parser joins a connection in its command phase. */
struct mysql_conn *mysql_conn__new(bool fresh);
void mysql_conn__feed(struct mysql_conn *c, const struct wire_chunk *ch, wire_op_fn fn, void *ctx);
/* Emits the op in flight, if any, marked incomplete (end of capture). */
void mysql_conn__flush(struct mysql_conn *c, wire_op_fn fn, void *ctx);
void mysql_conn__free(struct mysql_conn *c);

enum wire_role { WIRE_ROLE_NONE, WIRE_ROLE_CLIENT, WIRE_ROLE_SERVER };

/* Does this first chunk of a connection look like MySQL? A server greeting
 * (protocol 10) or one whole command packet; the answer says which side
 * the observing process is on, *fresh whether the connection starts here. */
enum wire_role mysql_detect(const uint8_t *data, size_t captured, size_t len, bool is_write,
			    bool *fresh);

/* Name of a command byte: "COM_QUERY", ...; "COM_0x.." for others. */
const char *mysql_command_name(uint8_t cmd, char *buf, size_t len);

#endif
