/* report/predict logic on synthetic record files written here with the
 * schema of docs/record-schema.md: loading and grouping (tools/spanfile),
 * exact percentiles (core/dist), the latency model and the peer ranking
 * (tools/predict_model). Every expected number is worked out by hand from
 * the synthetic requests below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dist.h"
#include "tools/predict_model.h"
#include "tools/reqreport.h"
#include "tools/spanfile.h"

#define MS 1000000.0
#define MC "127.0.0.1:11211"
#define DB "127.0.0.1:3306"

static const char schema[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE probes (id INTEGER PRIMARY KEY, spec TEXT NOT NULL, role TEXT NOT NULL,"
    " name TEXT NOT NULL);"
    "CREATE TABLE spans (id INTEGER PRIMARY KEY, root_id INTEGER NOT NULL, parent_id INTEGER,"
    " probe_id INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL,"
    " start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, child_ns INTEGER NOT NULL,"
    " depth INTEGER NOT NULL);"
    "CREATE TABLE span_attrs (span_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL);"
    "CREATE TABLE span_peers (span_id INTEGER NOT NULL, peer TEXT NOT NULL,"
    " calls INTEGER NOT NULL, round_trips INTEGER NOT NULL, bytes_out INTEGER NOT NULL,"
    " bytes_in INTEGER NOT NULL, io_ns INTEGER NOT NULL);"
    "CREATE TABLE connections (span_id INTEGER NOT NULL, event TEXT NOT NULL,"
    " peer TEXT NOT NULL, ts_ns INTEGER NOT NULL);"
    "CREATE TABLE losses (probe_id INTEGER, what TEXT NOT NULL, count INTEGER NOT NULL);"
    "INSERT INTO meta VALUES ('schema_version', '1'), ('sample', '1');"
    "INSERT INTO probes VALUES (0, 'u:websvc:handle_request', 'root', 'handle_request'),"
    " (1, 'u:libmemcached:memcached_get', 'child', 'memcached_get'),"
    " (2, 'u:libmemcached:memcached_mget', 'child', 'memcached_mget'),"
    " (3, 'u:libmariadb:mysql_real_query', 'child', 'mysql_real_query');"
    "INSERT INTO losses VALUES (NULL, 'ring_drops', 0), (1, 'unpaired', 2);";

struct writer {
	sqlite3 *db;
	long next_id;
};

static void sql(struct writer *w, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_non_null(text);
	assert_int_equal(sqlite3_exec(w->db, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(text);
}

static long root(struct writer *w, const char *line, double dur_ms, double child_ms)
{
	long id = w->next_id++;

	sql(w, "INSERT INTO spans VALUES (%ld, %ld, NULL, 0, 10, 10, %ld, %.0f, %.0f, 0)", id, id,
	    id * 1000000, dur_ms * MS, child_ms * MS);
	if (line)
		sql(w, "INSERT INTO span_attrs VALUES (%ld, 'req->line', '%s')", id, line);
	return id;
}

/* A child span of probe `probe` in root r that made rts round trips to peer. */
static void child(struct writer *w, long r, int probe, double dur_ms, const char *peer, int rts)
{
	long id = w->next_id++;

	sql(w, "INSERT INTO spans VALUES (%ld, %ld, %ld, %d, 10, 10, %ld, %.0f, 0, 1)", id, r, r,
	    probe, r * 1000000 + id, dur_ms * MS);
	sql(w, "INSERT INTO span_peers VALUES (%ld, '%s', %d, %d, 20, 100, %.0f)", id, peer,
	    2 * rts, rts, dur_ms * MS / 2);
}

/* 10 x /home (1..10 ms): 4 gets + 1 mget of 0.1 ms to MC, 1 query of 0.2 ms
 * to DB. 5 x /item?id=N (2 ms): 1 get + 1 query; the first also connects to
 * MC. 2 x /static (0.5 ms): nothing. */
