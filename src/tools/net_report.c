/* See net_report.h. Percentiles are exact (sorted values), histograms are
 * the shared log2 rendering of core/hist. */
#include "tools/net_report.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "bpf/hist.h"
#include "core/clock.h"
#include "core/hist.h"
#include "core/output.h"

#define MAX_FLOWS 64

static const char *const seg_names[SEG__N] = {"app", "tx_host", "network", "relay", "rx_host"};

struct vals {
	int64_t *v;
	size_t n, cap;
};

struct flow {
	char label[256];
	const struct net_msg *first;
	struct vals seg[SEG__N];
	size_t nmsgs;
};

const char *net_seg_name(enum net_seg s)
{
	return seg_names[s];
}

int64_t net_seg_value(const struct net_msg *m, enum net_seg s)
{
	switch (s) {
	case SEG_APP: return net_msg_app(m);
	case SEG_TX: return net_msg_tx(m);
	case SEG_NET: return net_msg_net(m);
	case SEG_RELAY: return net_msg_relay(m);
	default: return net_msg_rx(m);
	}
}

void net_msg_label(const struct net_join *j, const struct net_msg *m, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int n;

	net_addr_str(s, sizeof(s), m->family, m->saddr);
	net_addr_str(d, sizeof(d), m->family, m->daddr);
	n = snprintf(buf, len, "%s %s%s%s:%u -> %s %s%s%s:%u %s",
		     NET_HAVE(m, 1) || NET_HAVE(m, 2) ? net_join__host_name(j, m->origin) : "?",
		     m->family == 6 ? "[" : "", s, m->family == 6 ? "]" : "", m->sport,
		     NET_HAVE(m, 3) ? net_join__host_name(j, m->final) : "?",
		     m->family == 6 ? "[" : "", d, m->family == 6 ? "]" : "", m->dport,
		     m->proto == 6 ? "tcp" : "udp");
	for (int h = 0; h < m->nhops && n > 0 && (size_t)n < len; h++)
		n += snprintf(buf + n, len - n, "%s%s", h ? "," : " via ",
			      net_join__host_name(j, m->hops[h].host));
}

static int push(struct vals *v, int64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		int64_t *n = realloc(v->v, cap * sizeof(*n));

		if (!n)
			return -1;
		v->v = n;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const struct vals *v, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(v->n - 1) + 0.5);

	return v->n ? (double)v->v[i < v->n ? i : v->n - 1] : 0;
}

static double mean(const struct vals *v)
{
	double sum = 0;

	for (size_t i = 0; i < v->n; i++)
		sum += (double)v->v[i];
	return v->n ? sum / (double)v->n : 0;
}

static bool kept(const struct net_join *j, const struct net_report_opts *o,
		 const struct net_msg *m)
{
	return !o->keep || o->keep(j, m, o->keep_arg);
}

/* Groups messages by label; returns the number of flows. */
static int group_flows(const struct net_join *j, struct flow *flows,
		       const struct net_report_opts *o)
{
	size_t n;
	const struct net_msg *msgs = net_join__msgs(j, &n);
	int nflows = 0;

	for (size_t i = 0; i < n; i++) {
		char label[256];
		int f;

		if (!kept(j, o, &msgs[i]))
			continue;
		net_msg_label(j, &msgs[i], label, sizeof(label));
		for (f = 0; f < nflows && strcmp(flows[f].label, label); f++)
			;
		if (f == nflows) {
			if (nflows == MAX_FLOWS)
				continue;
			snprintf(flows[f].label, sizeof(flows[f].label), "%s", label);
			flows[f].first = &msgs[i];
			nflows++;
		}
		flows[f].nmsgs++;
		for (int s = 0; s < SEG__N; s++) {
			int64_t v = net_seg_value(&msgs[i], s);

			if (v >= 0)
				push(&flows[f].seg[s], v);
		}
	}
	for (int f = 0; f < nflows; f++)
		for (int s = 0; s < SEG__N; s++)
			if (flows[f].seg[s].n)
				qsort(flows[f].seg[s].v, flows[f].seg[s].n, sizeof(int64_t),
				      cmp_i64);
	return nflows;
}

/* A flow's numbers from its sorted values. */
static void flow_sum(const struct flow *f, struct net_flow_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	snprintf(sum->label, sizeof(sum->label), "%s", f->label);
	sum->messages = f->nmsgs;
	for (int s = 0; s < SEG__N; s++) {
		const struct vals *v = &f->seg[s];
		struct hist_view h = {HIST_LOG2, 0, 1, sum->log2_us[s], HIST_SLOTS, "usecs"};

		sum->count[s] = v->n;
		sum->p50[s] = pct(v, 50);
		sum->p90[s] = pct(v, 90);
		sum->p99[s] = pct(v, 99);
		sum->mean[s] = mean(v);
		for (size_t i = 0; i < v->n; i++)
			hist_add(&h, sum->log2_us[s], (uint64_t)v->v[i] / 1000);
	}
}

