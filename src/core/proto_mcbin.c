/* memcached binary protocol parser: see proto_mcbin.h for the design. */
#include "core/proto_mcbin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR	     24
#define MAGIC_REQ    0x80
#define MAGIC_RESP   0x81
#define OP_NOOP	     0x0a
#define KEEP	     250 /* key bytes kept (memcached keys are <= 250) */
#define OPCODE_COUNT 0x24

/* Name, quiet flag and kind of each opcode (0x00-0x23). */
enum op_kind { OK_GET, OK_STORE, OK_DELETE, OK_ARITH, OK_TOUCH, OK_OTHER, OK_QUIT };

static const struct {
	const char *name;
	bool quiet;
	enum op_kind kind;
} opcodes[OPCODE_COUNT] = {
    [0x00] = {"get", false, OK_GET},	     [0x01] = {"set", false, OK_STORE},
    [0x02] = {"add", false, OK_STORE},	     [0x03] = {"replace", false, OK_STORE},
    [0x04] = {"delete", false, OK_DELETE},   [0x05] = {"incr", false, OK_ARITH},
    [0x06] = {"decr", false, OK_ARITH},	     [0x07] = {"quit", false, OK_QUIT},
    [0x08] = {"flush_all", false, OK_OTHER}, [0x09] = {"get", true, OK_GET},
    [0x0a] = {"noop", false, OK_OTHER},	     [0x0b] = {"version", false, OK_OTHER},
    [0x0c] = {"get", false, OK_GET},	     [0x0d] = {"get", true, OK_GET},
    [0x0e] = {"append", false, OK_STORE},    [0x0f] = {"prepend", false, OK_STORE},
    [0x10] = {"stats", false, OK_OTHER},     [0x11] = {"set", true, OK_STORE},
    [0x12] = {"add", true, OK_STORE},	     [0x13] = {"replace", true, OK_STORE},
    [0x14] = {"delete", true, OK_DELETE},    [0x15] = {"incr", true, OK_ARITH},
    [0x16] = {"decr", true, OK_ARITH},	     [0x17] = {"quit", true, OK_QUIT},
    [0x18] = {"flush_all", true, OK_OTHER},  [0x19] = {"append", true, OK_STORE},
    [0x1a] = {"prepend", true, OK_STORE},    [0x1b] = {"verbosity", false, OK_OTHER},
    [0x1c] = {"touch", false, OK_TOUCH},     [0x1d] = {"gat", false, OK_GET},
    [0x1e] = {"gat", true, OK_GET},	     [0x20] = {"sasl_list_mechs", false, OK_OTHER},
    [0x21] = {"sasl_auth", false, OK_OTHER}, [0x22] = {"sasl_step", false, OK_OTHER},
    [0x23] = {"gat", false, OK_GET},
};

struct pending {
	struct wire_op op;
	uint32_t opaque; /* of the request, or of the NoOp that ends a quiet-get run */
	uint8_t opcode;
	bool quiet_gets; /* a run of GetQ/GetKQ */
	bool closed;	 /* the run's NoOp was sent */
};

/* One direction: the header being assembled, then the body (key kept). */
struct stream {
	uint8_t hdr[HDR];
	unsigned hdr_len;
	uint64_t body_left; /* body bytes still to come */
	uint64_t body_pos;  /* body bytes seen */
	uint8_t key[KEEP + 8];
	unsigned key_len; /* key bytes kept */
	uint8_t value[8]; /* first value bytes (an increment's result) */
	unsigned value_len;
	uint64_t ts; /* time of the packet's first byte */
	bool lost;
};

struct mcbin_conn {
	struct stream s[2];
	struct pending q[MCBIN_PENDING];
	unsigned head, count;
	uint64_t last_resp_ns;
};

struct mcbin_conn *mcbin_conn__new(void)
{
	return calloc(1, sizeof(struct mcbin_conn));
}

