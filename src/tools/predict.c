/* bpfscope predict FILE --add PEER=+MS ...: the request durations a record
 * file predicts if every round trip to the matching peers took MS longer
 * (the model: tools/predict_model.h, docs/predict.md), side by side with
 * the recorded ones per request kind, and the peers ranked by what moving
 * each one alone would cost. No BPF. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/log.h"
#include "core/output.h"
#include "tools/predict_model.h"
#include "tools/reqreport.h"

#define MAX_ADDS 32

static struct spanfile_opts load_opts;
static struct peer_add adds[MAX_ADDS];
static size_t nadds;
static double rank_ms = -1;

static int parse_add(const char *arg, void *dest)
{
	(void)dest;
	if (nadds == MAX_ADDS) {
		log_error("--add: at most %d", MAX_ADDS);
		return -1;
	}
	if (peer_add_parse(arg, &adds[nadds])) {
		log_error("--add: '%s' is not PEER=+MS (PEER: ADDR, ADDR:PORT or CIDR; MS >= 0)",
			  arg);
		return -1;
	}
	nadds++;
	return 0;
}

static const struct opt_def options[] = {
    {"add", 'a', OPT_CUSTOM, NULL, "PEER=+MS",
     "add MS milliseconds to every round trip to PEER (ADDR, ADDR:PORT, [V6]:PORT or CIDR;"
     " repeatable, the first match wins)",
     0, 0, parse_add},
    {"rank-ms", 0, OPT_DOUBLE, &rank_ms, "MS",
     "latency each peer gets alone in the ranking (default: the largest --add)", 0, 1e7},
    SPANFILE_OPTIONS(load_opts),
    {0},
};

static const struct cmd_spec spec = {
    .name = "predict",
    .summary = "predict request durations if peers get slower (e.g. after a move)",
    .args = "FILE --add PEER=+MS...",
    .details = "Each request's predicted duration is its recorded one plus, for each peer\n"
	       "matching an --add, MS times its round trips and connects to that peer\n"
	       "(a multi-get or pipelined batch is one round trip). See docs/predict.md\n"
	       "for the model and its limits.",
    .opts = options,
    .common = COMMON_OUTPUT,
    .max_args = 1,
};

/* Round trips + connects per request of kind k (all kinds: k < 0) to peers
 * with an added latency. */
static double affected_waits(const struct spanfile *sf, long k, const double *add_ns)
{
	double waits = 0, n = 0;

	for (size_t i = 0; i < sf->nreqs; i++) {
		const struct sf_request *r = &sf->reqs[i];

		if (k >= 0 && r->kind != (size_t)k)
			continue;
		n++;
		for (size_t j = 0; j < r->nuses; j++) {
			const struct sf_use *u = &sf->uses[r->first_use + j];

			if (add_ns[u->peer] > 0)
				waits += predict_use_waits(u);
		}
	}
	return n ? waits / n : 0;
}

/* Each --add with the recorded peers it took. */
static void print_matches(const struct reqreport *rr, const long *taken_by)
{
	const struct spanfile *sf = rr->sf;

	for (size_t i = 0; i < nadds; i++) {
		struct json_object *o = json_object_new_object(), *peers = json_object_new_array();
		int eq = (int)(strrchr(adds[i].spec, '=') - adds[i].spec);

		for (size_t p = 0; p < sf->npeers; p++)
			if (taken_by[p] == (long)i)
				json_object_array_add(peers, json_object_new_string(sf->peers[p]));
		if (rr->format == OUT_TEXT) {
			fprintf(rr->out, "--add %.*s=+%.3f ms per round trip: %s\n", eq,
				adds[i].spec, adds[i].add_ns / 1e6,
				json_object_array_length(peers)
				    ? json_object_to_json_string_ext(peers, JSON_C_TO_STRING_PLAIN)
				    : "matches no recorded peer");
			json_object_put(peers);
			json_object_put(o);
			continue;
		}
		json_object_object_add(o, "type", json_object_new_string("add"));
		json_object_object_add(o, "peer", json_object_new_string_len(adds[i].spec, eq));
		json_object_object_add(o, "add_ms", reqreport_ms(adds[i].add_ns));
		json_object_object_add(o, "matched", peers);
		out_json_line(rr->out, o);
	}
}

static const char all_kinds[] = "(all)"; /* compared by address */

static void prediction_json(const struct reqreport *rr, const char *kind, double waits,
			    const struct dist *before, const struct dist *after)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type",
			       json_object_new_string(kind == all_kinds ? "all" : "kind"));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "round_trips_per_request", reqreport_num(waits));
	json_object_object_add(o, "mean_delta_ms", reqreport_ms(after->mean - before->mean));
	json_object_object_add(o, "before", reqreport_dist_json(before));
	json_object_object_add(o, "after", reqreport_dist_json(after));
	out_json_line(rr->out, o);
}

/* Two rows: the recorded distribution, then the predicted one under it. */
static void prediction_text(const struct reqreport *rr, const char *kind, double waits,
			    const struct dist *before, const struct dist *after)
{
	fprintf(rr->out, "%-*s %7" PRIu64 " %7.2f %-6s", rr->kind_width, kind, before->count, waits,
		"before");
	reqreport_dist_text(rr, before);
	fprintf(rr->out, "\n%-*s %7s %7s %-6s", rr->kind_width, "", "", "", "after");
	reqreport_dist_text(rr, after);
	fputc('\n', rr->out);
}

