/* Request spans without BPF: the 'root'/'span' roles and attr() in the
 * probe language, span assembly (children before their root, attributes,
 * connections, stale roots, eviction), per-request summaries, peer
 * formatting, and the record writer against a temporary SQLite file read
 * back through sqlite3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/tcpsock.h"
#include "probe/ast.h"
#include "probe/compile.h"
#include "probe/span_record.h"
#include "probe/spans.h"

static char err[1024];

static void test_parse_roles_and_attrs(void **state)
{
	struct script *s = probe_parse("root u:./srv:handle { attr(path, str(arg0)); attr(n, arg1) }\n"
				       "span u:libmemcached:memcached_mget\n"
				       "u:./srv:db_query\n",
				       err, sizeof(err));
	struct probe_target t = { .kind = TARGET_UPROBE };
	struct compiled_probe cp;

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->nprobes, 3);
	assert_int_equal(s->probes[0]->role, ROLE_ROOT);
	assert_string_equal(s->probes[0]->function, "handle");
	assert_int_equal(s->probes[0]->action, ACT_ATTR);
	assert_int_equal(s->probes[0]->nexprs, 2);
	assert_string_equal(s->probes[0]->attr_names[1], "n");
	assert_int_equal(s->probes[1]->role, ROLE_SPAN);
	assert_int_equal(s->probes[2]->role, ROLE_NONE);
	/* attr values are print fields labelled with their names */
	assert_int_equal(probe_compile(s->probes[0], &t, 64, &cp, err, sizeof(err)), 0);
	assert_int_equal(cp.nfields, 2);
	assert_string_equal(cp.fields[0].label, "path");
	assert_int_equal(cp.fields[0].fmt, FMT_STR);
	assert_string_equal(cp.fields[1].label, "n");
	assert_int_equal(cp.cfg.output, OUTPUT_EVENT);
	script_free(s);
}

