/* memcached text/meta protocol parser: see proto_memcache.h for the design. */
#include "core/proto_memcache.h"
#include "core/proto_mcbin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 24

enum kind {
	K_RETRIEVE, /* get gets gat gats */
	K_STORE,    /* set add replace append prepend cas */
	K_KEYED,    /* delete incr decr touch: one key, NOT_FOUND is a miss */
	K_MG,
	K_MS,
	K_MD,
	K_MA,
	K_MN,
	K_STATS, /* reply lines until END */
	K_OTHER, /* one reply line */
};

struct pending {
	struct wire_op op;
	enum kind kind;
	bool quiet;
};

struct stream {
	char line[MEMCACHE_LINE];
	size_t line_len;
	bool line_cut;
	uint64_t line_ts;    /* chunk time of the line's first byte */
	uint64_t data_left;  /* data block bytes (with CRLF) still to skip */
	bool finish_on_data; /* response: the op ends with the data block */
	bool lost;
};

struct memcache_conn {
	struct mcbin_conn
	    *bin; /* the binary protocol (proto_mcbin.c), decided on the first bytes */
	bool decided;
	struct stream s[2];
	struct pending q[MEMCACHE_PENDING];
	unsigned head, count;
	uint64_t last_resp_ns;
};

struct memcache_conn *memcache_conn__new(void)
{
	return calloc(1, sizeof(struct memcache_conn));
}

void memcache_conn__free(struct memcache_conn *c)
{
	if (c)
		mcbin_conn__free(c->bin);
	free(c);
}

static const struct {
	const char *name;
	enum kind kind;
} commands[] = {
    {"get", K_RETRIEVE},  {"gets", K_RETRIEVE},	  {"gat", K_RETRIEVE},	  {"gats", K_RETRIEVE},
    {"set", K_STORE},	  {"add", K_STORE},	  {"replace", K_STORE},	  {"append", K_STORE},
    {"prepend", K_STORE}, {"cas", K_STORE},	  {"delete", K_KEYED},	  {"incr", K_KEYED},
    {"decr", K_KEYED},	  {"touch", K_KEYED},	  {"mg", K_MG},		  {"ms", K_MS},
    {"md", K_MD},	  {"ma", K_MA},		  {"mn", K_MN},		  {"stats", K_STATS},
    {"version", K_OTHER}, {"flush_all", K_OTHER}, {"verbosity", K_OTHER}, {"quit", K_OTHER},
    {"me", K_OTHER},
};

static int command_index(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].name) == len && !memcmp(commands[i].name, word, len))
			return (int)i;
	return -1;
}

/* Splits a line in place at spaces; returns the token count. */
static int tokenize(char *line, char **tok)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " ", &save); t && n < MAX_TOKENS;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	return n;
}

static uint64_t number(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s ? s : "", &end, 10);

	return s && *s && !*end ? (uint64_t)v : 0;
}

static void emit_front(struct memcache_conn *c, uint64_t end_ns, wire_op_fn fn, void *ctx)
{
	struct pending *p = &c->q[c->head];

	if (!c->count)
		return;
	if (p->kind == K_RETRIEVE && !p->op.incomplete)
		p->op.misses = p->op.keys > p->op.hits ? p->op.keys - p->op.hits : 0;
	p->op.end_ns = end_ns < p->op.start_ns ? p->op.start_ns : end_ns;
	c->head = (c->head + 1) % MEMCACHE_PENDING;
	c->count--;
	fn(ctx, &p->op);
}

static void append_key(struct wire_op *op, const char *key)
{
	size_t used = strlen(op->text), klen = strlen(key);

	op->keys++;
	if (op->text_truncated)
		return;
	if (used + (used > 0) + klen >= sizeof(op->text)) {
		op->text_truncated = true;
		return;
	}
	if (used)
		op->text[used++] = ' ';
	memcpy(op->text + used, key, klen + 1);
}

