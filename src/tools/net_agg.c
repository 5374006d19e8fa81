/* See net_agg.h. A flow of the kernel join is one (flow, segment) key:
 * host TX flows are labelled "host -> ?" and host RX flows "? -> host", as
 * the user-space join labels its send-side and receive-only messages, so
 * both joins print the same flows. Percentiles come from the log-linear
 * histogram (within 1/8 of the value), the mean from the exact sum. */
#include "tools/net_agg.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/net.h"
#include "core/evloop.h"
#include "core/hist.h"
#include "core/log.h"
#include "core/mapdrain.h"

struct agg_flow {
	struct net_flow_key key;
	uint64_t last_count, last_sum;
	struct net_second *secs;
	size_t nsecs, cap;
};

struct net_agg {
	int stats_fd, counts_fd;
	const struct net_join *names;
	const struct clocksync *clock;
	struct agg_flow *flows;
	size_t nflows, cap;
	struct net_slow *slow;
	size_t nslow, slowcap;
	uint64_t slow_lost; /* --slow records not kept (out of memory) */
};

/* One entry of the stats map (a snapshot). */
struct agg_entry {
	struct net_flow_key key;
	struct net_agg_stats st;
};

struct snapshot {
	struct agg_entry *e;
	size_t n, cap;
	bool short_of_memory;
};

struct net_agg *net_agg__new(int stats_fd, int counts_fd, const struct net_join *names,
			     const struct clocksync *clock)
{
	struct net_agg *a = calloc(1, sizeof(*a));

	if (a)
		*a = (struct net_agg){.stats_fd = stats_fd, .counts_fd = counts_fd,
				      .names = names, .clock = clock};
	return a;
}

static enum net_seg seg_of(const struct net_flow_key *k)
{
	return k->seg == NET_SEG_TX ? SEG_TX : SEG_RX;
}

/* TX flows first, then by key: the order of the report. */
static int key_cmp(const void *pa, const void *pb)
{
	const struct net_flow_key *x = pa, *y = pb;

	if (x->seg != y->seg)
		return x->seg - y->seg;
	return memcmp(x, y, sizeof(*x));
}

static void label_of(const struct net_agg *a, const struct net_flow_key *k, char *buf,
		     size_t len)
{
	struct net_msg m = {.proto = k->proto, .family = k->family, .sport = k->sport,
			    .dport = k->dport};

	m.have = k->seg == NET_SEG_TX ? (1 << NET_B_SEND | 1 << NET_B_EGRESS)
				      : (1 << NET_B_INGRESS | 1 << NET_B_RECV);
	memcpy(m.saddr, k->saddr, 16);
	memcpy(m.daddr, k->daddr, 16);
	net_msg_label(a->names, &m, buf, len);
}

int net_agg__on_slow(struct net_agg *a, const void *data, size_t size)
{
	if (size < sizeof(struct net_slow))
		return 0;
	if (a->nslow == a->slowcap) {
		size_t cap = a->slowcap ? a->slowcap * 2 : 64;
		struct net_slow *n = realloc(a->slow, cap * sizeof(*n));

		if (!n) {
			a->slow_lost++; /* the histograms still have it */
			return 0;
		}
		a->slow = n;
		a->slowcap = cap;
	}
	memcpy(&a->slow[a->nslow++], data, sizeof(struct net_slow));
	return 0;
}

/* The series state of flow k; a->flows stays sorted by key_cmp, so the
 * lookup is a binary search and the series print in report order. */
static struct agg_flow *flow_at(struct net_agg *a, const struct net_flow_key *k)
{
	size_t lo = 0, hi = a->nflows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(&a->flows[mid].key, k);

		if (!c)
			return &a->flows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (a->nflows == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct agg_flow *n = realloc(a->flows, cap * sizeof(*n));

		if (!n)
			return NULL;
		a->flows = n;
		a->cap = cap;
	}
	memmove(&a->flows[lo + 1], &a->flows[lo], (a->nflows - lo) * sizeof(*a->flows));
	a->flows[lo] = (struct agg_flow){.key = *k};
	a->nflows++;
	return &a->flows[lo];
}

