/* MySQL client protocol parser: see proto_mysql.h for the design. */
#include "core/proto_mysql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_MAX_LEN 0xffffff
#define KEEP	    WIRE_TEXT_MAX /* body bytes kept per packet */

enum {
	COM_QUIT = 0x01,
	COM_INIT_DB = 0x02,
	COM_QUERY = 0x03,
	COM_PING = 0x0e,
	COM_CHANGE_USER = 0x11,
	COM_STMT_PREPARE = 0x16,
	COM_STMT_EXECUTE = 0x17,
	COM_STMT_SEND_LONG_DATA = 0x18,
	COM_STMT_CLOSE = 0x19,
	COM_STMT_RESET = 0x1a,
	COM_STMT_FETCH = 0x1c,
};

#define CLIENT_DEPRECATE_EOF	    (1u << 24)
#define SERVER_MORE_RESULTS_EXISTS  0x0008
#define SERVER_STATUS_CURSOR_EXISTS 0x0040

enum phase { PH_GREETING, PH_AUTH, PH_COMMAND };
enum eof_mode { EOF_UNKNOWN, EOF_CLASSIC, EOF_DEPRECATED };
/* Where the response of the command in flight is. */
enum resp {
	RS_FIRST,      /* first packet: OK, ERR, column count, prepare OK */
	RS_COLDEFS,    /* column definitions */
	RS_AFTER_DEFS, /* EOF (classic) or first row (deprecated EOF) */
	RS_ROWS,       /* rows until EOF/OK/ERR */
	RS_PREP_DEFS,  /* prepare: parameter and column definitions */
};

struct stream {
	uint8_t hdr[4];
	unsigned hdr_have;
	uint32_t body_len, body_seen; /* bytes of body passed (kept or skipped) */
	uint8_t body[KEEP];
	uint32_t body_kept;
	uint64_t pkt_ts; /* chunk time of the packet's first byte */
	bool lost;	 /* bytes missing outside a body: wait to resync */
};

struct stmt {
	uint32_t id;
	char *text;
};

struct mysql_conn {
	struct stream s[2]; /* by enum wire_dir */
	enum phase phase;
	enum eof_mode eof;
	bool op_open;
	struct wire_op op;
	enum resp resp;
	uint64_t defs_left;
	uint64_t last_resp_ns;
	struct stmt stmts[MYSQL_STMTS];
	unsigned stmt_next;
};

struct mysql_conn *mysql_conn__new(bool fresh)
{
	struct mysql_conn *c = calloc(1, sizeof(*c));

	if (c)
		c->phase = fresh ? PH_GREETING : PH_COMMAND;
	return c;
}

void mysql_conn__free(struct mysql_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < MYSQL_STMTS; i++)
		free(c->stmts[i].text);
	free(c);
}

