/* See reqreport.h. */
#include "tools/reqreport.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/output.h"
#include "tools/predict_model.h"

static int by_count_desc(const void *a, const void *b, void *ctx)
{
	const struct reqreport *rr = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint64_t cx = rr->base[x].count, cy = rr->base[y].count;

	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(rr->sf->kinds[x], rr->sf->kinds[y]);
}

int reqreport_open(struct reqreport *rr, const char *path, const struct spanfile_opts *o,
		   enum out_format format, FILE *out)
{
	struct spanfile *sf;

	*rr = (struct reqreport){.path = path, .format = format, .out = out};
	if (spanfile_load(path, o, &sf))
		return -1;
	rr->sf = sf;
	if (!sf->nreqs) {
		log_error("%s holds no requests (root spans)", path);
		reqreport_close(rr);
		return -1;
	}
	rr->order = calloc(sf->nkinds, sizeof(*rr->order));
	rr->base = calloc(sf->nkinds, sizeof(*rr->base));
	if (!rr->order || !rr->base || predict_dists(sf, NULL, rr->base, &rr->base_all)) {
		log_error("out of memory");
		reqreport_close(rr);
		return -1;
	}
	rr->kind_width = 20;
	for (size_t k = 0; k < sf->nkinds; k++) {
		int len = (int)strlen(sf->kinds[k]);

		rr->order[k] = k;
		if (len > rr->kind_width)
			rr->kind_width = len < 48 ? len : 48;
	}
	qsort_r(rr->order, sf->nkinds, sizeof(*rr->order), by_count_desc, rr);
	return 0;
}

void reqreport_close(struct reqreport *rr)
{
	free(rr->order);
	free(rr->base);
	spanfile_free((struct spanfile *)rr->sf);
	*rr = (struct reqreport){0};
}

struct json_object *reqreport_ms(double ns)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", ns / 1e6);
	return json_object_new_double_s(ns / 1e6, buf);
}

struct json_object *reqreport_num(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", v);
	return json_object_new_double_s(v, buf);
}

/* Counters worth a line: non-zero, and not the requests --sample left out on
 * purpose (the sample line says so). */
static bool loss_shown(const struct sf_loss *l)
{
	return l->count && !strstr(l->what, "sampled_out");
}

static void losses_text(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;
	int shown = 0;

	for (size_t i = 0; i < sf->nlosses; i++) {
		const struct sf_loss *l = &sf->losses[i];

		if (!loss_shown(l))
			continue;
		fprintf(rr->out, "%s%s%s%s %" PRIu64,
			shown++ ? ", " : "losses: ", l->probe ? l->probe : "", l->probe ? " " : "",
			l->what, l->count);
	}
	fprintf(rr->out, "%s\n", shown ? "" : "losses: none recorded");
}

static const char *root_probes(const struct spanfile *sf, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sf->nprobes && used < len; i++)
		if (sf->probe_is_root[i])
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 sf->probes[i]);
	return buf;
}

static struct json_object *losses_json(const struct spanfile *sf)
{
	struct json_object *losses = json_object_new_array();

	for (size_t i = 0; i < sf->nlosses; i++) {
		const struct sf_loss *l = &sf->losses[i];
		struct json_object *o;

		if (!loss_shown(l))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "probe",
				       l->probe ? json_object_new_string(l->probe) : NULL);
		json_object_object_add(o, "what", json_object_new_string(l->what));
		json_object_object_add(o, "count", json_object_new_uint64(l->count));
		json_object_array_add(losses, o);
	}
	return losses;
}

void reqreport_summary(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;
	struct json_object *o;
	char roots[256];

	root_probes(sf, roots, sizeof(roots));
	if (rr->format == OUT_TEXT) {
		fprintf(rr->out, "%s: %zu requests (root %s), grouped by %s%s\n", rr->path,
			sf->nreqs, roots, sf->attr ? sf->attr : "root probe",
			sf->attr && !sf->query_kept ? " (query strings stripped)" : "");
		if (sf->sample && strcmp(sf->sample, "1"))
			fprintf(rr->out,
				"sampled: 1 of %s requests kept; counts are of kept requests\n",
				sf->sample);
		losses_text(rr);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("summary"));
	json_object_object_add(o, "file", json_object_new_string(rr->path));
	json_object_object_add(o, "requests", json_object_new_uint64(sf->nreqs));
	json_object_object_add(o, "roots", json_object_new_string(roots));
	json_object_object_add(o, "group_by", sf->attr ? json_object_new_string(sf->attr) : NULL);
	json_object_object_add(o, "query_strings",
			       json_object_new_string(sf->query_kept ? "kept" : "stripped"));
	json_object_object_add(o, "sample", sf->sample ? json_object_new_string(sf->sample) : NULL);
	json_object_object_add(o, "losses", losses_json(sf));
	out_json_line(rr->out, o);
}

