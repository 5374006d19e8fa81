/* See spanfile.h. Every query runs through query_rows(), which reports the
 * first SQLite error as the one error line. */
#include "tools/spanfile.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define SCHEMA_VERSION "1"

struct loader {
	sqlite3 *db;
	const char *path;
	const struct spanfile_opts *opts;
	struct spanfile *sf;
	size_t cap_reqs, cap_uses, cap_kinds, cap_peers, cap_child_peers;
	char version[32];	/* meta schema_version */
	struct sf_request *cur; /* request whose uses are being filled */
};

typedef int (*row_fn)(struct loader *l, sqlite3_stmt *st);

/* buf (capacity *cap elements of size) with room for need; NULL when out of
 * memory (buf is then unchanged). */
static void *grow_buf(void *buf, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return buf;
	while (ncap < need)
		ncap *= 2;
	n = realloc(buf, ncap * size);
	if (n)
		*cap = ncap;
	return n;
}

/* 0 when arr has room for need elements, -1 when out of memory. */
#define grow(arr, cap, need)                                                                       \
	({                                                                                         \
		__typeof__(arr) grown_ = grow_buf((arr), (cap), (need), sizeof(*(arr)));           \
		grown_ ? ((arr) = grown_, 0) : -1;                                                 \
	})

static char *col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? strdup((const char *)s) : NULL;
}

/* For NOT NULL text columns: a file that has NULL there anyway (not written
 * by bpfscope) reads as "", not as out of memory. */
static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? (const char *)s : "";
}

static char *col_strdup_text(sqlite3_stmt *st, int col)
{
	return strdup(col_text(st, col));
}

/* Runs sql with ?1 bound to bind1 (NULL binds NULL), fn on every row. */
static int query_rows(struct loader *l, const char *sql, const char *bind1, row_fn fn)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("%s: not a readable record file (%s)", l->path, sqlite3_errmsg(l->db));
		return -1;
	}
	if (bind1)
		sqlite3_bind_text(st, 1, bind1, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(l, st)) {
			sqlite3_finalize(st);
			log_error("%s: out of memory", l->path);
			return -1;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_error("%s: %s", l->path, sqlite3_errmsg(l->db));
		return -1;
	}
	return 0;
}

char *spanfile_kind_of(const char *value, bool keep_query)
{
	const char *slash = strchr(value, '/'), *q = strchr(value, '?'), *rest;
	char *kind;

	if (keep_query || !slash || !q || q < slash)
		return strdup(value);
	rest = q + strcspn(q, " \t#");
	if (*rest == '#')
		rest += strcspn(rest, " \t");
	kind = malloc((size_t)(q - value) + strlen(rest) + 1);
	if (kind)
		sprintf(kind, "%.*s%s", (int)(q - value), value, rest);
	return kind;
}

/* SQL bpfscope_kind(value, fallback): the kind of a root. */
static void sql_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct spanfile_opts *o = sqlite3_user_data(ctx);
	const unsigned char *v = sqlite3_value_text(argv[0]);
	char *kind;

	(void)argc;
	if (!v) {
		sqlite3_result_value(ctx, argv[1]);
		return;
	}
	kind = spanfile_kind_of((const char *)v, o->keep_query);
	if (!kind) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, kind, -1, free);
}

static int meta_row(struct loader *l, sqlite3_stmt *st)
{
	const char *key = (const char *)sqlite3_column_text(st, 0);
	const char *value = (const char *)sqlite3_column_text(st, 1);

	if (key && !strcmp(key, "schema_version"))
		snprintf(l->version, sizeof(l->version), "%s", value ? value : "?");
	if (key && !strcmp(key, "sample") && value && !(l->sf->sample = strdup(value)))
		return -1;
	return 0;
}

