/* See net_record.h. */
#include "tools/net_record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 16

bool net_addr_is_zero(const uint8_t *addr)
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, 16);
}

void net_addr_str(char *buf, size_t len, uint8_t family, const uint8_t *addr)
{
	if (net_addr_is_zero(addr) || !inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, len))
		snprintf(buf, len, "-");
}

static void unmap_v4(uint8_t *addr)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!memcmp(addr, prefix, 12)) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
	}
}

void net_rec_normalize(struct net_rec *r)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (r->family != 6)
		return;
	if (memcmp(r->saddr, prefix, 12) && memcmp(r->daddr, prefix, 12))
		return;
	/* v4-mapped on either side (the other may be unknown, all zero) */
	unmap_v4(r->saddr);
	unmap_v4(r->daddr);
	r->family = 4;
}

int net_format_hello(char *buf, size_t len, const struct net_hello *h)
{
	return snprintf(buf, len, "H 1 %s %s %" PRId64 " %d %" PRId64 " %" PRId64 "\n", h->host,
			h->clock, h->tai_offset_s, h->synced, h->maxerror_us, h->esterror_us);
}

int net_format_rec(char *buf, size_t len, const struct net_rec *r)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	net_addr_str(s, sizeof(s), r->family, r->saddr);
	net_addr_str(d, sizeof(d), r->family, r->daddr);
	return snprintf(buf, len, "R %u %c %s %u %s %u %u %u %016" PRIx64 " %" PRIu64 " %u %u\n",
			r->boundary, r->proto == 6 ? 'T' : 'U', s, r->sport, d, r->dport, r->seq,
			r->len, r->hash, r->ts, r->ifindex, r->pid);
}

int net_format_stats(char *buf, size_t len, const struct net_stats *s)
{
	return snprintf(buf, len, "S %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			s->events, s->drops, s->errors, s->misses, s->uncovered);
}

/* Splits on single spaces; empty fields, tabs and control bytes fail. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;

	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -1;
	for (char *p = line;;) {
		char *sp = strchr(p, ' ');

		if (n == max || (sp == p) || !*p)
			return -1;
		tok[n++] = p;
		if (!sp)
			return n;
		*sp = 0;
		p = sp + 1;
	}
}

static int number(const char *s, uint64_t max, uint64_t *out, int base)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, base);
	return (errno || *end || *out > max) ? -1 : 0;
}

static int snumber(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || !*s || *end) ? -1 : 0;
}

static int addr(const char *s, uint8_t *family, uint8_t *out)
{
	uint8_t fam = strchr(s, ':') ? 6 : 4;

	memset(out, 0, 16);
	if (!strcmp(s, "-"))
		return 0;
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, s, out) != 1)
		return -1;
	if (*family && *family != fam)
		return -1;
	*family = fam;
	return 0;
}

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int parse_hello(char **t, int n, struct net_hello *h, char *err, size_t errlen)
{
	uint64_t synced;

	if (n != 8)
		return FAIL("hello: expected 8 fields, got %d", n);
	if (strcmp(t[1], "1"))
		return FAIL("hello: unsupported protocol version '%s'", t[1]);
	if (strlen(t[2]) >= sizeof(h->host) || strlen(t[3]) >= sizeof(h->clock))
		return FAIL("hello: host or clock name too long");
	snprintf(h->host, sizeof(h->host), "%s", t[2]);
	snprintf(h->clock, sizeof(h->clock), "%s", t[3]);
	if (strcmp(h->clock, "tai") && strcmp(h->clock, "monotonic+offset"))
		return FAIL("hello: unknown clock '%s'", t[3]);
	if (snumber(t[4], &h->tai_offset_s) || number(t[5], 1, &synced, 10) ||
	    snumber(t[6], &h->maxerror_us) || snumber(t[7], &h->esterror_us))
		return FAIL("hello: bad number");
	h->synced = synced;
	return NET_LINE_HELLO;
}

static int parse_rec(char **t, int n, struct net_rec *r, char *err, size_t errlen)
{
	uint64_t v[8];

	memset(r, 0, sizeof(*r));
	if (n != 13)
		return FAIL("record: expected 13 fields, got %d", n);
	if (number(t[1], 4, &v[0], 10) || v[0] < 1)
		return FAIL("record: boundary must be 1-4, got '%s'", t[1]);
	r->boundary = v[0];
	if (strcmp(t[2], "T") && strcmp(t[2], "U"))
		return FAIL("record: protocol must be T or U, got '%s'", t[2]);
	r->proto = t[2][0] == 'T' ? 6 : 17;
	if (addr(t[3], &r->family, r->saddr) || addr(t[5], &r->family, r->daddr))
		return FAIL("record: bad address '%s' or '%s'", t[3], t[5]);
	if (!r->family)
		r->family = 4;
	if (number(t[4], 65535, &v[1], 10) || number(t[6], 65535, &v[2], 10) ||
	    number(t[7], UINT32_MAX, &v[3], 10) || number(t[8], UINT32_MAX, &v[4], 10) ||
	    strlen(t[9]) != 16 || number(t[9], UINT64_MAX, &r->hash, 16) ||
	    number(t[10], UINT64_MAX, &r->ts, 10) || number(t[11], UINT32_MAX, &v[5], 10) ||
	    number(t[12], UINT32_MAX, &v[6], 10))
		return FAIL("record: bad number field");
	r->sport = v[1];
	r->dport = v[2];
	r->seq = v[3];
	r->len = v[4];
	r->ifindex = v[5];
	r->pid = v[6];
	if (!r->len)
		return FAIL("record: zero length");
	return NET_LINE_REC;
}

static int parse_stats(char **t, int n, struct net_stats *s, char *err, size_t errlen)
{
	/* 5 fields from agents before the uncovered count was added */
	if (n != 5 && n != 6)
		return FAIL("stats: expected 5 or 6 fields, got %d", n);
	s->uncovered = 0;
	if (number(t[1], UINT64_MAX, &s->events, 10) || number(t[2], UINT64_MAX, &s->drops, 10) ||
	    number(t[3], UINT64_MAX, &s->errors, 10) || number(t[4], UINT64_MAX, &s->misses, 10) ||
	    (n == 6 && number(t[5], UINT64_MAX, &s->uncovered, 10)))
		return FAIL("stats: bad number");
	return NET_LINE_STATS;
}

int net_line_parse(const char *line, union net_line *out, char *err, size_t errlen)
{
	char copy[512], *tok[MAX_TOKENS];
	size_t len = strlen(line);
	int n;

	if (len && line[len - 1] == '\n')
		len--;
	if (len >= sizeof(copy))
		return FAIL("line too long (%zu bytes)", len);
	memcpy(copy, line, len);
	copy[len] = 0;
	n = tokenize(copy, tok, MAX_TOKENS);
	if (n < 0)
		return FAIL("malformed line (empty field, control byte or too many fields)");
	if (strlen(tok[0]) != 1)
		return FAIL("unknown line type '%s'", tok[0]);
	switch (tok[0][0]) {
	case 'H': return parse_hello(tok, n, &out->hello, err, errlen);
	case 'R': return parse_rec(tok, n, &out->rec, err, errlen);
	case 'S': return parse_stats(tok, n, &out->stats, err, errlen);
	}
	return FAIL("unknown line type '%s'", tok[0]);
}