static char *make_file(void)
{
	static char path[64];
	struct writer w = {.next_id = 1};

	snprintf(path, sizeof(path), "/tmp/test_predict.%d.db", getpid());
	unlink(path);
	assert_int_equal(sqlite3_open(path, &w.db), SQLITE_OK);
	sql(&w, "%s", schema);
	for (int i = 1; i <= 10; i++) {
		long r = root(&w, "GET /home HTTP/1.1", i, 0.7);

		for (int g = 0; g < 4; g++)
			child(&w, r, 1, 0.1, MC, 1);
		child(&w, r, 2, 0.1, MC, 1);
		child(&w, r, 3, 0.2, DB, 1);
	}
	for (int i = 0; i < 5; i++) {
		char line[64];
		long r;

		snprintf(line, sizeof(line), "GET /item?id=%d HTTP/1.1", i);
		r = root(&w, line, 2, 0.3);
		child(&w, r, 1, 0.1, MC, 1);
		child(&w, r, 3, 0.2, DB, 1);
		if (i == 0)
			sql(&w, "INSERT INTO connections VALUES (%ld, 'connect', '" MC "', 1)", r);
	}
	root(&w, "GET /static/a.png HTTP/1.1", 0.5, 0);
	root(&w, "GET /static/a.png HTTP/1.1", 0.5, 0);
	sqlite3_close(w.db);
	return path;
}

static struct spanfile *load(const char *path, const char *by)
{
	struct spanfile_opts o = {.by = by};
	struct spanfile *sf = NULL;

	assert_int_equal(spanfile_load(path, &o, &sf), 0);
	return sf;
}

static long kind_index(const struct spanfile *sf, const char *kind)
{
	for (size_t k = 0; k < sf->nkinds; k++)
		if (!strcmp(sf->kinds[k], kind))
			return (long)k;
	fail_msg("no kind '%s'", kind);
	return -1;
}

static void test_kind_of(void **state)
{
	static const char *const cases[][2] = {
	    {"GET /item?id=7 HTTP/1.1", "GET /item HTTP/1.1"},
	    {"/item?id=9&x=1", "/item"},
	    {"/search?q=a#top", "/search"},
	    {"/plain", "/plain"},
	    {"what? no/url", "what? no/url"}, /* '?' before the path: not a query */
	    {"select ?", "select ?"},
	};
	char *k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = spanfile_kind_of(cases[i][0], false);
		assert_string_equal(k, cases[i][1]);
		free(k);
	}
	k = spanfile_kind_of("/item?id=9", true);
	assert_string_equal(k, "/item?id=9");
	free(k);
}

static void test_dist(void **state)
{
	double v[] = {4, 1, 3, 2}, one[] = {7};
	struct dist d;

	(void)state;
	dist_compute(v, 4, &d);
	assert_int_equal(d.count, 4);
	assert_true(d.mean == 2.5 && d.min == 1 && d.max == 4 && d.p50 == 2.5);
	assert_true(d.p90 > 3.69 && d.p90 < 3.71); /* 3 + 0.7 * (4 - 3) */
	dist_compute(one, 1, &d);
	assert_true(d.p50 == 7 && d.p99 == 7 && d.min == 7);
	dist_compute(v, 0, &d);
	assert_int_equal(d.count, 0);
}

static void test_load_and_group(void **state)
{
	char *path = make_file();
	struct spanfile *sf = load(path, NULL);
	long home, item;

	(void)state;
	assert_string_equal(sf->attr, "req->line");
	assert_int_equal(sf->nreqs, 17);
	assert_int_equal(sf->nkinds, 3); /* query strings stripped: 5 items are one kind */
	home = kind_index(sf, "GET /home HTTP/1.1");
	item = kind_index(sf, "GET /item HTTP/1.1");
	kind_index(sf, "GET /static/a.png HTTP/1.1");
	assert_int_equal(sf->npeers, 2);
	assert_int_equal(sf->nprobes, 4);
	/* child calls: per kind and probe */
	assert_int_equal(sf->children[home * 4 + 1].calls, 40);
	assert_int_equal(sf->children[home * 4 + 2].calls, 10);
	assert_int_equal(sf->children[item * 4 + 3].calls, 5);
	assert_int_equal(sf->children[item * 4 + 2].calls, 0);
	/* child calls by peer: (kind, probe, peer) sorted, summed over requests */
	{
		long mc = spanfile_peer_index(sf, MC), db = spanfile_peer_index(sf, DB);
		int seen = 0;

		for (size_t i = 0; i < sf->nchild_peers; i++) {
			const struct sf_child_peer *c = &sf->child_peers[i];

			if (c->kind != (uint32_t)home)
				continue;
			seen++;
			if (c->probe == 1 || c->probe == 2)
				assert_true(c->peer == (uint32_t)mc &&
					    c->calls == (c->probe == 1 ? 40u : 10u));
			else
				assert_true(c->probe == 3 && c->peer == (uint32_t)db &&
					    c->calls == 10);
		}
		assert_int_equal(seen, 3);
	}
	/* per request uses: a /home made 5 MC round trips, 10 calls; wait is
	 * the self time of its 5 MC child spans */
	for (size_t i = 0; i < sf->nreqs; i++) {
		const struct sf_request *r = &sf->reqs[i];
		long mc = spanfile_peer_index(sf, MC);

		if (r->kind != (uint32_t)home)
			continue;
		assert_int_equal(r->nuses, 2);
		for (size_t j = 0; j < r->nuses; j++) {
			const struct sf_use *u = &sf->uses[r->first_use + j];

			if ((long)u->peer != mc)
				continue;
			assert_int_equal(u->round_trips, 5);
			assert_int_equal(u->calls, 10);
			assert_true(u->wait_ns > 0.499 * MS && u->wait_ns < 0.501 * MS);
		}
	}
	assert_int_equal(sf->nlosses, 2);
	assert_int_equal(sf->losses[1].count, 2);
	assert_string_equal(sf->losses[1].probe, "memcached_get");
	spanfile_free(sf);
	/* --keep-query: every item is its own kind */
	{
		struct spanfile_opts o = {.keep_query = true};

		assert_int_equal(spanfile_load(path, &o, &sf), 0);
		assert_int_equal(sf->nkinds, 7);
		spanfile_free(sf);
	}
	unlink(path);
}