static int check_meta(struct loader *l)
{
	if (query_rows(l, "SELECT key, value FROM meta", NULL, meta_row))
		return -1;
	if (strcmp(l->version, SCHEMA_VERSION)) {
		log_error("%s: record schema version '%s', this bpfscope reads version %s", l->path,
			  l->version, SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int probe_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;
	size_t n = sf->nprobes, cap = n;
	char *name = col_strdup_text(st, 1);
	const unsigned char *role = sqlite3_column_text(st, 2);

	/* the three arrays grow together, one row at a time (few probes) */
	if (!name || grow(sf->probes, &cap, n + 1) || (cap = n, grow(sf->probe_ids, &cap, n + 1)) ||
	    (cap = n, grow(sf->probe_is_root, &cap, n + 1))) {
		free(name);
		return -1;
	}
	sf->probes[n] = name;
	sf->probe_ids[n] = sqlite3_column_int64(st, 0);
	sf->probe_is_root[n] = role && !strcmp((const char *)role, "root");
	sf->nprobes++;
	return 0;
}

static int attr_row(struct loader *l, sqlite3_stmt *st)
{
	return (l->sf->attr = col_strdup_text(st, 0)) ? 0 : -1;
}

/* --by must name an attribute some root has; without --by the first one. */
static int choose_attr(struct loader *l)
{
	static const char first[] =
	    "SELECT a.name FROM span_attrs a JOIN spans s ON s.id = a.span_id"
	    " WHERE s.parent_id IS NULL ORDER BY a.rowid LIMIT 1";
	static const char named[] =
	    "SELECT a.name FROM span_attrs a JOIN spans s ON s.id = a.span_id"
	    " WHERE s.parent_id IS NULL AND a.name = ?1 LIMIT 1";

	if (query_rows(l, l->opts->by ? named : first, l->opts->by, attr_row))
		return -1;
	if (l->opts->by && !l->sf->attr) {
		log_error("%s: no request (root span) has the attribute '%s'", l->path,
			  l->opts->by);
		return -1;
	}
	return 0;
}

static int root_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	struct sf_request *r;

	if (!kind)
		kind = "(none)";
	if (!sf->nkinds || strcmp(sf->kinds[sf->nkinds - 1], kind)) {
		if (grow(sf->kinds, &l->cap_kinds, sf->nkinds + 1) ||
		    !(sf->kinds[sf->nkinds] = strdup(kind)))
			return -1;
		sf->nkinds++;
	}
	if (grow(sf->reqs, &l->cap_reqs, sf->nreqs + 1))
		return -1;
	r = &sf->reqs[sf->nreqs++];
	memset(r, 0, sizeof(*r));
	r->span_id = sqlite3_column_int64(st, 0);
	r->duration_ns = (double)sqlite3_column_int64(st, 1);
	r->kind = (uint32_t)(sf->nkinds - 1);
	return 0;
}

static int by_span_id(const void *a, const void *b)
{
	int64_t x = ((const struct sf_request *)a)->span_id;
	int64_t y = ((const struct sf_request *)b)->span_id;

	return (x > y) - (x < y);
}

static int load_roots(struct loader *l)
{
	static const char sql[] =
	    "SELECT s.id, s.duration_ns, bpfscope_kind((SELECT a.value FROM span_attrs a"
	    " WHERE a.span_id = s.id AND a.name = ?1 ORDER BY a.rowid LIMIT 1),"
	    " CASE WHEN ?1 IS NULL THEN p.name ELSE '(none)' END) AS k"
	    " FROM spans s JOIN probes p ON p.id = s.probe_id WHERE s.parent_id IS NULL"
	    " ORDER BY k, s.id";

	if (sqlite3_create_function(l->db, "bpfscope_kind", 2, SQLITE_UTF8, (void *)l->opts,
				    sql_kind, NULL, NULL) != SQLITE_OK ||
	    query_rows(l, sql, l->sf->attr, root_row))
		return -1;
	if (l->sf->nreqs)
		qsort(l->sf->reqs, l->sf->nreqs, sizeof(*l->sf->reqs), by_span_id);
	return 0;
}

static struct sf_request *find_request(const struct spanfile *sf, int64_t span_id)
{
	struct sf_request key = {.span_id = span_id};

	return sf->nreqs ? bsearch(&key, sf->reqs, sf->nreqs, sizeof(key), by_span_id) : NULL;
}

static long probe_index(const struct spanfile *sf, int64_t id)
{
	for (size_t i = 0; i < sf->nprobes; i++)
		if (sf->probe_ids[i] == id)
			return (long)i;
	return -1;
}

static int child_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;
	struct sf_request *r = find_request(sf, sqlite3_column_int64(st, 0));
	long p = probe_index(sf, sqlite3_column_int64(st, 1));
	struct sf_child *c;

	if (!r || p < 0) /* a child of a root not in the file: ignored */
		return 0;
	c = &sf->children[r->kind * sf->nprobes + (size_t)p];
	c->calls += (uint64_t)sqlite3_column_int64(st, 2);
	c->total_ns += sqlite3_column_double(st, 3);
	return 0;
}

static int load_children(struct loader *l)
{
	struct spanfile *sf = l->sf;

	sf->children = calloc(sf->nkinds * sf->nprobes + 1, sizeof(*sf->children));
	if (!sf->children)
		return -1;
	return query_rows(l,
			  "SELECT root_id, probe_id, COUNT(*), SUM(duration_ns) FROM spans"
			  " WHERE parent_id IS NOT NULL GROUP BY root_id, probe_id",
			  NULL, child_row);
}

