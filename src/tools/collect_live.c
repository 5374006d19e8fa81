/* collect -i SECONDS: periodic reports while agents stream.
 *
 * Each interval joins the records of a window (store__load_since) and
 * reports the messages *decided* since the last report:
 *   - complete: the chain went from a send to a receive, and started more
 *     than LIVE_SETTLE_NS ago (agents flush their streams every second: a
 *     relay's records of the same chain may still be on their way);
 *   - expired: it started more than --max-age ago: it is reported as it is
 *     (its missing boundaries show in the counts). A receive whose send has
 *     not arrived (yet) is only decided this way, so a chain whose sender's
 *     records come late is not reported twice.
 * Messages still waiting (younger than --max-age, no receive yet) are left
 * for a later interval. A message is named by its first record (host,
 * time, flow, sequence/hash, length); the keys of reported messages are
 * kept until the message falls before the window, so the overlapping
 * joins of successive intervals never report one twice. The window starts
 * max-age before the cut (the start of the undecided messages), so a
 * chain that started after the cut is joined whole, as long as it takes
 * less than --max-age. The report at exit is still the full join. */
#include "tools/collect_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "tools/net_join.h"

#define LIVE_SETTLE_NS 2000000000ull

uint64_t collect_live_key(const struct net_msg *m, uint64_t *start_ns)
{
	uint64_t start = UINT64_MAX, h = 0xcbf29ce484222325ull;
	uint64_t parts[6];

	for (int b = 1; b <= 4; b++)
		if (NET_HAVE(m, b) && m->t[b] < start)
			start = m->t[b];
	parts[0] = start;
	parts[1] = m->origin;
	parts[2] = m->seq;
	parts[3] = m->hash;
	parts[4] = (uint64_t)m->sport << 16 | m->dport;
	parts[5] = m->len;
	for (size_t i = 0; i < sizeof(parts); i++)
		h = (h ^ ((const uint8_t *)parts)[i]) * 0x100000001b3ull;
	*start_ns = start;
	return h;
}

static int by_key(const void *a, const void *b)
{
	const struct live_done *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static bool shown(const struct net_join *j, const struct net_msg *m, void *arg)
{
	struct collect_live *l = arg;

	(void)j;
	return l->show[m - l->msgs];
}

/* Keeps the keys of messages that may still be joined again. */
static void prune_done(struct collect_live *l)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->ndone; i++)
		if (l->done[i].start_ns >= l->cut_ns)
			l->done[kept++] = l->done[i];
	l->ndone = kept;
	if (kept) /* no NULL to qsort before the first report */
		qsort(l->done, l->ndone, sizeof(*l->done), by_key);
}

/* Marks the messages decided now; returns how many, < 0 out of memory. */
static long decide(struct collect_live *l, size_t n, uint64_t cut_new, uint64_t settled)
{
	size_t before = l->ndone;
	long count = 0;

	for (size_t i = 0; i < n; i++) {
		const struct net_msg *m = &l->msgs[i];
		struct live_done d;

		d.key = collect_live_key(m, &d.start_ns);
		bool complete = NET_HAVE(m, 1) && NET_HAVE(m, 4) && d.start_ns < settled;

		if (d.start_ns < l->cut_ns || (!complete && d.start_ns >= cut_new) ||
		    (before && bsearch(&d, l->done, before, sizeof(d), by_key)))
			continue;
		if (l->ndone == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 1024;
			struct live_done *p = realloc(l->done, cap * sizeof(*p));

			if (!p)
				return -1;
			l->done = p;
			l->cap = cap;
		}
		l->done[l->ndone++] = d;
		l->show[i] = 1;
		count++;
	}
	return count;
}

static void header(FILE *out, enum out_format format, uint64_t now_ns, long count)
{
	char when[64];

	clock_format_time(now_ns, when, sizeof(when));
	if (format == OUT_TEXT)
		fprintf(out, "\n=== %s: %ld messages decided in this interval ===\n", when, count);
	else
		fprintf(out, "{\"type\":\"interval\",\"time\":\"%s\",\"messages\":%ld}\n", when,
			count);
}

int collect_live_report(struct collect_live *l, struct store *st, struct net_report_opts o,
			uint64_t now_ns)
{
	struct net_join *j = net_join__new();
	uint64_t cut_new = now_ns > l->max_age_ns ? now_ns - l->max_age_ns : 0;
	uint64_t from = l->cut_ns > l->max_age_ns ? l->cut_ns - l->max_age_ns : 0;
	long count = -1;
	size_t n;

	if (!j || store__load_since(st, j, (int64_t)from) || net_join__run(j, 1))
		goto out;
	l->msgs = net_join__msgs(j, &n);
	if (!(l->show = calloc(n ? n : 1, 1)) || (count = decide(l, n, cut_new, now_ns - LIVE_SETTLE_NS)) < 0)
		goto out;
	header(stdout, o.format, now_ns, count);
	o.keep = shown;
	o.keep_arg = l;
	o.series = false; /* per second over a window that overlaps the last one */
	net_report_print(stdout, j, &o, 0);
	l->cut_ns = cut_new > l->cut_ns ? cut_new : l->cut_ns;
	prune_done(l);
out:
	if (count < 0)
		log_error("interval report: cannot join the records (out of memory or SQLite error)");
	free(l->show);
	l->show = NULL;
	net_join__free(j);
	return count < 0 ? -1 : 0;
}

void collect_live_free(struct collect_live *l)
{
	free(l->done);
	*l = (struct collect_live){0};
}