static void test_parse_attr_errors(void **state)
{
	(void)state;
	assert_null(probe_parse("root u:a:f { attr(1, arg0) }", err, sizeof(err)));
	assert_non_null(strstr(err, "expected an attribute name"));
	assert_null(probe_parse("root u:a:f { print(arg0); attr(x, arg0) }", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot be mixed"));
	assert_null(probe_parse("root u:a:f { attr(x arg0) }", err, sizeof(err)));
	assert_non_null(strstr(err, "after the attribute name"));
}

static struct span_event span(uint64_t id, uint64_t parent, uint64_t root, uint32_t probe,
			      uint32_t depth, uint64_t start, uint64_t end)
{
	struct span_event e = { .kind = SPAN_EV_END, .probe = probe, .pid = 10, .tid = 11 };

	e.span_id = id;
	e.parent_id = parent;
	e.root_id = root;
	e.depth = depth;
	e.start_ns = start;
	e.end_ns = end;
	return e;
}

static void add_peer(struct span_event *e, uint8_t last_octet, uint16_t port, uint32_t calls,
		     uint32_t rt, uint64_t io_ns)
{
	struct span_peer *p = &e->peers[e->npeers++];

	memset(p, 0, sizeof(*p));
	p->peer.family = TCPSOCK_AF_INET;
	p->peer.addr[0] = 127;
	p->peer.addr[3] = last_octet;
	p->peer.port = port;
	p->calls = calls;
	p->round_trips = rt;
	p->bytes_out = p->bytes_in = 10 * calls;
	p->io_ns = io_ns;
}

struct collected {
	int n;
	int nspans[8];
	struct span_summary sums[8];
	char attr[8][64];
	int nconns[8];
};

static void collect(void *ctx, const struct span_request *req)
{
	struct collected *c = ctx;
	const struct span_rec *root = &req->spans[req->nspans - 1];

	assert_true(c->n < 8);
	c->nspans[c->n] = req->nspans;
	c->nconns[c->n] = req->nconns;
	snprintf(c->attr[c->n], sizeof(c->attr[0]), "%s=%s", root->nattrs ? root->attrs[0].name : "",
		 root->nattrs ? root->attrs[0].value : "");
	assert_int_equal(span_summarize(req, &c->sums[c->n]), 0);
	c->n++;
}

/* One request: root 1 with children 2 (probe 1), 3 (probe 2) and 4
 * (probe 1, nested in 3); peers on 2 and 4 to the same server. */
static void feed_request(struct span_asm *a)
{
	struct span_event c2 = span(2, 1, 1, 1, 1, 110, 150);
	struct span_event c4 = span(4, 3, 1, 1, 2, 170, 180);
	struct span_event c3 = span(3, 1, 1, 2, 1, 160, 200);
	struct span_event root = span(1, 0, 1, 0, 0, 100, 300);
	struct span_conn_event conn = { .kind = SPAN_EV_CONN, .event = SPAN_CONN_CONNECT,
					.span_id = 3, .root_id = 1, .ts_ns = 165 };

	add_peer(&c2, 1, 11211, 2, 1, 20);
	add_peer(&c4, 1, 11211, 4, 2, 5);
	add_peer(&c4, 2, 3306, 2, 1, 8);
	c3.child_ns = 10;
	root.child_ns = 40 + 40;
	assert_int_equal(span_asm__attr(a, 1, "path", "/get", 100), 0);
	assert_int_equal(span_asm__attr(a, 4, "key", "k1", 170), 0);
	assert_int_equal(span_asm__end(a, &c2), 0);
	assert_int_equal(span_asm__end(a, &c4), 0);
	assert_int_equal(span_asm__conn(a, &conn), 0);
	assert_int_equal(span_asm__end(a, &c3), 0);
	assert_int_equal(span_asm__end(a, &root), 0);
}

static void test_assembly_and_summary(void **state)
{
	struct collected c = { 0 };
	struct span_asm *a = span_asm__new(collect, &c);
	struct span_asm_stats st;
	struct span_summary *s = &c.sums[0];
	char buf[64];

	(void)state;
	feed_request(a);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.nspans[0], 4);
	assert_int_equal(c.nconns[0], 1);
	assert_string_equal(c.attr[0], "path=/get");
	assert_int_equal(s->duration_ns, 200);
	assert_int_equal(s->self_ns, 120);
	/* children per probe, in probe order, nested ones included */
	assert_int_equal(s->nchildren, 2);
	assert_int_equal(s->children[0].probe, 1);
	assert_int_equal(s->children[0].count, 2);
	assert_int_equal(s->children[0].total_ns, 40 + 10);
	assert_int_equal(s->children[1].probe, 2);
	assert_int_equal(s->children[1].count, 1);
	/* peers merged over the spans, busiest (most I/O time) first */
	assert_int_equal(s->npeers, 2);
	assert_string_equal(span_peer_format(&s->peers[0].peer, buf, sizeof(buf)), "127.0.0.1:11211");
	assert_int_equal(s->peers[0].calls, 6);
	assert_int_equal(s->peers[0].round_trips, 3);
	assert_int_equal(s->peers[0].io_ns, 25);
	assert_string_equal(span_peer_format(&s->peers[1].peer, buf, sizeof(buf)), "127.0.0.2:3306");
	span_summary_free(s);
	span_asm__stats(a, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.spans, 4);
	assert_int_equal(st.orphan_attrs, 0);
	span_asm__free(a);
}

static void test_stale_and_eviction(void **state)
{
	struct collected c = { 0 };
	struct span_asm *a = span_asm__new(collect, &c);
	struct span_event child = span(8, 7, 7, 1, 1, 10, 20), root = span(7, 0, 7, 0, 0, 5, 0);
	struct span_event lone = span(21, 20, 20, 1, 1, 1000, 1100);
	struct span_asm_stats st;

	(void)state;
	/* a root that never returned (longjmp): its request is dropped, counted */
	assert_int_equal(span_asm__attr(a, 7, "path", "/x", 5), 0);
	assert_int_equal(span_asm__end(a, &child), 0);
	root.flags = SPAN_F_STALE;
	assert_int_equal(span_asm__end(a, &root), 0);
	/* a thread that exited inside its root: evicted once idle */
	assert_int_equal(span_asm__end(a, &lone), 0);
	assert_int_equal(span_asm__attr(a, 99, "orphan", "1", 1000), 0);
	span_asm__evict(a, 1500, 1000); /* cutoff 500: both were active later, kept */
	span_asm__stats(a, &st);
	assert_int_equal(st.evicted, 0);
	span_asm__evict(a, 5000, 1000);
	span_asm__stats(a, &st);
	assert_int_equal(c.n, 0);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.orphan_attrs, 1);
	assert_int_equal(st.requests, 0);
	span_asm__free(a);
}