static int peer_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;

	if (grow(sf->peers, &l->cap_peers, sf->npeers + 1) ||
	    !(sf->peers[sf->npeers] = col_strdup_text(st, 0)))
		return -1;
	sf->npeers++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long spanfile_peer_index(const struct spanfile *sf, const char *peer)
{
	char *const *hit;

	if (!peer || !sf->npeers)
		return -1;
	hit = bsearch(&peer, sf->peers, sf->npeers, sizeof(*sf->peers), cmp_str);

	return hit ? hit - sf->peers : -1;
}

/* SQL sorts and deduplicates the peers already, but a file not written by
 * bpfscope may hold non-text peers (which sort differently) or NULL (read
 * as ""): the lookups need them sorted as strcmp sorts, once each. */
static void sort_peers(struct spanfile *sf)
{
	size_t n = 0;

	if (!sf->npeers)
		return;
	qsort(sf->peers, sf->npeers, sizeof(*sf->peers), cmp_str);
	for (size_t i = 0; i < sf->npeers; i++) {
		if (n && !strcmp(sf->peers[n - 1], sf->peers[i]))
			free(sf->peers[i]);
		else
			sf->peers[n++] = sf->peers[i];
	}
	sf->npeers = n;
}

/* The use of peer p in request r; uses of one request are contiguous. */
static struct sf_use *use_of(struct loader *l, struct sf_request *r, uint32_t p)
{
	struct spanfile *sf = l->sf;
	struct sf_use *u;

	if (l->cur != r) {
		l->cur = r;
		r->first_use = sf->nuses;
	}
	for (size_t i = 0; i < r->nuses; i++)
		if (sf->uses[r->first_use + i].peer == p)
			return &sf->uses[r->first_use + i];
	if (grow(sf->uses, &l->cap_uses, sf->nuses + 1))
		return NULL;
	u = &sf->uses[sf->nuses++];
	memset(u, 0, sizeof(*u));
	u->peer = p;
	r->nuses++;
	return u;
}

static int use_row(struct loader *l, sqlite3_stmt *st)
{
	struct sf_request *r = find_request(l->sf, sqlite3_column_int64(st, 0));
	long p = spanfile_peer_index(l->sf, col_text(st, 1));
	struct sf_use *u;

	if (!r || p < 0)
		return 0;
	if (!(u = use_of(l, r, (uint32_t)p)))
		return -1;
	u->calls += (uint64_t)sqlite3_column_int64(st, 2);
	u->round_trips += (uint64_t)sqlite3_column_int64(st, 3);
	u->bytes_out += (uint64_t)sqlite3_column_int64(st, 4);
	u->bytes_in += (uint64_t)sqlite3_column_int64(st, 5);
	u->io_ns += (uint64_t)sqlite3_column_int64(st, 6);
	u->connects += (uint64_t)sqlite3_column_int64(st, 7);
	u->wait_ns += sqlite3_column_double(st, 8);
	return 0;
}

static int load_uses(struct loader *l)
{
	/* wait: see spanfile.h; the share of a span's self time by round trips,
	 * else by calls. use_of needs the rows of a request together: ordered
	 * by the integer it reads (a text root_id would sort apart). */
	static const char sql[] =
	    "SELECT CAST(s.root_id AS INTEGER), p.peer, p.calls, p.round_trips, p.bytes_out,"
	    " p.bytes_in, p.io_ns, 0,"
	    " CASE WHEN s.parent_id IS NULL THEN p.io_ns ELSE (s.duration_ns - s.child_ns) *"
	    "  COALESCE(p.round_trips * 1.0 / NULLIF((SELECT SUM(q.round_trips) FROM span_peers q"
	    "   WHERE q.span_id = p.span_id), 0), p.calls * 1.0 / NULLIF((SELECT SUM(q.calls)"
	    "   FROM span_peers q WHERE q.span_id = p.span_id), 0), 0) END"
	    " FROM span_peers p JOIN spans s ON s.id = p.span_id"
	    " UNION ALL SELECT CAST(s.root_id AS INTEGER), c.peer, 0, 0, 0, 0, 0, 1, 0"
	    " FROM connections c JOIN spans s ON s.id = c.span_id WHERE c.event = 'connect'"
	    " ORDER BY 1";

	if (query_rows(l,
		       "SELECT peer FROM span_peers UNION"
		       " SELECT peer FROM connections WHERE event = 'connect' ORDER BY 1",
		       NULL, peer_row))
		return -1;
	sort_peers(l->sf);
	return query_rows(l, sql, NULL, use_row);
}