void mcbin_conn__free(struct mcbin_conn *c)
{
	free(c);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool known(uint8_t opcode)
{
	return opcode < OPCODE_COUNT && opcodes[opcode].name;
}

int mcbin_detect(const uint8_t *data, size_t captured)
{
	if (captured < HDR || (data[0] != MAGIC_REQ && data[0] != MAGIC_RESP) || !known(data[1]) ||
	    data[5] != 0 || be32(data + 8) < data[4] + be16(data + 2))
		return 0;
	return data[0];
}

static struct pending *at(struct mcbin_conn *c, unsigned i)
{
	return &c->q[(c->head + i) % MCBIN_PENDING];
}

static void emit_front(struct mcbin_conn *c, uint64_t end_ns, wire_op_fn fn, void *ctx)
{
	struct pending *p = at(c, 0);

	if (!c->count)
		return;
	if (p->quiet_gets)
		p->op.misses = p->op.keys > p->op.hits ? p->op.keys - p->op.hits : 0;
	p->op.end_ns = end_ns < p->op.start_ns ? p->op.start_ns : end_ns;
	c->head = (c->head + 1) % MCBIN_PENDING;
	c->count--;
	fn(ctx, &p->op);
}

static void append_key(struct wire_op *op, const uint8_t *key, unsigned len)
{
	size_t used = strlen(op->text);

	op->keys++;
	if (!len || op->text_truncated)
		return;
	if (used)
		op->text[used++] = ' ';
	op->text_truncated = wire_copy_text(op->text + used, sizeof(op->text) - used, key, len);
}

static struct pending *push(struct mcbin_conn *c, uint64_t ts, wire_op_fn fn, void *ctx)
{
	struct pending *p;

	if (c->count == MCBIN_PENDING) { /* the server stopped answering? */
		at(c, 0)->op.incomplete = true;
		emit_front(c, c->last_resp_ns, fn, ctx);
	}
	p = at(c, c->count++);
	memset(p, 0, sizeof(*p));
	p->op.proto = WIRE_PROTO_MEMCACHE;
	p->op.start_ns = ts;
	p->op.rows = p->op.affected = -1;
	return p;
}

static void request(struct mcbin_conn *c, const struct stream *s, wire_op_fn fn, void *ctx)
{
	uint8_t opcode = s->hdr[1];
	uint32_t opaque = be32(s->hdr + 12);
	struct pending *last = c->count ? at(c, c->count - 1) : NULL, *p;

	if (!known(opcode))
		return;
	if (opcode == OP_NOOP && last && last->quiet_gets && !last->closed) {
		last->opaque = opaque; /* its response ends the run */
		last->closed = true;
		return;
	}
	if (opcodes[opcode].quiet && opcodes[opcode].kind == OK_GET && last && last->quiet_gets &&
	    !last->closed) {
		append_key(&last->op, s->key, s->key_len);
		return;
	}
	p = push(c, s->ts, fn, ctx);
	p->opcode = opcode;
	p->opaque = opaque;
	p->quiet_gets = opcodes[opcode].quiet && opcodes[opcode].kind == OK_GET;
	snprintf(p->op.cmd, sizeof(p->op.cmd), "%s", opcodes[opcode].name);
	if (opcodes[opcode].kind != OK_OTHER && opcodes[opcode].kind != OK_QUIT)
		append_key(&p->op, s->key, s->key_len);
	if (opcodes[opcode].kind == OK_QUIT) {
		p->op.no_response = true;
		c->count--;
		p->op.end_ns = p->op.start_ns;
		fn(ctx, &p->op);
	}
}

/* The text protocol's word for a status. */
static void status_word(struct pending *p, uint16_t status, const struct stream *s)
{
	static const char *const words[] = {"",	      "NOT_FOUND",  "EXISTS",	   "E2BIG",
					    "EINVAL", "NOT_STORED", "DELTA_BADVAL"};
	enum op_kind kind = opcodes[p->opcode].kind;
	char *w = p->op.status;
	size_t wl = sizeof(p->op.status);

	if (status && status < sizeof(words) / sizeof(words[0]))
		snprintf(w, wl, "%s", words[status]);
	else if (status == 0x81)
		snprintf(w, wl, "UNKNOWN_COMMAND");
	else if (status == 0x82)
		snprintf(w, wl, "ENOMEM");
	else if (status)
		snprintf(w, wl, "STATUS_0x%x", status);
	else if (kind == OK_STORE)
		snprintf(w, wl, "STORED");
	else if (kind == OK_DELETE)
		snprintf(w, wl, "DELETED");
	else if (kind == OK_TOUCH)
		snprintf(w, wl, "TOUCHED");
	else if (kind == OK_ARITH && s->value_len == 8)
		snprintf(w, wl, "%llu",
			 (unsigned long long)((uint64_t)be32(s->value) << 32 | be32(s->value + 4)));
	else
		snprintf(w, wl, kind == OK_GET ? "END" : "OK");
	if (kind == OK_GET || kind == OK_DELETE || kind == OK_ARITH || kind == OK_TOUCH) {
		p->op.hits += status == 0;
		p->op.misses += status == 1;
	}
}

/* Quiet requests before the one a response answers: their default outcome. */
static void settle_quiet(struct mcbin_conn *c, uint64_t ts, wire_op_fn fn, void *ctx)
{
	struct pending *p = at(c, 0);

	if (!p->quiet_gets)
		snprintf(p->op.status, sizeof(p->op.status), "%s",
			 opcodes[p->opcode].kind == OK_STORE ? "STORED" : "OK");
	p->op.no_response = !p->quiet_gets;
	emit_front(c, ts, fn, ctx);
}

/* A GetQ/GetKQ/GATQ response: a hit of the oldest quiet-get run. */
static bool quiet_get_reply(struct mcbin_conn *c, const struct stream *s)
{
	uint8_t opcode = s->hdr[1];

	if (!known(opcode) || !opcodes[opcode].quiet || opcodes[opcode].kind != OK_GET)
		return false;
	for (unsigned i = 0; i < c->count; i++)
		if (at(c, i)->quiet_gets) {
			at(c, i)->op.hits += !s->hdr[6] && !s->hdr[7];
			break;
		}
	return true;
}

static void response(struct mcbin_conn *c, const struct stream *s, wire_op_fn fn, void *ctx)
{
	uint32_t opaque = be32(s->hdr + 12);
	unsigned i;

	if (quiet_get_reply(c, s))
		return;
	/* the request it answers: same opaque; a quiet-get run is answered
	 * only by the NoOp that closed it */
	for (i = 0; i < c->count; i++) {
		struct pending *p = at(c, i);

		if (p->opaque == opaque && (!p->quiet_gets || (p->closed && s->hdr[1] == OP_NOOP)))
			break;
	}
	if (i == c->count)
		return; /* an answer to nothing we saw */
	while (i--)	/* quiet ones before it got no reply: their default */
		settle_quiet(c, c->last_resp_ns, fn, ctx);
	if (!at(c, 0)->quiet_gets)
		status_word(at(c, 0), (uint16_t)be16(s->hdr + 6), s);
	else
		snprintf(at(c, 0)->op.status, sizeof(at(c, 0)->op.status), "END");
	emit_front(c, c->last_resp_ns, fn, ctx);
}

static void packet_done(struct mcbin_conn *c, enum wire_dir dir, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];

	if (dir == WIRE_REQ)
		request(c, s, fn, ctx);
	else
		response(c, s, fn, ctx);
	s->hdr_len = 0;
	s->body_pos = 0;
	s->key_len = s->value_len = 0;
}