static void test_peer_format(void **state)
{
	struct span_peer_addr v6 = { .family = TCPSOCK_AF_INET6, .port = 443 };
	struct span_peer_addr v4 = { .addr = { 10, 1, 2, 3 }, .family = TCPSOCK_AF_INET, .port = 80 };
	char buf[64];

	(void)state;
	v6.addr[15] = 1;
	assert_string_equal(span_peer_format(&v6, buf, sizeof(buf)), "[::1]:443");
	assert_string_equal(span_peer_format(&v4, buf, sizeof(buf)), "10.1.2.3:80");
}

struct written {
	struct span_store *store;
};

static void store_it(void *ctx, const struct span_request *req)
{
	struct written *w = ctx;

	assert_int_equal(span_store__request(w->store, req), 0);
}

static char *query(sqlite3 *db, const char *sql)
{
	static char out[512];
	sqlite3_stmt *st;

	out[0] = 0;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "",
			 v ? v : "NULL");
	}
	sqlite3_finalize(st);
	return out;
}

static void test_record_writer(void **state)
{
	char path[64] = "/tmp/bpfscope-test-spans-XXXXXX";
	int fd = mkstemp(path);
	struct written w;
	struct span_asm *a;
	sqlite3 *db;

	(void)state;
	assert_true(fd >= 0);
	close(fd); /* the store replaces it */
	w.store = span_store__open(path, 1000000);
	assert_non_null(w.store);
	assert_int_equal(span_store__probe(w.store, 0, "root u:./srv:handle", "root", "handle"), 0);
	assert_int_equal(span_store__probe(w.store, 1, "u:./srv:get", "child", "get"), 0);
	a = span_asm__new(store_it, &w);
	feed_request(a);
	feed_request(a); /* the same kernel ids again: file ids stay unique */
	span_asm__free(a);
	assert_int_equal(span_store__loss(w.store, -1, "ring_drops", 3), 0);
	assert_int_equal(span_store__close(w.store), 0);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_string_equal(query(db, "select value from meta"), "1");
	assert_string_equal(query(db, "select id || ':' || root_id || ':' || ifnull(parent_id, '-') || "
				      "':' || probe_id || ':' || depth from spans order by id"),
			    "1:1:-:0:0 2:1:1:1:1 3:1:4:1:2 4:1:1:2:1 "
			    "5:5:-:0:0 6:5:5:1:1 7:5:8:1:2 8:5:5:2:1");
	assert_string_equal(query(db, "select start_ns || '+' || duration_ns || '/' || child_ns "
				      "from spans where id in (1, 4)"),
			    "1000100+200/80 1000160+40/10");
	assert_string_equal(query(db, "select span_id || ' ' || name || '=' || value from span_attrs"),
			    "1 path=/get 3 key=k1 5 path=/get 7 key=k1");
	assert_string_equal(query(db, "select span_id || ' ' || peer || ' ' || calls || ' ' || "
				      "round_trips from span_peers where span_id < 5"),
			    "2 127.0.0.1:11211 2 1 3 127.0.0.1:11211 4 2 3 127.0.0.2:3306 2 1");
	assert_string_equal(query(db, "select span_id || ' ' || event || ' ' || ts_ns from connections"),
			    "4 connect 1000165 8 connect 1000165");
	assert_string_equal(query(db, "select ifnull(probe_id, 'total') || ' ' || what || ' ' || count "
				      "from losses"),
			    "total ring_drops 3");
	assert_string_equal(query(db, "pragma journal_mode"), "wal");
	sqlite3_close(db);
	unlink(path);
	strcat(path, "-wal");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_roles_and_attrs),
		cmocka_unit_test(test_parse_attr_errors),
		cmocka_unit_test(test_assembly_and_summary),
		cmocka_unit_test(test_stale_and_eviction),
		cmocka_unit_test(test_peer_format),
		cmocka_unit_test(test_record_writer),
	};

	return cmocka_run_group_tests_name("spans", tests, NULL, NULL);
}