static int child_peer_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;
	struct sf_request *r = find_request(sf, sqlite3_column_int64(st, 0));
	long probe = probe_index(sf, sqlite3_column_int64(st, 1));
	long peer = spanfile_peer_index(sf, col_text(st, 2));
	struct sf_child_peer *c;

	if (!r || probe < 0 || peer < 0)
		return 0;
	if (grow(sf->child_peers, &l->cap_child_peers, sf->nchild_peers + 1))
		return -1;
	c = &sf->child_peers[sf->nchild_peers++];
	*c = (struct sf_child_peer){r->kind, (uint32_t)probe, (uint32_t)peer,
				    (uint64_t)sqlite3_column_int64(st, 3)};
	return 0;
}

static int by_kind_probe_peer(const void *a, const void *b)
{
	const struct sf_child_peer *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	return (x->peer > y->peer) - (x->peer < y->peer);
}

/* Rows per request, then summed per (kind, probe, peer). */
static int load_child_peers(struct loader *l)
{
	struct spanfile *sf = l->sf;
	size_t n = 0;

	if (query_rows(l,
		       "SELECT s.root_id, s.probe_id, p.peer, COUNT(*) FROM spans s"
		       " JOIN span_peers p ON p.span_id = s.id WHERE s.parent_id IS NOT NULL"
		       " GROUP BY s.root_id, s.probe_id, p.peer",
		       NULL, child_peer_row))
		return -1;
	if (sf->nchild_peers)
		qsort(sf->child_peers, sf->nchild_peers, sizeof(*sf->child_peers),
		      by_kind_probe_peer);
	for (size_t i = 0; i < sf->nchild_peers; i++) {
		if (n && !by_kind_probe_peer(&sf->child_peers[n - 1], &sf->child_peers[i]))
			sf->child_peers[n - 1].calls += sf->child_peers[i].calls;
		else
			sf->child_peers[n++] = sf->child_peers[i];
	}
	sf->nchild_peers = n;
	return 0;
}

static int loss_row(struct loader *l, sqlite3_stmt *st)
{
	struct spanfile *sf = l->sf;
	struct sf_loss *n = realloc(sf->losses, (sf->nlosses + 1) * sizeof(*n));

	if (!n)
		return -1;
	sf->losses = n;
	n = &sf->losses[sf->nlosses++];
	n->probe = col_strdup(st, 0);
	n->what = col_strdup_text(st, 1);
	n->count = (uint64_t)sqlite3_column_int64(st, 2);
	return n->what ? 0 : -1;
}

int spanfile_load(const char *path, const struct spanfile_opts *o, struct spanfile **out)
{
	struct loader l = {.path = path, .opts = o};
	int err = -1;

	if (!(l.sf = calloc(1, sizeof(*l.sf))))
		return -1;
	l.sf->query_kept = o->keep_query;
	if (sqlite3_open_v2(path, &l.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		log_error("cannot open record file %s: %s", path,
			  l.db ? sqlite3_errmsg(l.db) : "out of memory");
		goto out;
	}
	if (check_meta(&l) ||
	    query_rows(&l, "SELECT id, name, role FROM probes ORDER BY id", NULL, probe_row) ||
	    choose_attr(&l) || load_roots(&l) || load_children(&l) || load_uses(&l) ||
	    load_child_peers(&l) ||
	    query_rows(&l,
		       "SELECT p.name, l.what, l.count FROM losses l"
		       " LEFT JOIN probes p ON p.id = l.probe_id ORDER BY l.rowid",
		       NULL, loss_row))
		goto out;
	err = 0;
out:
	sqlite3_close(l.db);
	if (err) {
		spanfile_free(l.sf);
		return -1;
	}
	*out = l.sf;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void spanfile_free(struct spanfile *sf)
{
	if (!sf)
		return;
	free(sf->attr);
	free(sf->sample);
	free_strv(sf->kinds, sf->nkinds);
	free_strv(sf->peers, sf->npeers);
	free_strv(sf->probes, sf->nprobes);
	free(sf->probe_ids);
	free(sf->probe_is_root);
	free(sf->reqs);
	free(sf->uses);
	free(sf->children);
	free(sf->child_peers);
	for (size_t i = 0; i < sf->nlosses; i++) {
		free(sf->losses[i].probe);
		free(sf->losses[i].what);
	}
	free(sf->losses);
	free(sf);
}