static void flow_text(FILE *out, const struct net_flow_sum *f, const struct net_report_opts *o)
{
	fprintf(out, "\n%s: %" PRIu64 " messages\n", f->label, f->messages);
	fprintf(out, "  %-8s %8s %10s %10s %10s %10s\n", "segment", "count", "p50_us", "p90_us",
		"p99_us", "mean_us");
	for (int s = 0; s < SEG__N; s++)
		if (f->count[s])
			fprintf(out, "  %-8s %8" PRIu64 " %10.1f %10.1f %10.1f %10.1f\n",
				seg_names[s], f->count[s], f->p50[s] / 1e3, f->p90[s] / 1e3,
				f->p99[s] / 1e3, f->mean[s] / 1e3);
	for (int s = 0; o->histograms && s < SEG__N; s++) {
		struct hist_view h = {HIST_LOG2, 0, 1, f->log2_us[s], HIST_SLOTS, "usecs"};

		if (!f->count[s])
			continue;
		fprintf(out, "  %s:\n", seg_names[s]);
		hist_print(out, &h);
	}
}

static void flow_json(FILE *out, const struct net_flow_sum *f)
{
	struct json_object *obj = json_object_new_object(), *segs = json_object_new_object();

	json_object_object_add(obj, "type", json_object_new_string("flow"));
	json_object_object_add(obj, "flow", json_object_new_string(f->label));
	json_object_object_add(obj, "messages", json_object_new_uint64(f->messages));
	for (int s = 0; s < SEG__N; s++) {
		struct json_object *seg;

		if (!f->count[s])
			continue;
		seg = json_object_new_object();
		json_object_object_add(seg, "count", json_object_new_uint64(f->count[s]));
		json_object_object_add(seg, "p50_us", json_object_new_double(f->p50[s] / 1e3));
		json_object_object_add(seg, "p90_us", json_object_new_double(f->p90[s] / 1e3));
		json_object_object_add(seg, "p99_us", json_object_new_double(f->p99[s] / 1e3));
		json_object_object_add(seg, "mean_us", json_object_new_double(f->mean[s] / 1e3));
		json_object_object_add(segs, seg_names[s], seg);
	}
	json_object_object_add(obj, "segments", segs);
	out_json_line(out, obj);
}

void net_report_flow(FILE *out, const struct net_flow_sum *f, const struct net_report_opts *o)
{
	if (o->format == OUT_TEXT)
		flow_text(out, f, o);
	else
		flow_json(out, f);
}

static uint64_t msg_time(const struct net_msg *m)
{
	for (int b = 1; b <= 4; b++)
		if (NET_HAVE(m, b))
			return m->t[b];
	return 0;
}

void net_report_series_head(FILE *out, const char *label, const bool present[SEG__N],
			    const struct net_report_opts *o)
{
	if (o->format != OUT_TEXT)
		return;
	fprintf(out, "\n%s: per second (mean usecs)\n  %-8s %6s", label, "time", "msgs");
	for (int g = 0; g < SEG__N; g++)
		if (present[g])
			fprintf(out, " %10s", seg_names[g]);
	fputc('\n', out);
}

void net_report_second(FILE *out, const char *label, const struct net_second *s,
		       const bool present[SEG__N], const struct net_report_opts *o)
{
	struct json_object *obj;
	char when[32];

	if (!s->n)
		return;
	if (o->format == OUT_TEXT) {
		clock_format_time(s->sec * 1000000000ull, when, sizeof(when));
		fprintf(out, "  %.8s %6" PRIu64, when, s->n);
		for (int g = 0; g < SEG__N; g++)
			if (s->cnt[g])
				fprintf(out, " %10.1f", s->sum[g] / (double)s->cnt[g] / 1e3);
			else if (present[g])
				fprintf(out, " %10s", "-");
		fputc('\n', out);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "type", json_object_new_string("second"));
	json_object_object_add(obj, "flow", json_object_new_string(label));
	json_object_object_add(obj, "second", json_object_new_uint64(s->sec));
	json_object_object_add(obj, "messages", json_object_new_uint64(s->n));
	for (int g = 0; g < SEG__N; g++)
		if (s->cnt[g]) {
			char key[32];

			snprintf(key, sizeof(key), "%s_mean_us", seg_names[g]);
			json_object_object_add(
			    obj, key, json_object_new_double(s->sum[g] / (double)s->cnt[g] / 1e3));
		}
	out_json_line(out, obj);
}