static void test_predict_cache_peer(void **state)
{
	char *path = make_file();
	struct spanfile *sf = load(path, "req->line");
	struct peer_add add;
	struct dist before[3], after[3], all_before, all_after;
	double add_ns[2];
	long taken_by[2];
	long home, item, stat;

	(void)state;
	home = kind_index(sf, "GET /home HTTP/1.1");
	item = kind_index(sf, "GET /item HTTP/1.1");
	stat = kind_index(sf, "GET /static/a.png HTTP/1.1");
	assert_int_equal(peer_add_parse(MC "=+5", &add), 0);
	predict_peer_adds(sf, &add, 1, add_ns, taken_by);
	assert_int_equal(taken_by[spanfile_peer_index(sf, MC)], 0);
	assert_int_equal(taken_by[spanfile_peer_index(sf, DB)], -1);
	assert_int_equal(predict_dists(sf, NULL, before, &all_before), 0);
	assert_int_equal(predict_dists(sf, add_ns, after, &all_after), 0);
	/* /home 1..10 ms: p50 5.5, p90 9.1; +5 round trips x 5 ms */
	assert_true(before[home].p50 == 5.5 * MS);
	assert_true(before[home].p90 > 9.099 * MS && before[home].p90 < 9.101 * MS);
	assert_true(after[home].mean == 30.5 * MS);
	assert_true(after[home].min == 26 * MS && after[home].max == 35 * MS);
	/* /item: 2 ms + 1 round trip x 5, the one that connected + 5 more */
	assert_true(after[item].mean == 8 * MS);
	assert_true(after[item].max == 12 * MS && after[item].p50 == 7 * MS);
	/* /static made no calls */
	assert_true(after[stat].mean == before[stat].mean && after[stat].count == 2);
	assert_int_equal(all_after.count, 17);
	spanfile_free(sf);
	unlink(path);
}

static void test_cidr_first_match_wins(void **state)
{
	char *path = make_file();
	struct spanfile *sf = load(path, NULL);
	struct peer_add adds[2];
	struct dist after[3], all;
	double add_ns[2];
	long taken_by[2];
	long home;

	(void)state;
	assert_int_equal(peer_add_parse(DB "=2", &adds[0]), 0);
	assert_int_equal(peer_add_parse("127.0.0.0/8=+1", &adds[1]), 0);
	predict_peer_adds(sf, adds, 2, add_ns, taken_by);
	assert_int_equal(taken_by[spanfile_peer_index(sf, DB)], 0);
	assert_int_equal(taken_by[spanfile_peer_index(sf, MC)], 1); /* DB went to the first */
	assert_int_equal(predict_dists(sf, add_ns, after, &all), 0);
	home = kind_index(sf, "GET /home HTTP/1.1");
	/* 5.5 + 5 x 1 (MC) + 1 x 2 (DB) */
	assert_true(after[home].mean == 12.5 * MS);
	assert_int_equal(peer_add_parse("127.0.0.1=-1", &adds[0]), -1);
	assert_int_equal(peer_add_parse("127.0.0.1", &adds[0]), -1);
	assert_int_equal(peer_add_parse("nohost=+1", &adds[0]), -1);
	assert_int_equal(peer_add_parse("127.0.0.1=+1.5", &adds[0]), 0);
	assert_true(adds[0].add_ns == 1.5 * MS);
	spanfile_free(sf);
	unlink(path);
}