const char *mysql_command_name(uint8_t cmd, char *buf, size_t len)
{
	static const char *const names[] = {
	    [COM_QUIT] = "COM_QUIT",
	    [COM_INIT_DB] = "COM_INIT_DB",
	    [COM_QUERY] = "COM_QUERY",
	    [0x04] = "COM_FIELD_LIST",
	    [0x09] = "COM_STATISTICS",
	    [COM_PING] = "COM_PING",
	    [COM_CHANGE_USER] = "COM_CHANGE_USER",
	    [COM_STMT_PREPARE] = "COM_STMT_PREPARE",
	    [COM_STMT_EXECUTE] = "COM_STMT_EXECUTE",
	    [COM_STMT_SEND_LONG_DATA] = "COM_STMT_SEND_LONG_DATA",
	    [COM_STMT_CLOSE] = "COM_STMT_CLOSE",
	    [COM_STMT_RESET] = "COM_STMT_RESET",
	    [0x1b] = "COM_SET_OPTION",
	    [COM_STMT_FETCH] = "COM_STMT_FETCH",
	    [0x1f] = "COM_RESET_CONNECTION",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	snprintf(buf, len, "COM_0x%02x", cmd);
	return buf;
}

/* Length-encoded integer at p[*pos]; false when it does not fit in n. */
static bool lenenc(const uint8_t *p, uint32_t n, uint32_t *pos, uint64_t *out)
{
	uint32_t i = *pos, width;

	if (i >= n)
		return false;
	width = p[i] < 0xfb ? 0 : p[i] == 0xfc ? 2 : p[i] == 0xfd ? 3 : p[i] == 0xfe ? 8 : 99;
	if (width == 99 || i + 1 + width > n)
		return false;
	*out = width ? 0 : p[i];
	for (uint32_t b = 0; b < width; b++)
		*out |= (uint64_t)p[i + 1 + b] << (8 * b);
	*pos = i + 1 + width;
	return true;
}

static uint32_t le(const uint8_t *p, int bytes)
{
	uint32_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void stmt_remember(struct mysql_conn *c, uint32_t id, const char *text)
{
	struct stmt *s = &c->stmts[c->stmt_next++ % MYSQL_STMTS];

	free(s->text);
	s->id = id;
	s->text = strdup(text);
}

static struct stmt *stmt_find(struct mysql_conn *c, uint32_t id)
{
	for (int i = 0; i < MYSQL_STMTS; i++)
		if (c->stmts[i].text && c->stmts[i].id == id)
			return &c->stmts[i];
	return NULL;
}

static void op_emit(struct mysql_conn *c, uint64_t end_ns, wire_op_fn fn, void *ctx)
{
	if (!c->op_open)
		return;
	c->op.end_ns = end_ns < c->op.start_ns ? c->op.start_ns : end_ns;
	c->op_open = false;
	fn(ctx, &c->op);
}

static void op_begin(struct mysql_conn *c, const char *cmd, uint64_t ts)
{
	memset(&c->op, 0, sizeof(c->op));
	c->op.proto = WIRE_PROTO_MYSQL;
	c->op.start_ns = ts;
	c->op.rows = -1;
	c->op.affected = -1;
	snprintf(c->op.cmd, sizeof(c->op.cmd), "%s", cmd);
	c->op_open = true;
	c->resp = RS_FIRST;
	c->last_resp_ns = ts;
}

static void parse_err(struct mysql_conn *c, const uint8_t *b, uint32_t n)
{
	uint32_t msg = 3;

	c->op.error = n >= 3 ? le(b + 1, 2) : 0;
	if (n >= 9 && b[3] == '#')
		msg = 9; /* '#' and the five-character SQL state */
	if (n > msg)
		wire_copy_text(c->op.status, sizeof(c->op.status), b + msg, n - msg);
}

/* OK packet (0x00 or, closing a result set without EOFs, 0xfe): status flags. */
static uint16_t parse_ok(struct mysql_conn *c, const uint8_t *b, uint32_t n, bool set_affected)
{
	uint32_t pos = 1;
	uint64_t affected, insert_id;

	if (!lenenc(b, n, &pos, &affected) || !lenenc(b, n, &pos, &insert_id) || pos + 2 > n)
		return 0;
	if (set_affected)
		c->op.affected = (int64_t)affected;
	return (uint16_t)le(b + pos, 2);
}

/* A packet that ends a result set: EOF (short) or OK with 0xfe header. */
static uint16_t parse_terminator(struct mysql_conn *c, const uint8_t *b, uint32_t n, uint32_t len)
{
	if (len < 9)
		return n >= 5 ? (uint16_t)le(b + 3, 2) : 0;
	return parse_ok(c, b, n, false);
}

static void command_packet(struct mysql_conn *c, const uint8_t *b, uint32_t n, uint32_t len,
			   uint64_t ts, wire_op_fn fn, void *ctx)
{
	char name[16];
	struct stmt *st;

	op_emit(c, c->last_resp_ns, fn, ctx); /* a command ends the previous one */
	memset(&c->s[WIRE_RESP], 0, sizeof(c->s[WIRE_RESP]));
	if (n == 0)
		return;
	op_begin(c, mysql_command_name(b[0], name, sizeof(name)), ts);
	switch (b[0]) {
	case COM_QUERY:
	case COM_STMT_PREPARE:
	case COM_INIT_DB:
		c->op.text_truncated =
		    wire_copy_text(c->op.text, sizeof(c->op.text), b + 1, n - 1) || len > n;
		break;
	case COM_STMT_EXECUTE:
	case COM_STMT_CLOSE:
	case COM_STMT_RESET:
	case COM_STMT_SEND_LONG_DATA:
	case COM_STMT_FETCH:
		if (n < 5)
			break;
		c->op.stmt_id = le(b + 1, 4);
		st = stmt_find(c, c->op.stmt_id);
		if (st)
			snprintf(c->op.text, sizeof(c->op.text), "%s", st->text);
		break;
	case COM_CHANGE_USER: /* carries credentials: nothing kept, auth again */
		c->phase = PH_AUTH;
		break;
	}
	if (b[0] == COM_STMT_FETCH) { /* rows of an open cursor, no column definitions */
		c->resp = RS_ROWS;
		c->op.rows = 0;
	}
	if (b[0] == COM_QUIT || b[0] == COM_STMT_CLOSE || b[0] == COM_STMT_SEND_LONG_DATA) {
		c->op.no_response = true;
		op_emit(c, ts, fn, ctx);
	}
}

static void request_packet(struct mysql_conn *c, uint8_t seq, const uint8_t *b, uint32_t n,
			   uint32_t len, uint64_t ts, wire_op_fn fn, void *ctx)
{
	if (c->phase == PH_COMMAND && seq == 0) {
		command_packet(c, b, n, len, ts, fn, ctx);
		return;
	}
	if (c->phase != PH_COMMAND) {
		/* handshake response / auth data: only the capability flags are read */
		if (seq == 1 && n >= 4)
			c->eof = le(b, 4) & CLIENT_DEPRECATE_EOF ? EOF_DEPRECATED : EOF_CLASSIC;
		if (!c->op_open)
			op_begin(c, "AUTH", ts);
		c->phase = PH_AUTH;
	}
	/* other packets with seq > 0: LOCAL INFILE data, split packets: ignored */
}

static void auth_response(struct mysql_conn *c, const uint8_t *b, uint32_t n, uint64_t ts,
			  wire_op_fn fn, void *ctx)
{
	if (c->phase == PH_GREETING) {
		c->phase = PH_AUTH; /* the greeting itself */
		return;
	}
	if (n == 0 || (b[0] != 0x00 && b[0] != 0xff))
		return; /* auth switch (0xfe) or more data (0x01) */
	if (c->op_open) {
		if (b[0] == 0xff)
			parse_err(c, b, n);
		else
			snprintf(c->op.status, sizeof(c->op.status), "OK");
		op_emit(c, ts, fn, ctx);
	}
	if (b[0] == 0x00)
		c->phase = PH_COMMAND;
}

static void first_packet(struct mysql_conn *c, const uint8_t *b, uint32_t n, uint64_t ts,
			 wire_op_fn fn, void *ctx)
{
	uint32_t pos = 0;
	uint64_t cols;

	if (b[0] == 0xff) {
		parse_err(c, b, n);
		op_emit(c, ts, fn, ctx);
	} else if (b[0] == 0x00 && !strcmp(c->op.cmd, "COM_STMT_PREPARE")) {
		if (n < 9)
			return;
		c->op.stmt_id = le(b + 1, 4);
		stmt_remember(c, c->op.stmt_id, c->op.text);
		uint32_t ncols = le(b + 5, 2), nparams = le(b + 7, 2);
		bool eofs = c->eof != EOF_DEPRECATED;
		c->defs_left = ncols + nparams + (eofs ? (ncols > 0) + (nparams > 0) : 0);
		c->resp = RS_PREP_DEFS;
		if (!c->defs_left)
			op_emit(c, ts, fn, ctx);
	} else if (b[0] == 0x00) {
		if (!(parse_ok(c, b, n, true) & SERVER_MORE_RESULTS_EXISTS))
			op_emit(c, ts, fn, ctx);
	} else if (b[0] == 0xfb) {
		/* LOCAL INFILE: the client sends the file, then an OK/ERR follows */
	} else if (lenenc(b, n, &pos, &cols)) {
		c->defs_left = cols;
		c->op.rows = c->op.rows < 0 ? 0 : c->op.rows;
		c->resp = cols ? RS_COLDEFS : RS_AFTER_DEFS;
	}
}

static void end_of_rows(struct mysql_conn *c, uint16_t status, uint64_t ts, wire_op_fn fn,
			void *ctx)
{
	if (status & SERVER_MORE_RESULTS_EXISTS)
		c->resp = RS_FIRST;
	else
		op_emit(c, ts, fn, ctx);
}

static void response_packet(struct mysql_conn *c, const uint8_t *b, uint32_t n, uint32_t len,
			    uint64_t ts, wire_op_fn fn, void *ctx)
{
	bool terminator = n > 0 && b[0] == 0xfe && len < PKT_MAX_LEN;

	c->last_resp_ns = ts;
	if (c->phase != PH_COMMAND) {
		auth_response(c, b, n, ts, fn, ctx);
		return;
	}
	if (!c->op_open || n == 0)
		return;
	switch (c->resp) {
	case RS_FIRST: first_packet(c, b, n, ts, fn, ctx); break;
	case RS_COLDEFS:
		if (--c->defs_left == 0)
			c->resp = RS_AFTER_DEFS;
		break;
	case RS_AFTER_DEFS:
		c->resp = RS_ROWS;
		if (terminator && len < 9) { /* the EOF after column definitions */
			uint16_t status = parse_terminator(c, b, n, len);
			c->eof = EOF_CLASSIC;
			if (status & SERVER_STATUS_CURSOR_EXISTS)
				op_emit(c, ts, fn, ctx);
			break;
		}
		if (c->eof == EOF_UNKNOWN)
			c->eof = EOF_DEPRECATED;
		/* this packet already is a row or the end */
		__attribute__((fallthrough));
	case RS_ROWS:
		if (b[0] == 0xff) {
			parse_err(c, b, n);
			op_emit(c, ts, fn, ctx);
		} else if (terminator) {
			end_of_rows(c, parse_terminator(c, b, n, len), ts, fn, ctx);
		} else {
			c->op.rows++;
		}
		break;
	case RS_PREP_DEFS:
		if (--c->defs_left == 0)
			op_emit(c, ts, fn, ctx);
		break;
	}
}

static void packet_done(struct mysql_conn *c, enum wire_dir dir, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];
	uint8_t seq = s->hdr[3];

	if (dir == WIRE_REQ)
		request_packet(c, seq, s->body, s->body_kept, s->body_len, s->pkt_ts, fn, ctx);
	else
		response_packet(c, s->body, s->body_kept, s->body_len, s->pkt_ts, fn, ctx);
	s->hdr_have = 0;
	s->body_len = s->body_seen = s->body_kept = 0;
}

/* Consumes captured bytes; returns how many were used. */
static size_t stream_bytes(struct mysql_conn *c, enum wire_dir dir, const uint8_t *p, size_t n,
			   uint64_t ts, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];
	size_t used = 0;

	while (used < n) {
		if (s->hdr_have < 4) {
			if (s->hdr_have == 0)
				s->pkt_ts = ts;
			s->hdr[s->hdr_have++] = p[used++];
			if (s->hdr_have == 4) {
				s->body_len = le(s->hdr, 3);
				if (s->body_len == 0)
					packet_done(c, dir, fn, ctx);
			}
			continue;
		}
		size_t take = s->body_len - s->body_seen;
		take = take < n - used ? take : n - used;
		if (s->body_kept < KEEP && s->body_kept == s->body_seen) {
			size_t keep = take < KEEP - s->body_kept ? take : KEEP - s->body_kept;
			memcpy(s->body + s->body_kept, p + used, keep);
			s->body_kept += keep;
		}
		s->body_seen += take;
		used += take;
		if (s->body_seen == s->body_len)
			packet_done(c, dir, fn, ctx);
	}
	return used;
}