/* Mean of each segment per wall-clock second, for one flow. */
static void series(FILE *out, const struct net_join *j, const struct flow *f,
		   const struct net_report_opts *o)
{
	size_t n;
	const struct net_msg *msgs = net_join__msgs(j, &n);
	struct net_second s = {0};
	bool present[SEG__N];
	char label[256];

	for (int g = 0; g < SEG__N; g++)
		present[g] = f->seg[g].n > 0;
	net_report_series_head(out, f->label, present, o);
	for (size_t i = 0; i < n; i++) {
		uint64_t sec = msg_time(&msgs[i]) / 1000000000ull;

		if (!kept(j, o, &msgs[i]))
			continue;
		net_msg_label(j, &msgs[i], label, sizeof(label));
		if (strcmp(label, f->label))
			continue;
		if (sec != s.sec) {
			net_report_second(out, f->label, &s, present, o);
			s = (struct net_second){.sec = sec};
		}
		s.n++;
		for (int g = 0; g < SEG__N; g++) {
			int64_t v = net_seg_value(&msgs[i], g);

			if (v >= 0) {
				s.sum[g] += (double)v;
				s.cnt[g]++;
			}
		}
	}
	net_report_second(out, f->label, &s, present, o);
}

void net_report_slow(FILE *out, const char *label, uint64_t t_ns, uint32_t len, int64_t total,
		     const int64_t seg[SEG__N], const struct net_report_opts *o)
{
	int worst = -1;
	char when[32];
	struct json_object *obj;

	for (int g = SEG_TX; g < SEG__N; g++)
		if (seg[g] >= 0 && (worst < 0 || seg[g] > seg[worst]))
			worst = g;
	if (o->format == OUT_TEXT) {
		clock_format_time(t_ns, when, sizeof(when));
		fprintf(out, "SLOW %s %s %u bytes %.1f us", when, label, len, (double)total / 1e3);
		for (int g = SEG_TX; g < SEG__N; g++)
			if (seg[g] >= 0)
				fprintf(out, " %s=%.1f", seg_names[g], (double)seg[g] / 1e3);
		fprintf(out, " (most in %s)\n", worst >= 0 ? seg_names[worst] : "?");
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "type", json_object_new_string("slow"));
	json_object_object_add(obj, "flow", json_object_new_string(label));
	json_object_object_add(obj, "time_ns", json_object_new_uint64(t_ns));
	json_object_object_add(obj, "bytes", json_object_new_uint64(len));
	json_object_object_add(obj, "total_us", json_object_new_double((double)total / 1e3));
	for (int g = SEG_TX; g < SEG__N; g++)
		if (seg[g] >= 0)
			json_object_object_add(obj, seg_names[g],
					       json_object_new_double((double)seg[g] / 1e3));
	json_object_object_add(obj, "most_in",
			       json_object_new_string(worst >= 0 ? seg_names[worst] : "?"));
	out_json_line(out, obj);
}

static void slow_line(FILE *out, const struct net_join *j, const struct net_msg *m,
		      const struct net_report_opts *o, int64_t total)
{
	int64_t seg[SEG__N];
	char label[256];

	for (int g = 0; g < SEG__N; g++)
		seg[g] = net_seg_value(m, g);
	net_msg_label(j, m, label, sizeof(label));
	net_report_slow(out, label, msg_time(m), m->len, total, seg, o);
}

static void slow_lines(FILE *out, const struct net_join *j, const struct net_report_opts *o)
{
	size_t n;
	const struct net_msg *msgs = net_join__msgs(j, &n);

	for (size_t i = 0; i < n && o->slow_ns; i++) {
		int64_t total = net_msg_app(&msgs[i]);

		if (!kept(j, o, &msgs[i]))
			continue;
		if (total < 0)
			total =
			    net_msg_tx(&msgs[i]) >= 0 ? net_msg_tx(&msgs[i]) : net_msg_rx(&msgs[i]);
		if (total >= 0 && (uint64_t)total > o->slow_ns)
			slow_line(out, j, &msgs[i], o, total);
	}
}

static void summary_text(FILE *out, const struct net_summary *s, const struct net_report_opts *o)
{
	fprintf(out,
		"\nrecords by boundary (send egress ingress recv): %" PRIu64 " %" PRIu64
		" %" PRIu64 " %" PRIu64 "\n",
		s->records[1], s->records[2], s->records[3], s->records[4]);
	fprintf(out,
		"no match found for (egress ingress recv): %" PRIu64 " %" PRIu64 " %" PRIu64
		"; unused records (egress ingress recv): %" PRIu64 " %" PRIu64 " %" PRIu64
		"\n",
		s->no_match[2], s->no_match[3], s->no_match[4], s->orphans[2],
		s->orphans[3], s->orphans[4]);
	fprintf(out,
		"messages: %" PRIu64 "; sends %" PRIu64 ": %" PRIu64
		" with egress (host TX), %" PRIu64 " reaching a receive"
		" on another host; %" PRIu64 " receives with ingress (host RX); ring-buffer "
		"drops %" PRIu64 "; uncovered datagrams %" PRIu64 "\n",
		s->messages, s->sends, s->tx, s->complete, s->rx, s->ring_drops,
		o->uncovered);
	if (s->kernel_join)
		fprintf(out,
			"joined in the kernel: sends not timed (flow queue full) %" PRIu64
			", latencies lost (flow table full) %" PRIu64 "\n",
			s->queue_full, s->flows_full);
	if (o->clock_note)
		fprintf(out, "%s\n", o->clock_note);
}