void reqreport_dist_text(const struct reqreport *rr, const struct dist *d)
{
	fprintf(rr->out, " %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f", d->mean / 1e6, d->min / 1e6,
		d->p50 / 1e6, d->p90 / 1e6, d->p99 / 1e6, d->max / 1e6);
}

struct json_object *reqreport_dist_json(const struct dist *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_uint64(d->count));
	json_object_object_add(o, "mean_ms", reqreport_ms(d->mean));
	json_object_object_add(o, "min_ms", reqreport_ms(d->min));
	json_object_object_add(o, "p50_ms", reqreport_ms(d->p50));
	json_object_object_add(o, "p90_ms", reqreport_ms(d->p90));
	json_object_object_add(o, "p99_ms", reqreport_ms(d->p99));
	json_object_object_add(o, "max_ms", reqreport_ms(d->max));
	return o;
}

/* The child-by-peer entries of (kind k, probe p): [*first, return). */
static size_t child_peers_of(const struct spanfile *sf, size_t k, size_t p, size_t *first)
{
	size_t lo = 0, hi = sf->nchild_peers, end;

	while (lo < hi) { /* first entry not before (k, p) */
		size_t mid = (lo + hi) / 2;
		const struct sf_child_peer *c = &sf->child_peers[mid];

		if (c->kind < k || (c->kind == k && c->probe < p))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < sf->nchild_peers && sf->child_peers[end].kind == k &&
		       sf->child_peers[end].probe == p;
	     end++)
		;
	*first = lo;
	return end;
}

static struct json_object *child_peers_json(const struct reqreport *rr, size_t k, size_t p)
{
	const struct spanfile *sf = rr->sf;
	struct json_object *a = json_object_new_array();
	size_t i, end = child_peers_of(sf, k, p, &i);

	for (; i < end; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "peer",
				       json_object_new_string(sf->peers[sf->child_peers[i].peer]));
		json_object_object_add(
		    o, "calls_per_request",
		    reqreport_num((double)sf->child_peers[i].calls / (double)rr->base[k].count));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *children_json(const struct reqreport *rr, size_t k)
{
	const struct spanfile *sf = rr->sf;
	struct json_object *a = json_object_new_array();

	for (size_t p = 0; p < sf->nprobes; p++) {
		const struct sf_child *c = &sf->children[k * sf->nprobes + p];
		struct json_object *o;

		if (!c->calls)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "probe", json_object_new_string(sf->probes[p]));
		json_object_object_add(o, "calls_per_request",
				       reqreport_num((double)c->calls / (double)rr->base[k].count));
		json_object_object_add(o, "mean_ms", reqreport_ms(c->total_ns / (double)c->calls));
		json_object_object_add(o, "peers", child_peers_json(rr, k, p));
		json_object_array_add(a, o);
	}
	return a;
}

/* Sums of one kind's uses of one peer. */
struct peer_sum {
	uint64_t calls, round_trips, connects, bytes_out, bytes_in;
	double wait_ns;
};

static void sum_peers(const struct spanfile *sf, size_t k, struct peer_sum *s)
{
	memset(s, 0, sf->npeers * sizeof(*s));
	for (size_t i = 0; i < sf->nreqs; i++) {
		const struct sf_request *r = &sf->reqs[i];

		for (size_t j = 0; r->kind == k && j < r->nuses; j++) {
			const struct sf_use *u = &sf->uses[r->first_use + j];
			struct peer_sum *p = &s[u->peer];

			p->calls += u->calls;
			p->round_trips += u->round_trips;
			p->connects += u->connects;
			p->bytes_out += u->bytes_out;
			p->bytes_in += u->bytes_in;
			p->wait_ns += u->wait_ns;
		}
	}
}

static struct json_object *peer_json(const char *peer, const struct peer_sum *s, double n,
				     double total_ns)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "peer", json_object_new_string(peer));
	json_object_object_add(o, "calls_per_request", reqreport_num((double)s->calls / n));
	json_object_object_add(o, "round_trips_per_request",
			       reqreport_num((double)s->round_trips / n));
	json_object_object_add(o, "connects_per_request", reqreport_num((double)s->connects / n));
	json_object_object_add(o, "bytes_out_per_request", reqreport_num((double)s->bytes_out / n));
	json_object_object_add(o, "bytes_in_per_request", reqreport_num((double)s->bytes_in / n));
	json_object_object_add(o, "wait_ms_per_request", reqreport_ms(s->wait_ns / n));
	json_object_object_add(o, "time_share",
			       reqreport_num(total_ns > 0 ? s->wait_ns / total_ns : 0));
	return o;
}