/* Bytes the capture missed: skippable inside a body, else sync is lost. */
static void stream_gap(struct mysql_conn *c, enum wire_dir dir, size_t gap, wire_op_fn fn,
		       void *ctx)
{
	struct stream *s = &c->s[dir];

	if (s->hdr_have == 4 && s->body_len - s->body_seen >= gap) {
		s->body_seen += gap;
		if (s->body_seen == s->body_len)
			packet_done(c, dir, fn, ctx);
		return;
	}
	s->lost = true;
	if (dir == WIRE_RESP && c->op_open)
		c->op.incomplete = true;
}

void mysql_conn__feed(struct mysql_conn *c, const struct wire_chunk *ch, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[ch->dir];

	if (s->lost) {
		/* a request write starts at a packet boundary: resync there;
		 * responses resync when the next command resets them */
		if (ch->dir == WIRE_RESP)
			return;
		memset(s, 0, sizeof(*s));
	}
	if (ch->dir == WIRE_RESP)
		c->last_resp_ns = ch->ts_ns;
	stream_bytes(c, ch->dir, ch->data, ch->captured, ch->ts_ns, fn, ctx);
	if (ch->len > ch->captured)
		stream_gap(c, ch->dir, ch->len - ch->captured, fn, ctx);
}

void mysql_conn__flush(struct mysql_conn *c, wire_op_fn fn, void *ctx)
{
	if (c->op_open) {
		c->op.incomplete = true;
		op_emit(c, c->last_resp_ns, fn, ctx);
	}
}