static int add_second(struct agg_flow *f, uint64_t sec, uint64_t n, uint64_t sum)
{
	struct net_second *s = f->nsecs ? &f->secs[f->nsecs - 1] : NULL;

	if (s && s->sec == sec) { /* the sample at exit in the last sample's second */
		s->n += n;
		s->sum[seg_of(&f->key)] += (double)sum;
		s->cnt[seg_of(&f->key)] += n;
		return 0;
	}
	if (f->nsecs == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct net_second *secs = realloc(f->secs, cap * sizeof(*secs));

		if (!secs)
			return -ENOMEM;
		f->secs = secs;
		f->cap = cap;
	}
	s = &f->secs[f->nsecs++];
	*s = (struct net_second){.sec = sec, .n = n};
	s->sum[seg_of(&f->key)] = (double)sum;
	s->cnt[seg_of(&f->key)] = n;
	return 0;
}

static void snapshot_add(void *ctx, const void *key, const void *value)
{
	struct snapshot *snap = ctx;

	if (snap->n == snap->cap) {
		size_t cap = snap->cap ? snap->cap * 2 : 64;
		struct agg_entry *e = realloc(snap->e, cap * sizeof(*e));

		if (!e) {
			snap->short_of_memory = true;
			return;
		}
		snap->e = e;
		snap->cap = cap;
	}
	memcpy(&snap->e[snap->n].key, key, sizeof(struct net_flow_key));
	memcpy(&snap->e[snap->n].st, value, sizeof(struct net_agg_stats));
	snap->n++;
}

static int entry_cmp(const void *pa, const void *pb)
{
	return key_cmp(&((const struct agg_entry *)pa)->key, &((const struct agg_entry *)pb)->key);
}

/* Every flow's stats, sorted by key (TX flows first); -ENOMEM when some
 * could not be kept (said once by the caller). */
static int snapshot_read(const struct net_agg *a, struct snapshot *snap)
{
	int n = bpfmap_read(a->stats_fd, sizeof(struct net_flow_key), sizeof(struct net_agg_stats),
			    NET_AGG_FLOWS, snapshot_add, snap);

	if (snap->n)
		qsort(snap->e, snap->n, sizeof(*snap->e), entry_cmp);
	return n < 0 ? n : snap->short_of_memory ? -ENOMEM : 0;
}

int net_agg__sample(struct net_agg *a)
{
	struct snapshot snap = {0};
	struct timespec now;
	int err = snapshot_read(a, &snap);

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; !err && i < snap.n; i++) {
		const struct net_agg_stats *st = &snap.e[i].st;
		struct agg_flow *f = flow_at(a, &snap.e[i].key);

		if (!f) {
			err = -ENOMEM;
			break;
		}
		/* the first sample of a flow holds everything before it */
		if (st->count > f->last_count &&
		    (err = add_second(f, (uint64_t)now.tv_sec, st->count - f->last_count,
				      st->sum_ns - f->last_sum)))
			break;
		f->last_count = st->count;
		f->last_sum = st->sum_ns;
	}
	free(snap.e);
	if (err)
		log_error("--series: cannot read the kernel join's flows: %s", strerror(-err));
	return err;
}

/* A slot's interpolation can pass the largest latency seen: not above it. */
static double percentile_at_most(const struct hist_view *h, double p, uint64_t max_ns)
{
	double v = hist_percentile(h, p);

	return max_ns && v > (double)max_ns ? (double)max_ns : v;
}

static void flow_sum(const struct net_agg *a, const struct net_flow_key *k,
		     const struct net_agg_stats *st, struct net_flow_sum *sum)
{
	struct hist_view h = {HIST_LOGLIN, 0, 1, (const uint64_t *)st->slots, HIST_LOGLIN_SLOTS,
			      "nsecs"};
	enum net_seg g = seg_of(k);

	memset(sum, 0, sizeof(*sum));
	label_of(a, k, sum->label, sizeof(sum->label));
	sum->messages = sum->count[g] = st->count;
	sum->p50[g] = percentile_at_most(&h, 50, st->max_ns);
	sum->p90[g] = percentile_at_most(&h, 90, st->max_ns);
	sum->p99[g] = percentile_at_most(&h, 99, st->max_ns);
	sum->mean[g] = st->count ? (double)st->sum_ns / (double)st->count : 0;
	/* --hist: each slot's count at its middle, in log2 microseconds */
	for (unsigned i = 0; i < HIST_LOGLIN_SLOTS; i++) {
		uint64_t low, high;

		if (!st->slots[i])
			continue;
		hist_slot_range(&h, i, &low, &high);
		if (i == HIST_LOGLIN_SLOTS - 1)
			high = low;
		sum->log2_us[g][hist_log2_slot((low / 2 + high / 2) / 1000, HIST_SLOTS)] +=
		    st->slots[i];
	}
}