static void summary_json(FILE *out, const struct net_summary *s, const struct net_report_opts *o)
{
	struct json_object *obj = json_object_new_object(), *arr[3];

	json_object_object_add(obj, "type", json_object_new_string("summary"));
	for (int a = 0; a < 3; a++)
		arr[a] = json_object_new_array();
	for (int b = 1; b <= 4; b++) {
		json_object_array_add(arr[0], json_object_new_uint64(s->records[b]));
		json_object_array_add(arr[1], json_object_new_uint64(s->no_match[b]));
		json_object_array_add(arr[2], json_object_new_uint64(s->orphans[b]));
	}
	json_object_object_add(obj, "records", arr[0]);
	json_object_object_add(obj, "no_match", arr[1]);
	json_object_object_add(obj, "unused", arr[2]);
	json_object_object_add(obj, "messages", json_object_new_uint64(s->messages));
	json_object_object_add(obj, "sends", json_object_new_uint64(s->sends));
	json_object_object_add(obj, "sends_received", json_object_new_uint64(s->complete));
	json_object_object_add(obj, "tx_matched", json_object_new_uint64(s->tx));
	json_object_object_add(obj, "rx_matched", json_object_new_uint64(s->rx));
	json_object_object_add(obj, "ring_drops", json_object_new_uint64(s->ring_drops));
	json_object_object_add(obj, "uncovered", json_object_new_uint64(o->uncovered));
	if (s->kernel_join) {
		json_object_object_add(obj, "join", json_object_new_string("kernel"));
		json_object_object_add(obj, "queue_full", json_object_new_uint64(s->queue_full));
		json_object_object_add(obj, "flows_full", json_object_new_uint64(s->flows_full));
	}
	if (o->clock_note)
		json_object_object_add(obj, "clock", json_object_new_string(o->clock_note));
	out_json_line(out, obj);
}

void net_report_summary(FILE *out, const struct net_summary *s, const struct net_report_opts *o)
{
	if (o->format == OUT_TEXT)
		summary_text(out, s, o);
	else
		summary_json(out, s, o);
}

static void summary(FILE *out, const struct net_join *j, const struct net_report_opts *o,
		    uint64_t ring_drops)
{
	const struct net_join_counts *c = net_join__counts(j);
	struct net_summary s = {.ring_drops = ring_drops};
	size_t n;
	const struct net_msg *msgs = net_join__msgs(j, &n);

	memcpy(s.records, c->records, sizeof(s.records));
	memcpy(s.no_match, c->no_match, sizeof(s.no_match));
	memcpy(s.orphans, c->orphans, sizeof(s.orphans));
	for (size_t i = 0; i < n; i++) {
		if (!kept(j, o, &msgs[i]))
			continue;
		s.messages++;
		s.sends += NET_HAVE(&msgs[i], 1);
		s.complete += NET_HAVE(&msgs[i], 1) && NET_HAVE(&msgs[i], 4);
		s.tx += NET_HAVE(&msgs[i], 1) && NET_HAVE(&msgs[i], 2);
		s.rx += NET_HAVE(&msgs[i], 3) && NET_HAVE(&msgs[i], 4);
	}
	net_report_summary(out, &s, o);
}

void net_report_print(FILE *out, const struct net_join *j, const struct net_report_opts *o,
		      const uint64_t ring_drops)
{
	struct flow *flows = calloc(MAX_FLOWS, sizeof(*flows));
	int nflows;

	if (!flows)
		return;
	nflows = group_flows(j, flows, o);
	for (int f = 0; f < nflows; f++) {
		struct net_flow_sum *sum = malloc(sizeof(*sum));

		if (!sum)
			break;
		flow_sum(&flows[f], sum);
		net_report_flow(out, sum, o);
		free(sum);
	}
	for (int f = 0; o->series && f < nflows; f++)
		series(out, j, &flows[f], o);
	if (o->format == OUT_TEXT && o->slow_ns)
		fprintf(out, "\n");
	slow_lines(out, j, o);
	summary(out, j, o, ring_drops);
	for (int f = 0; f < nflows; f++)
		for (int s = 0; s < SEG__N; s++)
			free(flows[f].seg[s].v);
	free(flows);
	fflush(out);
}