static void kind_json(const struct reqreport *rr, size_t k, struct peer_sum *sums)
{
	const struct spanfile *sf = rr->sf;
	struct json_object *o = json_object_new_object(), *peers = json_object_new_array();
	double n = (double)rr->base[k].count, total = rr->base[k].mean * n;

	json_object_object_add(o, "type", json_object_new_string("kind"));
	json_object_object_add(o, "kind", json_object_new_string(sf->kinds[k]));
	json_object_object_add(o, "duration", reqreport_dist_json(&rr->base[k]));
	json_object_object_add(o, "children", children_json(rr, k));
	sum_peers(sf, k, sums);
	for (size_t p = 0; p < sf->npeers; p++)
		if (sums[p].calls || sums[p].connects)
			json_object_array_add(peers, peer_json(sf->peers[p], &sums[p], n, total));
	json_object_object_add(o, "peers", peers);
	out_json_line(rr->out, o);
}

void reqreport_durations(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;
	struct peer_sum *sums;

	if (rr->format == OUT_JSON) {
		/* one line per kind carries durations, children and peers */
		if (!(sums = calloc(sf->npeers + 1, sizeof(*sums))))
			return;
		for (size_t i = 0; i < sf->nkinds; i++)
			kind_json(rr, rr->order[i], sums);
		free(sums);
		return;
	}
	fprintf(rr->out, "\n%-*s %7s %10s %10s %10s %10s %10s %10s\n", rr->kind_width, "KIND",
		"COUNT", "MEAN_MS", "MIN_MS", "P50_MS", "P90_MS", "P99_MS", "MAX_MS");
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];

		fprintf(rr->out, "%-*s %7" PRIu64, rr->kind_width, sf->kinds[k], rr->base[k].count);
		reqreport_dist_text(rr, &rr->base[k]);
		fputc('\n', rr->out);
	}
	if (sf->nkinds > 1) {
		fprintf(rr->out, "%-*s %7" PRIu64, rr->kind_width, "(all)", rr->base_all.count);
		reqreport_dist_text(rr, &rr->base_all);
		fputc('\n', rr->out);
	}
}

/* Text: "127.0.0.1:11211 4.00, 127.0.0.1:3306 1.00" or "-". */
static void child_peers_text(const struct reqreport *rr, size_t k, size_t p)
{
	const struct spanfile *sf = rr->sf;
	size_t i, first, end = child_peers_of(sf, k, p, &first);

	for (i = first; i < end; i++)
		fprintf(rr->out, "%s%s %.2f", i > first ? ", " : "",
			sf->peers[sf->child_peers[i].peer],
			(double)sf->child_peers[i].calls / (double)rr->base[k].count);
	fputs(first == end ? "-\n" : "\n", rr->out);
}

void reqreport_children(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;

	if (rr->format == OUT_JSON)
		return; /* in the kind lines */
	fprintf(rr->out, "\nChild calls per request\n%-*s %-24s %10s %10s  %s\n", rr->kind_width,
		"KIND", "PROBE", "CALLS/REQ", "MEAN_MS", "BY PEER (CALLS/REQ)");
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];

		for (size_t p = 0; p < sf->nprobes; p++) {
			const struct sf_child *c = &sf->children[k * sf->nprobes + p];

			if (!c->calls)
				continue;
			fprintf(rr->out, "%-*s %-24s %10.2f %10.3f  ", rr->kind_width, sf->kinds[k],
				sf->probes[p], (double)c->calls / (double)rr->base[k].count,
				c->total_ns / (double)c->calls / 1e6);
			child_peers_text(rr, k, p);
		}
	}
}

void reqreport_peers(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;
	struct peer_sum *sums;

	if (rr->format == OUT_JSON || !(sums = calloc(sf->npeers + 1, sizeof(*sums))))
		return;
	fprintf(rr->out, "\nPeers per request\n%-*s %-24s %9s %7s %8s %9s %9s %10s %6s\n",
		rr->kind_width, "KIND", "PEER", "CALLS/REQ", "RT/REQ", "CONN/REQ", "OUT_B/REQ",
		"IN_B/REQ", "WAIT_MS", "SHARE");
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];
		double n = (double)rr->base[k].count, total = rr->base[k].mean * n;

		sum_peers(sf, k, sums);
		for (size_t p = 0; p < sf->npeers; p++) {
			const struct peer_sum *s = &sums[p];

			if (!s->calls && !s->connects)
				continue;
			fprintf(rr->out,
				"%-*s %-24s %9.2f %7.2f %8.2f %9.0f %9.0f %10.3f %5.1f%%\n",
				rr->kind_width, sf->kinds[k], sf->peers[p], (double)s->calls / n,
				(double)s->round_trips / n, (double)s->connects / n,
				(double)s->bytes_out / n, (double)s->bytes_in / n,
				s->wait_ns / n / 1e6, total > 0 ? 100 * s->wait_ns / total : 0);
		}
	}
	free(sums);
}
