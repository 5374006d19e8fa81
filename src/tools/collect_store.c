/* See collect_store.h. Prepared statements, one open transaction that is
 * committed periodically, so a busy stream costs one fsync per commit. */
#include "tools/collect_store.h"

#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "tools/net_report.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS hosts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " clock TEXT, tai_offset_s INTEGER, synced INTEGER, maxerror_us INTEGER,"
    " esterror_us INTEGER, events INTEGER, drops INTEGER, errors INTEGER, misses INTEGER,"
    " rejected INTEGER NOT NULL DEFAULT 0, uncovered INTEGER);"
    "CREATE TABLE IF NOT EXISTS records(host_id INTEGER NOT NULL REFERENCES hosts(id),"
    " boundary INTEGER NOT NULL, proto TEXT NOT NULL, family INTEGER NOT NULL, saddr TEXT,"
    " sport INTEGER, daddr TEXT, dport INTEGER, seq INTEGER, len INTEGER, hash INTEGER,"
    " ts_ns INTEGER NOT NULL, ifindex INTEGER, pid INTEGER);"
    "CREATE INDEX IF NOT EXISTS records_ts ON records(ts_ns);"
    "CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY, flow TEXT, proto TEXT,"
    " origin TEXT, final TEXT, bytes INTEGER, t_send_ns INTEGER, t_egress_ns INTEGER,"
    " t_ingress_ns INTEGER, t_recv_ns INTEGER, app_ns INTEGER, tx_ns INTEGER,"
    " net_ns INTEGER, relay_ns INTEGER, rx_ns INTEGER, hops INTEGER);";

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_rec;
	int in_tx;
};

static int fail(struct store *s, const char *what)
{
	log_error("sqlite: %s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(s, sql);
}

static int begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	s->in_tx = 1;
	return exec(s, "BEGIN");
}

struct store *store__open(const char *path)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		log_error("cannot open database %s: %s", path, sqlite3_errmsg(s->db));
		goto err;
	}
	if (exec(s, "PRAGMA journal_mode=WAL") || exec(s, "PRAGMA synchronous=NORMAL") ||
	    exec(s, schema))
		goto err;
	/* databases written before the uncovered count: add the column (fails
	 * harmlessly where it exists) */
	sqlite3_exec(s->db, "ALTER TABLE hosts ADD COLUMN uncovered INTEGER", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			       &s->ins_rec, NULL) != SQLITE_OK) {
		fail(s, "prepare");
		goto err;
	}
	return s;
err:
	store__close(s);
	return NULL;
}

void store__close(struct store *s)
{
	if (!s)
		return;
	store__commit(s);
	sqlite3_finalize(s->ins_rec);
	sqlite3_close(s->db);
	free(s);
}

int store__commit(struct store *s)
{
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	return exec(s, "COMMIT");
}

int64_t store__hello(struct store *s, const struct net_hello *h)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (begin(s) ||
	    sqlite3_prepare_v2(s->db,
			       "INSERT INTO hosts(name, clock, tai_offset_s, synced, maxerror_us,"
			       " esterror_us) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(name) DO UPDATE"
			       " SET clock=?2, tai_offset_s=?3, synced=?4, maxerror_us=?5,"
			       " esterror_us=?6 RETURNING id",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "hosts");
	sqlite3_bind_text(st, 1, h->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, h->clock, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, h->tai_offset_s);
	sqlite3_bind_int(st, 4, h->synced);
	sqlite3_bind_int64(st, 5, h->maxerror_us);
	sqlite3_bind_int64(st, 6, h->esterror_us);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id >= 0 ? id : fail(s, "hosts insert");
}

int store__record(struct store *s, int64_t host_id, const struct net_rec *r)
{
	sqlite3_stmt *st = s->ins_rec;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	int rc;

	if (begin(s))
		return -1;
	net_addr_str(sa, sizeof(sa), r->family, r->saddr);
	net_addr_str(da, sizeof(da), r->family, r->daddr);
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int(st, 2, r->boundary);
	sqlite3_bind_text(st, 3, r->proto == 6 ? "tcp" : "udp", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->family);
	sqlite3_bind_text(st, 5, sa, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, r->sport);
	sqlite3_bind_text(st, 7, da, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 8, r->dport);
	sqlite3_bind_int64(st, 9, r->seq);
	sqlite3_bind_int64(st, 10, r->len);
	sqlite3_bind_int64(st, 11, (int64_t)r->hash);
	sqlite3_bind_int64(st, 12, (int64_t)r->ts);
	sqlite3_bind_int64(st, 13, r->ifindex);
	sqlite3_bind_int64(st, 14, r->pid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "records insert");
}

static int update_host(struct store *s, const char *sql, int64_t host_id, const uint64_t *v, int n)
{
	sqlite3_stmt *st;
	int rc;

	if (begin(s) || sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "hosts update");
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, (int64_t)v[i]);
	sqlite3_bind_int64(st, n + 1, host_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "hosts update");
}

