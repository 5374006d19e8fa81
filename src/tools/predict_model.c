/* See predict_model.h. */
#include "tools/predict_model.h"

#include <stdlib.h>
#include <string.h>

#include "core/options.h"

int peer_add_parse(const char *arg, struct peer_add *a)
{
	const char *eq = strrchr(arg, '=');
	char peer[96];
	double ms;

	memset(a, 0, sizeof(*a));
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(peer))
		return -1;
	snprintf(peer, sizeof(peer), "%.*s", (int)(eq - arg), arg);
	if (netmatch_parse(peer, &a->match))
		return -1;
	if (parse_double(eq[1] == '+' ? eq + 2 : eq + 1, 0, 1e7, &ms) || ms < 0)
		return -1;
	a->spec = arg;
	a->add_ns = ms * 1e6;
	return 0;
}

void predict_peer_adds(const struct spanfile *sf, const struct peer_add *adds, size_t nadds,
		       double *add_ns, long *taken_by)
{
	for (size_t p = 0; p < sf->npeers; p++) {
		size_t i = 0;

		while (i < nadds && !netmatch_peer(&adds[i].match, sf->peers[p]))
			i++;
		add_ns[p] = i < nadds ? adds[i].add_ns : 0;
		if (taken_by)
			taken_by[p] = i < nadds ? (long)i : -1;
	}
}

double predict_use_waits(const struct sf_use *u)
{
	return (double)(u->round_trips + u->connects);
}

double predict_duration(const struct spanfile *sf, const struct sf_request *r, const double *add_ns)
{
	double d = r->duration_ns;

	for (size_t i = 0; add_ns && i < r->nuses; i++) {
		const struct sf_use *u = &sf->uses[r->first_use + i];

		d += predict_use_waits(u) * add_ns[u->peer];
	}
	return d;
}

int predict_dists(const struct spanfile *sf, const double *add_ns, struct dist *kinds,
		  struct dist *all)
{
	size_t *start = calloc(sf->nkinds + 1, sizeof(*start));
	double *by_kind = malloc((sf->nreqs + 1) * sizeof(*by_kind));
	double *flat = malloc((sf->nreqs + 1) * sizeof(*flat));
	int err = -1;

	if (!start || !by_kind || !flat)
		goto out;
	/* counting sort by kind: start[k] is where kind k's values begin */
	for (size_t i = 0; i < sf->nreqs; i++)
		start[sf->reqs[i].kind + 1]++;
	for (size_t k = 0; k < sf->nkinds; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < sf->nreqs; i++) {
		const struct sf_request *r = &sf->reqs[i];

		flat[i] = predict_duration(sf, r, add_ns);
		by_kind[start[r->kind]++] = flat[i];
	}
	for (size_t k = sf->nkinds; k > 0; k--) /* start[k] now ends kind k */
		start[k] = start[k - 1];
	start[0] = 0;
	for (size_t k = 0; k < sf->nkinds; k++)
		dist_compute(by_kind + start[k], start[k + 1] - start[k], &kinds[k]);
	dist_compute(flat, sf->nreqs, all);
	err = 0;
out:
	free(start);
	free(by_kind);
	free(flat);
	return err;
}

static int rank_cmp(const void *a, const void *b)
{
	const struct peer_rank *x = a, *y = b;

	if (x->mean_delta_ns != y->mean_delta_ns)
		return x->mean_delta_ns < y->mean_delta_ns ? 1 : -1;
	if (x->p90_delta_ns != y->p90_delta_ns)
		return x->p90_delta_ns < y->p90_delta_ns ? 1 : -1;
	return (x->peer > y->peer) - (x->peer < y->peer);
}

/* Fills r for peer p moved alone; base* are the recorded summaries. */
static int rank_one(const struct spanfile *sf, size_t p, double add_ns, const struct dist *base,
		    const struct dist *base_all, struct dist *tmp, double *only,
		    struct peer_rank *r)
{
	struct dist all;

	r->peer = p;
	r->kind_mean_delta_ns = calloc(sf->nkinds + 1, sizeof(double));
	r->kind_p90_delta_ns = calloc(sf->nkinds + 1, sizeof(double));
	if (!r->kind_mean_delta_ns || !r->kind_p90_delta_ns)
		return -1;
	only[p] = add_ns;
	if (predict_dists(sf, only, tmp, &all))
		return -1;
	only[p] = 0;
	for (size_t k = 0; k < sf->nkinds; k++) {
		r->kind_mean_delta_ns[k] = tmp[k].mean - base[k].mean;
		r->kind_p90_delta_ns[k] = tmp[k].p90 - base[k].p90;
	}
	r->mean_delta_ns = all.mean - base_all->mean;
	r->p90_delta_ns = all.p90 - base_all->p90;
	return 0;
}

/* Round trips + connects per peer over all requests. */
static double *waits_per_peer(const struct spanfile *sf)
{
	double *w = calloc(sf->npeers + 1, sizeof(*w));

	for (size_t i = 0; w && i < sf->nuses; i++)
		w[sf->uses[i].peer] += predict_use_waits(&sf->uses[i]);
	return w;
}

int predict_rank(const struct spanfile *sf, double add_ns, struct peer_rank **out, size_t *n)
{
	struct dist *base = calloc(sf->nkinds + 1, sizeof(*base));
	struct dist *tmp = calloc(sf->nkinds + 1, sizeof(*tmp));
	double *only = calloc(sf->npeers + 1, sizeof(*only)), *waits = waits_per_peer(sf);
	struct peer_rank *ranks = calloc(sf->npeers + 1, sizeof(*ranks));
	struct dist base_all;
	size_t nr = 0;
	int err = -1;

	if (!base || !tmp || !only || !waits || !ranks || predict_dists(sf, NULL, base, &base_all))
		goto out;
	for (size_t p = 0; p < sf->npeers; p++) {
		if (waits[p] == 0)
			continue;
		ranks[nr].waits_per_req = sf->nreqs ? waits[p] / (double)sf->nreqs : 0;
		if (rank_one(sf, p, add_ns, base, &base_all, tmp, only, &ranks[nr++]))
			goto out;
	}
	qsort(ranks, nr, sizeof(*ranks), rank_cmp);
	err = 0;
out:
	if (err) {
		predict_rank_free(ranks, nr);
		ranks = NULL;
		nr = 0;
	}
	*out = ranks;
	*n = nr;
	free(base);
	free(tmp);
	free(only);
	free(waits);
	return err;
}

void predict_rank_free(struct peer_rank *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].kind_mean_delta_ns);
		free(r[i].kind_p90_delta_ns);
	}
	free(r);
}
