/* The what-if model of `bpfscope predict` (docs/predict.md).
 *
 * A request waits for a peer once per round trip: it sends, then cannot go
 * on until the answer is back. If the network path to that peer gets D
 * slower, each such wait gets D longer, and nothing else changes. So the
 * predicted duration of a request is
 *
 *     duration + sum over peers p of (round_trips(p) + connects(p)) * D(p)
 *
 * with round trips counted by the recorder per request (a sequential get is
 * one, a multi-get or a pipelined batch of N commands is one, not N), and a
 * TCP connect as one more (the handshake waits for SYN-ACK). Limits: I/O a
 * request does in parallel on several sockets overlaps and is counted once
 * per socket (an over-estimate); client timeouts and retries, slow start on
 * new connections and server-side queueing under the slower peer are not
 * modelled. */
#ifndef BPFSCOPE_PREDICT_MODEL_H
#define BPFSCOPE_PREDICT_MODEL_H

#include <stddef.h>

#include "core/dist.h"
#include "core/netmatch.h"
#include "tools/spanfile.h"

struct peer_add {
	const char *spec; /* the PEER part as given */
	struct netmatch match;
	double add_ns; /* per round trip */
};

/* "PEER=+MS" or "PEER=MS" (MS >= 0, fractions allowed): 0, or -1 when
 * malformed (nothing printed). */
int peer_add_parse(const char *arg, struct peer_add *a);

/* add_ns[p] for every peer of sf: the first of adds that matches it, else 0;
 * taken_by[p] (may be NULL) the index of that add, or -1. */
void predict_peer_adds(const struct spanfile *sf, const struct peer_add *adds, size_t nadds,
		       double *add_ns, long *taken_by);

/* Waits for the peer of one use: round trips plus connects. */
double predict_use_waits(const struct sf_use *u);
/* The predicted duration of r (add_ns NULL: the recorded one). */
double predict_duration(const struct spanfile *sf, const struct sf_request *r,
			const double *add_ns);

/* Duration summaries per kind (kinds[sf->nkinds]) and over all requests,
 * recorded (add_ns NULL) or predicted. 0, or -1 when out of memory. */
int predict_dists(const struct spanfile *sf, const double *add_ns, struct dist *kinds,
		  struct dist *all);

/* What moving one peer alone (add_ns per round trip) costs. */
struct peer_rank {
	size_t peer;
	double waits_per_req;	    /* round trips + connects per request, all kinds */
	double mean_delta_ns;	    /* over all requests */
	double p90_delta_ns;	    /* over all requests */
	double *kind_mean_delta_ns; /* [nkinds] */
	double *kind_p90_delta_ns;  /* [nkinds] */
};

/* Every peer with at least one round trip, most costly first (mean, then
 * p90, then name). 0, or -1 when out of memory. */
int predict_rank(const struct spanfile *sf, double add_ns, struct peer_rank **out, size_t *n);
void predict_rank_free(struct peer_rank *r, size_t n);

#endif