static void print_prediction(const struct reqreport *rr, const double *add_ns,
			     const struct dist *after, const struct dist *after_all)
{
	const struct spanfile *sf = rr->sf;
	bool json = rr->format == OUT_JSON;

	if (!json)
		fprintf(rr->out, "\n%-*s %7s %7s %-6s %10s %10s %10s %10s %10s %10s\n",
			rr->kind_width, "KIND", "COUNT", "RT/REQ", "", "MEAN_MS", "MIN_MS",
			"P50_MS", "P90_MS", "P99_MS", "MAX_MS");
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];
		double waits = affected_waits(sf, (long)k, add_ns);

		(json ? prediction_json : prediction_text)(rr, sf->kinds[k], waits, &rr->base[k],
							   &after[k]);
	}
	if (json || sf->nkinds > 1)
		(json ? prediction_json : prediction_text)(
		    rr, all_kinds, affected_waits(sf, -1, add_ns), &rr->base_all, after_all);
}

static struct json_object *rank_json(const struct reqreport *rr, const struct peer_rank *r,
				     double add_ns)
{
	const struct spanfile *sf = rr->sf;
	struct json_object *o = json_object_new_object(), *kinds = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("rank"));
	json_object_object_add(o, "peer", json_object_new_string(sf->peers[r->peer]));
	json_object_object_add(o, "add_ms", reqreport_ms(add_ns));
	json_object_object_add(o, "round_trips_per_request", reqreport_num(r->waits_per_req));
	json_object_object_add(o, "mean_delta_ms", reqreport_ms(r->mean_delta_ns));
	json_object_object_add(o, "p90_delta_ms", reqreport_ms(r->p90_delta_ns));
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];
		struct json_object *kj = json_object_new_object();

		json_object_object_add(kj, "kind", json_object_new_string(sf->kinds[k]));
		json_object_object_add(kj, "mean_delta_ms", reqreport_ms(r->kind_mean_delta_ns[k]));
		json_object_object_add(kj, "p90_delta_ms", reqreport_ms(r->kind_p90_delta_ns[k]));
		json_object_array_add(kinds, kj);
	}
	json_object_object_add(o, "kinds", kinds);
	return o;
}

static void rank_text(const struct reqreport *rr, size_t place, const struct peer_rank *r)
{
	const struct spanfile *sf = rr->sf;

	fprintf(rr->out, "%4zu %-24s %7.2f %-*s %10.3f %10.3f\n", place, sf->peers[r->peer],
		r->waits_per_req, rr->kind_width, "(all)", r->mean_delta_ns / 1e6,
		r->p90_delta_ns / 1e6);
	for (size_t i = 0; i < sf->nkinds; i++) {
		size_t k = rr->order[i];

		if (r->kind_mean_delta_ns[k] != 0 || r->kind_p90_delta_ns[k] != 0)
			fprintf(rr->out, "%4s %-24s %7s %-*s %10.3f %10.3f\n", "", "", "",
				rr->kind_width, sf->kinds[k], r->kind_mean_delta_ns[k] / 1e6,
				r->kind_p90_delta_ns[k] / 1e6);
	}
}

static int print_ranking(const struct reqreport *rr, double add_ns)
{
	struct peer_rank *ranks;
	size_t n;

	if (predict_rank(rr->sf, add_ns, &ranks, &n))
		return -1;
	if (rr->format == OUT_TEXT)
		fprintf(rr->out,
			"\nPeers ranked by the cost of +%.3f ms per round trip, each moved alone\n"
			"%4s %-24s %7s %-*s %10s %10s\n",
			add_ns / 1e6, "RANK", "PEER", "RT/REQ", rr->kind_width, "KIND", "+MEAN_MS",
			"+P90_MS");
	for (size_t i = 0; i < n; i++) {
		if (rr->format == OUT_JSON)
			out_json_line(rr->out, rank_json(rr, &ranks[i], add_ns));
		else
			rank_text(rr, i + 1, &ranks[i]);
	}
	if (!n && rr->format == OUT_TEXT)
		fprintf(rr->out, "(no peer with round trips in this file)\n");
	predict_rank_free(ranks, n);
	return 0;
}

static int predict(const struct reqreport *rr)
{
	const struct spanfile *sf = rr->sf;
	double *add_ns = calloc(sf->npeers + 1, sizeof(*add_ns)), max_add = 0;
	long *taken_by = calloc(sf->npeers + 1, sizeof(*taken_by));
	struct dist *after = calloc(sf->nkinds + 1, sizeof(*after)), after_all;
	int err = -1;

	if (!add_ns || !after || !taken_by)
		goto out;
	predict_peer_adds(sf, adds, nadds, add_ns, taken_by);
	for (size_t i = 0; i < nadds; i++)
		max_add = adds[i].add_ns > max_add ? adds[i].add_ns : max_add;
	if (predict_dists(sf, add_ns, after, &after_all))
		goto out;
	print_matches(rr, taken_by);
	print_prediction(rr, add_ns, after, &after_all);
	err = print_ranking(rr, rank_ms >= 0 ? rank_ms * 1e6 : max_add);
out:
	if (err)
		log_error("out of memory");
	free(add_ns);
	free(after);
	free(taken_by);
	return err;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct reqreport rr;
	int err;

	if (argc != 1 || !nadds) {
		log_error(argc != 1 ? "needs the record FILE"
				    : "needs at least one --add PEER=+MS");
		return 2;
	}
	if (reqreport_open(&rr, argv[0], &load_opts, opts->format, stdout))
		return 1;
	reqreport_summary(&rr);
	err = predict(&rr);
	reqreport_close(&rr);
	return err ? 1 : 0;
}

static const struct command cmd_predict = {.spec = &spec, .run = run};
REGISTER_COMMAND(cmd_predict);