static void test_rank(void **state)
{
	char *path = make_file();
	struct spanfile *sf = load(path, NULL);
	struct peer_rank *r;
	size_t n;
	long home = kind_index(sf, "GET /home HTTP/1.1");

	(void)state;
	assert_int_equal(predict_rank(sf, 5 * MS, &r, &n), 0);
	assert_int_equal(n, 2);
	/* MC: (10 x 5 + 5 x 1 + 1 connect) x 5 ms / 17 requests */
	assert_string_equal(sf->peers[r[0].peer], MC);
	assert_true(r[0].mean_delta_ns > 280.0 / 17 * MS - 1 &&
		    r[0].mean_delta_ns < 280.0 / 17 * MS + 1);
	assert_true(r[0].waits_per_req > 56.0 / 17 - 1e-9 && r[0].waits_per_req < 56.0 / 17 + 1e-9);
	assert_true(r[0].kind_mean_delta_ns[home] == 25 * MS);
	/* DB: (10 + 5) x 5 ms / 17 */
	assert_string_equal(sf->peers[r[1].peer], DB);
	assert_true(r[1].mean_delta_ns > 75.0 / 17 * MS - 1 &&
		    r[1].mean_delta_ns < 75.0 / 17 * MS + 1);
	assert_true(r[1].kind_p90_delta_ns[home] == 5 * MS);
	predict_rank_free(r, n);
	spanfile_free(sf);
	unlink(path);
}

/* The numbers after the first line of text that starts with prefix. */
static int numbers_after(const char *text, const char *prefix, double *v, int n)
{
	const char *line = text;

	while (line && strncmp(line, prefix, strlen(prefix)))
		line = (line = strchr(line, '\n')) ? line + 1 : NULL;
	if (!line)
		return 0;
	line += strlen(prefix);
	for (int i = 0; i < n; i++) {
		char *end;

		v[i] = strtod(line, &end);
		if (end == line)
			return i;
		line = end;
	}
	return n;
}

/* The text report of the synthetic file, sampled 1 of 10. */
static void test_report_text(void **state)
{
	char *path = make_file(), *text = NULL;
	struct spanfile_opts o = {0};
	struct reqreport rr;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	double v[7];
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "UPDATE meta SET value = '10' WHERE key = 'sample'", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_non_null(out);
	assert_int_equal(reqreport_open(&rr, path, &o, OUT_TEXT, out), 0);
	reqreport_summary(&rr);
	reqreport_durations(&rr);
	reqreport_children(&rr);
	reqreport_peers(&rr);
	reqreport_close(&rr);
	fclose(out);
	assert_non_null(strstr(text, "17 requests (root handle_request), grouped by req->line"));
	assert_non_null(strstr(text, "sampled: 1 of 10 requests kept"));
	assert_non_null(strstr(text, "losses: memcached_get unpaired 2\n")); /* zeros left out */
	/* most frequent kind first; its row: count, mean, min, p50, p90, p99, max */
	assert_true(strstr(text, "GET /home HTTP/1.1") < strstr(text, "GET /item HTTP/1.1"));
	assert_int_equal(numbers_after(text, "GET /home HTTP/1.1 ", v, 7), 7);
	assert_true(v[0] == 10 && v[1] == 5.5 && v[2] == 1 && v[3] == 5.5 && v[6] == 10);
	assert_int_equal(numbers_after(text, "(all) ", v, 1), 1);
	assert_true(v[0] == 17);
	/* /home: 4 gets per request of 0.1 ms; MC: 10 calls, 5 round trips */
	assert_int_equal(numbers_after(text, "GET /home HTTP/1.1         memcached_get ", v, 2), 2);
	assert_true(v[0] == 4 && v[1] == 0.1);
	assert_int_equal(numbers_after(text, "GET /home HTTP/1.1         " MC " ", v, 3), 3);
	assert_true(v[0] == 10 && v[1] == 5 && v[2] == 0);
	free(text);
	unlink(path);
}

static void test_bad_files(void **state)
{
	char *path = make_file();
	struct spanfile_opts o = {.by = "no_such_attr"};
	struct spanfile *sf = NULL;
	sqlite3 *db;

	(void)state;
	assert_int_equal(spanfile_load(path, &o, &sf), -1);
	assert_null(sf);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	o.by = NULL;
	assert_int_equal(spanfile_load(path, &o, &sf), -1);
	assert_int_equal(spanfile_load("/nonexistent/file.db", &o, &sf), -1);
	unlink(path);
}