int store__stats(struct store *s, int64_t host_id, const struct net_stats *st)
{
	uint64_t v[5] = {st->events, st->drops, st->errors, st->misses, st->uncovered};

	return update_host(
	    s,
	    "UPDATE hosts SET events=coalesce(events,0)+?1, drops=coalesce(drops,0)+?2,"
	    " errors=coalesce(errors,0)+?3, misses=coalesce(misses,0)+?4,"
	    " uncovered=coalesce(uncovered,0)+?5 WHERE id=?6",
	    host_id, v, 5);
}

int store__rejected(struct store *s, int64_t host_id)
{
	return update_host(s, "UPDATE hosts SET rejected=rejected+1 WHERE id=?1", host_id, NULL, 0);
}

static void text_addr(const unsigned char *txt, uint8_t family, uint8_t *out)
{
	memset(out, 0, 16);
	if (txt && strcmp((const char *)txt, "-"))
		inet_pton(family == 4 ? AF_INET : AF_INET6, (const char *)txt, out);
}

int store__load(struct store *s, struct net_join *j)
{
	return store__load_since(s, j, INT64_MIN);
}

int store__load_since(struct store *s, struct net_join *j, int64_t min_ts_ns)
{
	sqlite3_stmt *st;
	int rc;

	if (store__commit(s) ||
	    sqlite3_prepare_v2(s->db,
			       "SELECT h.name, r.boundary, r.proto, r.family, r.saddr, r.sport,"
			       " r.daddr, r.dport, r.seq, r.len, r.hash, r.ts_ns, r.ifindex, r.pid"
			       " FROM records r JOIN hosts h ON h.id = r.host_id WHERE r.ts_ns >= ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "load");
	sqlite3_bind_int64(st, 1, min_ts_ns);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct net_rec r = {0};
		int host = net_join__host(j, (const char *)sqlite3_column_text(st, 0));

		r.host = host;
		r.boundary = sqlite3_column_int(st, 1);
		r.proto = !strcmp((const char *)sqlite3_column_text(st, 2), "tcp") ? 6 : 17;
		r.family = sqlite3_column_int(st, 3);
		text_addr(sqlite3_column_text(st, 4), r.family, r.saddr);
		r.sport = sqlite3_column_int(st, 5);
		text_addr(sqlite3_column_text(st, 6), r.family, r.daddr);
		r.dport = sqlite3_column_int(st, 7);
		r.seq = sqlite3_column_int64(st, 8);
		r.len = sqlite3_column_int64(st, 9);
		r.hash = (uint64_t)sqlite3_column_int64(st, 10);
		r.ts = (uint64_t)sqlite3_column_int64(st, 11);
		r.ifindex = sqlite3_column_int64(st, 12);
		r.pid = sqlite3_column_int64(st, 13);
		if (host < 0 || net_join__add(j, &r)) {
			sqlite3_finalize(st);
			log_error("cannot load record (too many hosts or out of memory)");
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "load");
}

static void bind_opt(sqlite3_stmt *st, int col, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int64(st, col, v);
}

int store__messages(struct store *s, const struct net_join *j)
{
	sqlite3_stmt *st;
	size_t n;
	const struct net_msg *m = net_join__msgs(j, &n);
	char flow[256];

	if (begin(s) || exec(s, "DELETE FROM messages") ||
	    sqlite3_prepare_v2(
		s->db,
		"INSERT INTO messages(flow, proto, origin, final, bytes, t_send_ns,"
		" t_egress_ns, t_ingress_ns, t_recv_ns, app_ns, tx_ns, net_ns, relay_ns,"
		" rx_ns, hops) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK)
		return fail(s, "messages");
	for (size_t i = 0; i < n; i++, m++) {
		net_msg_label(j, m, flow, sizeof(flow));
		sqlite3_bind_text(st, 1, flow, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, m->proto == 6 ? "tcp" : "udp", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, net_join__host_name(j, m->origin), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, net_join__host_name(j, m->final), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, m->len);
		for (int b = 1; b <= 4; b++)
			bind_opt(st, 5 + b, NET_HAVE(m, b) ? (int64_t)m->t[b] : -1);
		for (int g = 0; g < SEG__N; g++)
			bind_opt(st, 10 + g, net_seg_value(m, g));
		sqlite3_bind_int(st, 15, m->nhops);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return fail(s, "messages insert");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return store__commit(s);
}

void store__clock_note(struct store *s, char *buf, size_t len, uint64_t *drops,
		       uint64_t *uncovered)
{
	sqlite3_stmt *st;
	size_t used = 0;

	*drops = *uncovered = 0;
	buf[0] = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name, clock, synced, esterror_us, maxerror_us,"
			       " coalesce(drops,0), coalesce(uncovered,0) FROM hosts ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	used += snprintf(buf, len, "clock sync error bound per host (adjtimex):");
	while (sqlite3_step(st) == SQLITE_ROW && used < len) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *clock = (const char *)sqlite3_column_text(st, 1);

		if (sqlite3_column_int(st, 2))
			used +=
			    snprintf(buf + used, len - used, " %s: %s, est %lld us, max %lld us;",
				     name, clock, (long long)sqlite3_column_int64(st, 3),
				     (long long)sqlite3_column_int64(st, 4));
		else
			used += snprintf(buf + used, len - used,
					 " %s: %s, unsynchronised, unknown;", name, clock);
		*drops += sqlite3_column_int64(st, 5);
		*uncovered += sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
}