/* Body byte at position pos: keeps the key and the value's first bytes. */
static void body_byte(struct stream *s, uint8_t b)
{
	uint64_t ext = s->hdr[4], klen = be16(s->hdr + 2), pos = s->body_pos;

	if (pos >= ext && pos < ext + klen && s->key_len < KEEP)
		s->key[s->key_len++] = b;
	else if (pos >= ext + klen && s->value_len < sizeof(s->value))
		s->value[s->value_len++] = b;
}

static void stream_bytes(struct mcbin_conn *c, enum wire_dir dir, const uint8_t *p, size_t n,
			 uint64_t ts, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];
	uint8_t magic = dir == WIRE_REQ ? MAGIC_REQ : MAGIC_RESP;

	for (size_t i = 0; i < n && !s->lost;) {
		if (s->hdr_len < HDR) {
			if (!s->hdr_len)
				s->ts = ts;
			s->hdr[s->hdr_len++] = p[i++];
			if (s->hdr_len == 1 && s->hdr[0] != magic)
				s->lost = true;
			if (s->hdr_len == HDR) {
				s->body_left = be32(s->hdr + 8);
				if (!s->body_left)
					packet_done(c, dir, fn, ctx);
			}
			continue;
		}
		body_byte(s, p[i++]);
		s->body_pos++;
		if (!--s->body_left)
			packet_done(c, dir, fn, ctx);
	}
}

/* Bytes the capture missed: fine inside a body, else sync is lost. */
static void stream_gap(struct mcbin_conn *c, enum wire_dir dir, size_t gap, wire_op_fn fn,
		       void *ctx)
{
	struct stream *s = &c->s[dir];

	if (s->hdr_len == HDR && s->body_left >= gap) {
		s->body_left -= gap;
		s->body_pos += gap;
		if (!s->body_left)
			packet_done(c, dir, fn, ctx);
		return;
	}
	s->lost = true;
	if (dir == WIRE_RESP)
		for (unsigned i = 0; i < c->count; i++)
			at(c, i)->op.incomplete = true;
}

void mcbin_conn__flush(struct mcbin_conn *c, wire_op_fn fn, void *ctx)
{
	while (c->count) {
		at(c, 0)->op.incomplete = true;
		emit_front(c, c->last_resp_ns, fn, ctx);
	}
}

void mcbin_conn__feed(struct mcbin_conn *c, const struct wire_chunk *ch, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[ch->dir];

	if (ch->dir == WIRE_REQ && c->s[WIRE_RESP].lost) {
		mcbin_conn__flush(c, fn, ctx); /* the replies could not be followed */
		memset(&c->s[WIRE_RESP], 0, sizeof(c->s[WIRE_RESP]));
	}
	if (s->lost) {
		if (ch->dir == WIRE_RESP)
			return;
		memset(s, 0, sizeof(*s)); /* requests resync at a write's start */
	}
	if (ch->dir == WIRE_RESP)
		c->last_resp_ns = ch->ts_ns;
	stream_bytes(c, ch->dir, ch->data, ch->captured, ch->ts_ns, fn, ctx);
	if (ch->len > ch->captured)
		stream_gap(c, ch->dir, ch->len - ch->captured, fn, ctx);
}
