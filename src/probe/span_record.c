/* See span_record.h. */
#include "probe/span_record.h"

#include <errno.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static const char schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE probes (id INTEGER PRIMARY KEY, spec TEXT NOT NULL, role TEXT NOT NULL,"
	" name TEXT NOT NULL);"
	"CREATE TABLE spans (id INTEGER PRIMARY KEY, root_id INTEGER NOT NULL, parent_id INTEGER,"
	" probe_id INTEGER NOT NULL REFERENCES probes(id), pid INTEGER NOT NULL,"
	" tid INTEGER NOT NULL, start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL,"
	" child_ns INTEGER NOT NULL, depth INTEGER NOT NULL);"
	"CREATE INDEX spans_root ON spans(root_id);"
	"CREATE TABLE span_attrs (span_id INTEGER NOT NULL REFERENCES spans(id),"
	" name TEXT NOT NULL, value TEXT NOT NULL);"
	"CREATE INDEX span_attrs_span ON span_attrs(span_id);"
	"CREATE TABLE span_peers (span_id INTEGER NOT NULL REFERENCES spans(id),"
	" peer TEXT NOT NULL, calls INTEGER NOT NULL, round_trips INTEGER NOT NULL,"
	" bytes_out INTEGER NOT NULL, bytes_in INTEGER NOT NULL, io_ns INTEGER NOT NULL);"
	"CREATE INDEX span_peers_span ON span_peers(span_id);"
	"CREATE TABLE connections (span_id INTEGER NOT NULL REFERENCES spans(id),"
	" event TEXT NOT NULL, peer TEXT NOT NULL, ts_ns INTEGER NOT NULL);"
	"CREATE TABLE losses (probe_id INTEGER, what TEXT NOT NULL, count INTEGER NOT NULL);";

enum { ST_SPAN, ST_ATTR, ST_PEER, ST_CONN, ST__COUNT };

static const char *const inserts[ST__COUNT] = {
	"INSERT INTO spans VALUES(?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO span_attrs VALUES(?,?,?)",
	"INSERT INTO span_peers VALUES(?,?,?,?,?,?,?)",
	"INSERT INTO connections VALUES(?,?,?,?)",
};

struct span_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	int64_t wall_offset_ns;
	int64_t next_id;
	bool in_tx;
	uint64_t tx_started_ns, tx_requests;
	uint64_t requests, spans;
	int error;
};

static int fail(struct span_store *s, const char *what)
{
	log_error("record file: %s: %s", what, sqlite3_errmsg(s->db));
	if (!s->error)
		s->error = -EIO;
	return -EIO;
}

static int exec(struct span_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(s, sql);
}

static int begin(struct span_store *s, uint64_t now_ns)
{
	if (s->in_tx)
		return 0;
	s->in_tx = true;
	s->tx_started_ns = now_ns;
	s->tx_requests = 0;
	return exec(s, "BEGIN");
}

/* Replaces a previous recording; refuses anything but a regular file
 * (-o /dev/null must not unlink the device). */
static int remove_old(const char *path)
{
	char side[4096];
	struct stat st;

	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		log_error("record file %s exists and is not a regular file", path);
		return -EINVAL;
	}
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}

struct span_store *span_store__open(const char *path, int64_t wall_offset_ns)
{
	struct span_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->wall_offset_ns = wall_offset_ns;
	s->next_id = 1;
	if (remove_old(path)) {
		free(s);
		return NULL;
	}
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		log_error("cannot create record file %s: %s", path, sqlite3_errmsg(s->db));
		goto err;
	}
	/* WAL + NORMAL: a commit is atomic and survives a killed writer; the
	 * page cache is bounded (negative: KiB) whatever the recording length */
	if (exec(s, "PRAGMA journal_mode=WAL") || exec(s, "PRAGMA synchronous=NORMAL") ||
	    exec(s, "PRAGMA cache_size=-4096") || exec(s, schema))
		goto err;
	for (int i = 0; i < ST__COUNT; i++)
		if (sqlite3_prepare_v2(s->db, inserts[i], -1, &s->st[i], NULL) != SQLITE_OK) {
			fail(s, inserts[i]);
			goto err;
		}
	if (span_store__meta(s, "schema_version", SPAN_STORE_SCHEMA_VERSION))
		goto err;
	return s;
err:
	span_store__close(s);
	return NULL;
}

/* Runs a prepared insert with its bound values, then clears them. */
static int step(struct span_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "insert");
}

int span_store__meta(struct span_store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES(?,?)", -1, &st, NULL))
		return fail(s, "meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	err = step(s, st);
	sqlite3_finalize(st);
	return err;
}

int span_store__probe(struct span_store *s, int id, const char *spec, const char *role,
		      const char *name)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO probes VALUES(?,?,?,?)", -1, &st, NULL))
		return fail(s, "probes");
	sqlite3_bind_int(st, 1, id);
	sqlite3_bind_text(st, 2, spec, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
	err = step(s, st);
	sqlite3_finalize(st);
	return err;
}

int span_store__loss(struct span_store *s, int probe_id, const char *what, uint64_t count)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO losses VALUES(?,?,?)", -1, &st, NULL))
		return fail(s, "losses");
	if (probe_id >= 0)
		sqlite3_bind_int(st, 1, probe_id);
	sqlite3_bind_text(st, 2, what, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (int64_t)count);
	err = step(s, st);
	sqlite3_finalize(st);
	return err;
}