/* Reads the request's keys, data length and reply mode from its tokens. */
static uint64_t describe_request(struct pending *p, char **tok, int n)
{
	uint64_t data = 0;
	int first_key = !strcmp(tok[0], "gat") || !strcmp(tok[0], "gats") ? 2 : 1;
	bool meta = tok[0][0] == 'm' && tok[0][1] && !tok[0][2];

	if (p->kind == K_RETRIEVE || p->kind == K_KEYED || p->kind == K_STORE || meta) {
		int last = p->kind == K_RETRIEVE ? n : first_key + 1;
		for (int i = first_key; i < last && i < n && p->kind != K_MN; i++)
			append_key(&p->op, tok[i]);
	}
	if (p->kind == K_STORE && n > 4)
		data = number(tok[4]) + 2;
	if (p->kind == K_MS && n > 2)
		data = number(tok[2]) + 2;
	if (meta) {
		for (int i = 2; i < n; i++)
			if (!strcmp(tok[i], "q"))
				p->quiet = true;
	} else if (p->kind != K_RETRIEVE && p->kind != K_STATS && n > 1 &&
		   !strcmp(tok[n - 1], "noreply")) {
		p->op.no_response = true;
	}
	if (!strcmp(tok[0], "quit"))
		p->op.no_response = true;
	return data;
}

static void request_line(struct memcache_conn *c, char *line, uint64_t ts, wire_op_fn fn, void *ctx)
{
	char *tok[MAX_TOKENS];
	int n = tokenize(line, tok), idx;
	struct pending *p;

	if (n == 0 || (idx = command_index(tok[0], strlen(tok[0]))) < 0)
		return;
	if (c->count == MEMCACHE_PENDING) { /* the server stopped answering? */
		c->q[c->head].op.incomplete = true;
		emit_front(c, c->last_resp_ns, fn, ctx);
	}
	p = &c->q[(c->head + c->count++) % MEMCACHE_PENDING];
	memset(p, 0, sizeof(*p));
	p->kind = commands[idx].kind;
	p->op.proto = WIRE_PROTO_MEMCACHE;
	p->op.start_ns = ts;
	p->op.rows = p->op.affected = -1;
	snprintf(p->op.cmd, sizeof(p->op.cmd), "%s", tok[0]);
	c->s[WIRE_REQ].data_left = describe_request(p, tok, n);
	if (p->op.no_response) { /* only the newest can be noreply-pending */
		c->count--;
		p->op.end_ns = ts;
		fn(ctx, &p->op);
	}
}

/* Sets status to the reply's first word and hit/miss for keyed requests. */
static void reply_status(struct pending *p, char **tok, int n)
{
	static const char *const misses[] = {"NOT_FOUND", "EN", "NF"};

	snprintf(p->op.status, sizeof(p->op.status), "%s", n ? tok[0] : "");
	if (p->kind == K_STORE || p->kind == K_OTHER || p->kind == K_STATS || p->kind == K_MS)
		return;
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
		if (n && !strcmp(tok[0], misses[i])) {
			p->op.misses++;
			return;
		}
	if (n && (!strcmp(tok[0], "VA") || !strcmp(tok[0], "HD") || !strcmp(tok[0], "DELETED") ||
		  !strcmp(tok[0], "TOUCHED") || (tok[0][0] >= '0' && tok[0][0] <= '9')))
		p->op.hits++;
}

/* Quiet meta requests before an MN got their default outcome. */
static void settle_quiet(struct memcache_conn *c, uint64_t ts, wire_op_fn fn, void *ctx)
{
	while (c->count && c->q[c->head].quiet && c->q[c->head].kind != K_MN) {
		struct pending *p = &c->q[c->head];

		if (p->kind == K_MG)
			p->op.misses++;
		else
			snprintf(p->op.status, sizeof(p->op.status), "HD");
		p->op.no_response = true;
		emit_front(c, ts, fn, ctx);
	}
}

static void response_line(struct memcache_conn *c, char *line, uint64_t ts, wire_op_fn fn,
			  void *ctx)
{
	struct stream *s = &c->s[WIRE_RESP];
	char *tok[MAX_TOKENS];
	int n = tokenize(line, tok);
	struct pending *p;

	if (n && !strcmp(tok[0], "MN"))
		settle_quiet(c, ts, fn, ctx);
	if (!c->count || n == 0)
		return;
	p = &c->q[c->head];
	if (p->kind == K_RETRIEVE && !strcmp(tok[0], "VALUE")) {
		p->op.hits++;
		s->data_left = n > 3 ? number(tok[3]) + 2 : 0;
		return;
	}
	if ((p->kind == K_STATS && !strcmp(tok[0], "STAT")))
		return;
	if (p->kind != K_RETRIEVE || strcmp(tok[0], "END"))
		reply_status(p, tok, n);
	else
		snprintf(p->op.status, sizeof(p->op.status), "END");
	if (!strcmp(tok[0], "VA") && n > 1) { /* meta value: the op ends after it */
		s->data_left = number(tok[1]) + 2;
		s->finish_on_data = true;
		return;
	}
	emit_front(c, ts, fn, ctx);
}