/* Fuzzer finds (tests/fuzz/fuzz_spanfile.c). A file with requests but no
 * child span and no peer: nothing to sort or search (qsort/bsearch were
 * called with NULL arrays, undefined behaviour that UBSan reports). */
static void test_roots_only(void **state)
{
	struct writer w = {.next_id = 1};
	char path[64];
	struct spanfile *sf;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_predict_roots.%d.db", getpid());
	unlink(path);
	assert_int_equal(sqlite3_open(path, &w.db), SQLITE_OK);
	sql(&w, "%s", schema);
	root(&w, "GET / HTTP/1.1", 1, 0);
	root(&w, "GET / HTTP/1.1", 3, 0);
	sqlite3_close(w.db);
	sf = load(path, NULL);
	assert_int_equal(sf->nreqs, 2);
	assert_int_equal(sf->npeers, 0);
	assert_int_equal(sf->nchild_peers, 0);
	assert_int_equal(spanfile_peer_index(sf, MC), -1);
	spanfile_free(sf);
	unlink(path);
}

/* A file not written by bpfscope (columns without types or NOT NULL): a NULL
 * peer reads as "", the peers stay sorted and unique whatever their SQL
 * type, and a root_id stored as text ('1') still groups with the integer 1
 * (the uses of one request were read apart and indexed past the table). */
static void test_foreign_values(void **state)
{
	struct writer w = {.next_id = 1};
	char path[64];
	struct spanfile *sf;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_predict_foreign.%d.db", getpid());
	unlink(path);
	assert_int_equal(sqlite3_open(path, &w.db), SQLITE_OK);
	sql(&w, "CREATE TABLE meta (key, value); CREATE TABLE probes (id, spec, role, name);"
		"CREATE TABLE spans (id, root_id, parent_id, probe_id, pid, tid, start_ns,"
		" duration_ns, child_ns, depth);"
		"CREATE TABLE span_attrs (span_id, name, value);"
		"CREATE TABLE span_peers (span_id, peer, calls, round_trips, bytes_out, bytes_in,"
		" io_ns);"
		"CREATE TABLE connections (span_id, event, peer, ts_ns);"
		"CREATE TABLE losses (probe_id, what, count);"
		"INSERT INTO meta VALUES ('schema_version', '1');"
		"INSERT INTO probes VALUES (0, 'r', 'root', NULL), (1, 'c', 'child', 'c');"
		"INSERT INTO spans VALUES (1, 1, NULL, 0, 1, 1, 0, 10, 5, 0),"
		" (2, 1, 1, 1, 1, 1, 0, 2, 0, 1), (3, '1', 1, 1, 1, 1, 0, 3, 0, 1),"
		" (4, 4, NULL, 0, 1, 1, 0, 10, 0, 0);"
		"INSERT INTO span_peers VALUES (2, 'b:1', 1, 1, 0, 0, 1), (3, 'a:1', 1, 1, 0, 0, 1),"
		" (4, 5, 1, 1, 0, 0, 1), (4, NULL, 1, 1, 0, 0, 1), (2, '', 1, 1, 0, 0, 1);"
		"INSERT INTO losses VALUES (NULL, NULL, 1);");
	sqlite3_close(w.db);
	sf = load(path, NULL);
	assert_int_equal(sf->npeers, 4); /* "", "5", "a:1", "b:1" */
	for (size_t p = 0; p < sf->npeers; p++)
		assert_int_equal(spanfile_peer_index(sf, sf->peers[p]), (long)p);
	assert_string_equal(sf->peers[0], "");
	assert_int_equal(sf->nreqs, 2);
	for (size_t i = 0; i < sf->nreqs; i++)
		assert_true(sf->reqs[i].first_use + sf->reqs[i].nuses <= sf->nuses);
	assert_int_equal(sf->reqs[0].span_id, 1);
	assert_int_equal(sf->reqs[0].nuses, 3); /* b:1 and "" from span 2, a:1 from span 3 */
	assert_int_equal(sf->reqs[1].nuses, 2); /* "5" and "" (NULL) */
	assert_string_equal(sf->losses[0].what, "");
	spanfile_free(sf);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_of),
	    cmocka_unit_test(test_dist),
	    cmocka_unit_test(test_load_and_group),
	    cmocka_unit_test(test_predict_cache_peer),
	    cmocka_unit_test(test_cidr_first_match_wins),
	    cmocka_unit_test(test_rank),
	    cmocka_unit_test(test_report_text),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_roots_only),
	    cmocka_unit_test(test_foreign_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