static void print_series(FILE *out, const struct net_agg *a, const struct net_report_opts *o)
{
	for (size_t i = 0; i < a->nflows; i++) {
		const struct agg_flow *f = &a->flows[i];
		bool present[SEG__N] = {0};
		char label[256];

		present[seg_of(&f->key)] = true;
		label_of(a, &f->key, label, sizeof(label));
		net_report_series_head(out, label, present, o);
		for (size_t s = 0; s < f->nsecs; s++)
			net_report_second(out, label, &f->secs[s], present, o);
	}
}

static int slow_cmp(const void *pa, const void *pb)
{
	const struct net_slow *x = pa, *y = pb;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static void print_slow(FILE *out, const struct net_agg *a, const struct net_report_opts *o)
{
	if (a->nslow)
		qsort(a->slow, a->nslow, sizeof(*a->slow), slow_cmp);
	for (size_t i = 0; i < a->nslow; i++) {
		const struct net_slow *s = &a->slow[i];
		int64_t seg[SEG__N] = {-1, -1, -1, -1, -1};
		char label[256];

		seg[seg_of(&s->flow)] = (int64_t)s->lat_ns;
		label_of(a, &s->flow, label, sizeof(label));
		net_report_slow(out, label, clocksync_to_wall(a->clock, s->ts_ns), s->len,
				(int64_t)s->lat_ns, seg, o);
	}
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void summary(FILE *out, const struct net_agg *a, const struct net_report_opts *o,
		    uint64_t ring_drops)
{
	struct net_summary s = {.ring_drops = ring_drops, .kernel_join = true};
	uint64_t c[NET_AGG__N];

	for (__u32 i = 0; i < NET_AGG__N; i++)
		c[i] = bpfmap_percpu_sum(a->counts_fd, i);
	for (int b = NET_B_SEND; b <= NET_B_RECV; b++)
		s.records[b] = c[b];
	s.sends = c[NET_B_SEND];
	s.tx = c[NET_AGG_TX];
	s.rx = c[NET_AGG_RX];
	s.messages = s.sends + s.rx;
	s.no_match[NET_B_EGRESS] = minus(s.sends, s.tx);
	s.orphans[NET_B_EGRESS] = minus(c[NET_AGG_UDP_EGRESS], c[NET_AGG_UDP_TX]);
	s.orphans[NET_B_INGRESS] = minus(c[NET_AGG_UDP_INGRESS], c[NET_AGG_UDP_RX]);
	s.orphans[NET_B_RECV] = minus(c[NET_B_RECV], s.rx);
	s.queue_full = c[NET_AGG_QUEUE_FULL];
	s.flows_full = c[NET_AGG_FLOWS_FULL];
	net_report_summary(out, &s, o);
}

void net_agg__print(FILE *out, struct net_agg *a, const struct net_report_opts *o,
		    uint64_t ring_drops)
{
	struct net_flow_sum sum;
	struct snapshot snap = {0};

	if (snapshot_read(a, &snap))
		log_warn("the kernel join's flows could not all be read: the flow tables are partial");
	for (size_t i = 0; i < snap.n; i++)
		if (snap.e[i].st.count) {
			flow_sum(a, &snap.e[i].key, &snap.e[i].st, &sum);
			net_report_flow(out, &sum, o);
		}
	free(snap.e);
	if (o->series) {
		net_agg__sample(a); /* the last partial second */
		print_series(out, a, o);
	}
	if (o->format == OUT_TEXT && o->slow_ns)
		fprintf(out, "\n");
	print_slow(out, a, o);
	summary(out, a, o, ring_drops);
	if (a->slow_lost)
		log_warn("%llu --slow messages not printed (out of memory)",
			 (unsigned long long)a->slow_lost);
	fflush(out);
}

void net_agg__free(struct net_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nflows; i++)
		free(a->flows[i].secs);
	free(a->flows);
	free(a->slow);
	free(a);
}
