/* libFuzzer target: the agent -> collector stream (`bpfscope net --export`
 * to `bpfscope collect`, network input). The input is cut into lines as the
 * collector cuts its buffer; each line goes through net_line_parse. A line
 * that parses must format back (net_format_*) into a line that parses to the
 * same values: what the collector stores is what the agent sent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/net_record.h"

static void same_rec(const struct net_rec *a, const struct net_rec *b)
{
	bool unknown = net_addr_is_zero(a->saddr) && net_addr_is_zero(a->daddr);

	if (a->boundary != b->boundary || a->proto != b->proto || a->sport != b->sport ||
	    a->dport != b->dport || a->seq != b->seq || a->len != b->len || a->hash != b->hash ||
	    a->ts != b->ts || a->ifindex != b->ifindex || a->pid != b->pid ||
	    memcmp(a->saddr, b->saddr, 16) || memcmp(a->daddr, b->daddr, 16) ||
	    (!unknown && a->family != b->family))
		abort();
}

static void roundtrip(int kind, const union net_line *l)
{
	char buf[600], err[128];
	union net_line again;
	int n;

	if (kind == NET_LINE_HELLO)
		n = net_format_hello(buf, sizeof(buf), &l->hello);
	else if (kind == NET_LINE_REC)
		n = net_format_rec(buf, sizeof(buf), &l->rec);
	else
		n = net_format_stats(buf, sizeof(buf), &l->stats);
	if (n <= 0 || (size_t)n >= sizeof(buf) || net_line_parse(buf, &again, err, sizeof(err)) != kind)
		abort();
	if (kind == NET_LINE_REC)
		same_rec(&l->rec, &again.rec);
	else if (kind == NET_LINE_STATS && memcmp(&l->stats, &again.stats, sizeof(l->stats)))
		abort();
	else if (kind == NET_LINE_HELLO &&
		 (strcmp(l->hello.host, again.hello.host) || strcmp(l->hello.clock, again.hello.clock) ||
		  l->hello.tai_offset_s != again.hello.tai_offset_s ||
		  l->hello.synced != again.hello.synced ||
		  l->hello.maxerror_us != again.hello.maxerror_us ||
		  l->hello.esterror_us != again.hello.esterror_us))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[160];
	size_t pos = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	while (pos < size) {
		char *line = text + pos, *nl = memchr(line, '\n', size - pos);
		union net_line l;
		int kind;

		if (nl)
			*nl = 0;
		kind = net_line_parse(line, &l, err, sizeof(err));
		if (kind < 0 && !memchr(err, 0, sizeof(err)))
			abort();
		if (kind >= 0)
			roundtrip(kind, &l);
		if (kind == NET_LINE_REC)
			net_rec_normalize(&l.rec);
		pos += strlen(line) + 1;
	}
	free(text);
	return 0;
}