static void line_done(struct memcache_conn *c, enum wire_dir dir, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];

	if (s->line_len && s->line[s->line_len - 1] == '\r')
		s->line_len--;
	s->line[s->line_len] = 0;
	if (dir == WIRE_REQ)
		request_line(c, s->line, s->line_ts, fn, ctx);
	else
		response_line(c, s->line, c->last_resp_ns, fn, ctx);
	s->line_len = 0;
	s->line_cut = false;
}

static void data_done(struct memcache_conn *c, enum wire_dir dir, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];

	if (dir == WIRE_RESP && s->finish_on_data) {
		s->finish_on_data = false;
		emit_front(c, c->last_resp_ns, fn, ctx);
	}
}

static void stream_bytes(struct memcache_conn *c, enum wire_dir dir, const uint8_t *p, size_t n,
			 uint64_t ts, wire_op_fn fn, void *ctx)
{
	struct stream *s = &c->s[dir];
	size_t i = 0;

	while (i < n) {
		if (s->data_left) {
			size_t skip = s->data_left < n - i ? s->data_left : n - i;
			s->data_left -= skip;
			i += skip;
			if (!s->data_left)
				data_done(c, dir, fn, ctx);
			continue;
		}
		if (s->line_len == 0 && !s->line_cut)
			s->line_ts = ts;
		if (p[i] == '\n') {
			i++;
			line_done(c, dir, fn, ctx);
			continue;
		}
		if (s->line_len < MEMCACHE_LINE - 1)
			s->line[s->line_len++] = (char)p[i];
		else
			s->line_cut = true;
		i++;
	}
}

static void stream_gap(struct memcache_conn *c, enum wire_dir dir, size_t gap, wire_op_fn fn,
		       void *ctx)
{
	struct stream *s = &c->s[dir];

	if (s->data_left >= gap) {
		s->data_left -= gap;
		if (!s->data_left)
			data_done(c, dir, fn, ctx);
		return;
	}
	s->lost = true;
	if (dir == WIRE_RESP)
		for (unsigned i = 0; i < c->count; i++)
			c->q[(c->head + i) % MEMCACHE_PENDING].op.incomplete = true;
}

void memcache_conn__flush(struct memcache_conn *c, wire_op_fn fn, void *ctx)
{
	if (c->bin)
		mcbin_conn__flush(c->bin, fn, ctx);
	while (c->count) {
		c->q[c->head].op.incomplete = true;
		emit_front(c, c->last_resp_ns, fn, ctx);
	}
}

void memcache_conn__feed(struct memcache_conn *c, const struct wire_chunk *ch, wire_op_fn fn,
			 void *ctx)
{
	struct stream *s = &c->s[ch->dir];

	if (!c->decided && ch->captured) {
		c->decided = true;
		if (ch->data[0] == 0x80 || ch->data[0] == 0x81)
			c->bin = mcbin_conn__new();
	}
	if (c->bin) {
		mcbin_conn__feed(c->bin, ch, fn, ctx);
		return;
	}
	if (ch->dir == WIRE_REQ && c->s[WIRE_RESP].lost) {
		/* the replies could not be followed: end what is pending */
		memcache_conn__flush(c, fn, ctx);
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

enum wire_role memcache_detect(const uint8_t *data, size_t captured, bool is_write)
{
	static const char *const replies[] = {
	    "VALUE ",	   "END\r",    "STORED\r",  "NOT_STORED\r", "DELETED\r",
	    "NOT_FOUND\r", "EXISTS\r", "TOUCHED\r", "EN\r",	    "HD",
	    "VA ",	   "NF\r",     "MN\r"};
	size_t word = 0;
	int idx, magic = mcbin_detect(data, captured);

	if (magic) /* binary: a request header from the client */
		return (magic == 0x80) == is_write ? WIRE_ROLE_CLIENT : WIRE_ROLE_SERVER;
	while (word < captured && word < 10 && data[word] >= 'a' && data[word] <= 'z')
		word++;
	if (word && word < captured && (data[word] == ' ' || data[word] == '\r') &&
	    memchr(data, '\n', captured) && (idx = command_index((const char *)data, word)) >= 0)
		return is_write ? WIRE_ROLE_CLIENT : WIRE_ROLE_SERVER;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		size_t len = strlen(replies[i]);

		if (captured >= len && !memcmp(data, replies[i], len) &&
		    memchr(data, '\n', captured))
			return is_write ? WIRE_ROLE_SERVER : WIRE_ROLE_CLIENT;
	}
	return WIRE_ROLE_NONE;
}
