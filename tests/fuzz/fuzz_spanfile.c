/* libFuzzer target: record files (`bpfscope report FILE`, `predict FILE`,
 * user input). The input is the SQLite file; spanfile_load must take it or
 * reject it with an error, never crash. A file that loads also goes through
 * what report and predict compute from it (duration summaries, peer
 * matching, ranking), and the loaded indices must stay inside their tables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/log.h"
#include "fuzz_memfile.h"
#include "tools/predict_model.h"
#include "tools/spanfile.h"

static void check(const struct spanfile *sf)
{
	for (size_t i = 0; i < sf->nreqs; i++) {
		const struct sf_request *r = &sf->reqs[i];

		if (r->kind >= sf->nkinds || r->first_use + r->nuses > sf->nuses)
			abort();
	}
	for (size_t i = 0; i < sf->nuses; i++)
		if (sf->uses[i].peer >= sf->npeers)
			abort();
	for (size_t i = 0; i < sf->nchild_peers; i++) {
		const struct sf_child_peer *c = &sf->child_peers[i];

		if (c->kind >= sf->nkinds || c->probe >= sf->nprobes || c->peer >= sf->npeers)
			abort();
	}
	for (size_t p = 0; p < sf->npeers; p++)
		if (spanfile_peer_index(sf, sf->peers[p]) != (long)p)
			abort();
}

static void model(const struct spanfile *sf)
{
	struct peer_add add;
	struct dist *kinds = calloc(sf->nkinds + 1, sizeof(*kinds)), all;
	double *add_ns = calloc(sf->npeers + 1, sizeof(*add_ns));
	struct peer_rank *rank;
	size_t nrank;

	if (!kinds || !add_ns || peer_add_parse("127.0.0.0/8=+2.5", &add))
		abort();
	predict_peer_adds(sf, &add, 1, add_ns, NULL);
	if (!predict_dists(sf, add_ns, kinds, &all) && all.count != sf->nreqs)
		abort();
	if (!predict_rank(sf, 1e6, &rank, &nrank))
		predict_rank_free(rank, nrank);
	free(add_ns);
	free(kinds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spanfile_opts opts = {.by = size & 2 ? "req->line" : NULL, .keep_query = size & 1};
	struct spanfile *sf;

	log_verbosity = -1; /* a bad file logs one error line per run */
	if (spanfile_load(memfile_put(data, size), &opts, &sf))
		return 0;
	check(sf);
	model(sf);
	spanfile_free(sf);
	return 0;
}