/* File id of the span with kernel id kid in this request (root first). */
static int64_t file_id(const struct span_request *req, int64_t base, uint64_t kid)
{
	int root = req->nspans - 1;

	if (req->spans[root].ev.span_id == kid)
		return base;
	for (int i = 0; i < root; i++)
		if (req->spans[i].ev.span_id == kid)
			return base + 1 + i;
	return -1;
}

static int insert_span(struct span_store *s, const struct span_rec *r, int64_t id,
		       int64_t root, int64_t parent)
{
	sqlite3_stmt *st = s->st[ST_SPAN];
	const struct span_event *ev = &r->ev;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, root);
	if (parent >= 0)
		sqlite3_bind_int64(st, 3, parent);
	sqlite3_bind_int(st, 4, (int)ev->probe);
	sqlite3_bind_int64(st, 5, ev->pid);
	sqlite3_bind_int64(st, 6, ev->tid);
	sqlite3_bind_int64(st, 7, (int64_t)ev->start_ns + s->wall_offset_ns);
	sqlite3_bind_int64(st, 8, (int64_t)(ev->end_ns - ev->start_ns));
	sqlite3_bind_int64(st, 9, (int64_t)ev->child_ns);
	sqlite3_bind_int(st, 10, (int)ev->depth);
	if (step(s, st))
		return -EIO;
	for (int i = 0; i < r->nattrs; i++) {
		st = s->st[ST_ATTR];
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, r->attrs[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->attrs[i].value, -1, SQLITE_STATIC);
		if (step(s, st))
			return -EIO;
	}
	return 0;
}

static int insert_peers(struct span_store *s, const struct span_event *ev, int64_t id)
{
	sqlite3_stmt *st = s->st[ST_PEER];
	char peer[64];

	for (unsigned i = 0; i < ev->npeers && i < SPAN_PEERS; i++) {
		const struct span_peer *p = &ev->peers[i];

		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, span_peer_format(&p->peer, peer, sizeof(peer)), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, p->calls);
		sqlite3_bind_int64(st, 4, p->round_trips);
		sqlite3_bind_int64(st, 5, (int64_t)p->bytes_out);
		sqlite3_bind_int64(st, 6, (int64_t)p->bytes_in);
		sqlite3_bind_int64(st, 7, (int64_t)p->io_ns);
		if (step(s, st))
			return -EIO;
	}
	return 0;
}

static const char *const conn_names[] = { "connect", "accept", "close" };

static int insert_conns(struct span_store *s, const struct span_request *req, int64_t base)
{
	sqlite3_stmt *st = s->st[ST_CONN];
	char peer[64];

	for (int i = 0; i < req->nconns; i++) {
		const struct span_conn_event *c = &req->conns[i].ev;
		int64_t id = file_id(req, base, c->span_id);

		sqlite3_bind_int64(st, 1, id >= 0 ? id : base);
		sqlite3_bind_text(st, 2, conn_names[c->event % 3], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, span_peer_format(&c->peer, peer, sizeof(peer)), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, (int64_t)c->ts_ns + s->wall_offset_ns);
		if (step(s, st))
			return -EIO;
	}
	return 0;
}

int span_store__request(struct span_store *s, const struct span_request *req)
{
	int64_t base = s->next_id;
	int root = req->nspans - 1;

	if (root < 0 || begin(s, req->spans[root].ev.end_ns))
		return -EIO;
	for (int i = 0; i < req->nspans; i++) {
		const struct span_rec *r = &req->spans[(i + root) % req->nspans]; /* root first */
		int64_t id = file_id(req, base, r->ev.span_id);
		int64_t parent = r->ev.depth ? file_id(req, base, r->ev.parent_id) : -1;

		if (insert_span(s, r, id, base, parent) || insert_peers(s, &r->ev, id))
			return -EIO;
	}
	if (insert_conns(s, req, base))
		return -EIO;
	s->next_id += req->nspans;
	s->requests++;
	s->spans += req->nspans;
	if (++s->tx_requests >= SPAN_STORE_BATCH)
		return span_store__commit(s);
	return 0;
}

int span_store__commit(struct span_store *s)
{
	if (!s->in_tx)
		return 0;
	s->in_tx = false;
	return exec(s, "COMMIT");
}

int span_store__tick(struct span_store *s, uint64_t now_ns, uint64_t interval_ns)
{
	if (s->in_tx && now_ns - s->tx_started_ns >= interval_ns)
		return span_store__commit(s);
	return 0;
}

int span_store__close(struct span_store *s)
{
	int err;

	if (!s)
		return 0;
	if (s->db)
		span_store__commit(s);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		fail(s, "close");
	err = s->error;
	free(s);
	return err;
}

void span_store__counts(const struct span_store *s, uint64_t *requests, uint64_t *spans)
{
	*requests = s->requests;
	*spans = s->spans;
}