static bool plausible_command(uint8_t cmd)
{
	return cmd == COM_QUERY || cmd == COM_STMT_PREPARE || cmd == COM_STMT_EXECUTE ||
	       cmd == COM_PING || cmd == COM_INIT_DB || cmd == COM_STMT_CLOSE || cmd == COM_QUIT ||
	       cmd == COM_STMT_RESET;
}

enum wire_role mysql_detect(const uint8_t *data, size_t captured, size_t len, bool is_write,
			    bool *fresh)
{
	uint32_t plen;

	*fresh = false;
	if (captured < 5)
		return WIRE_ROLE_NONE;
	plen = le(data, 3);
	/* greeting: protocol 10, then a NUL-terminated printable version */
	if (data[3] == 0 && data[4] == 0x0a && plen >= 20 && plen < 1024 && captured >= 8) {
		size_t i = 5;

		while (i < captured && i < 4 + plen && data[i] >= 0x20 && data[i] < 0x7f)
			i++;
		if (i > 5 && i < captured && data[i] == 0) {
			*fresh = true;
			return is_write ? WIRE_ROLE_SERVER : WIRE_ROLE_CLIENT;
		}
	}
	/* one whole command packet, as clients write them */
	if (data[3] == 0 && plen + 4 == len && plausible_command(data[4]))
		return is_write ? WIRE_ROLE_CLIENT : WIRE_ROLE_SERVER;
	return WIRE_ROLE_NONE;
}
