/* Wire operations joined to requests (probe/span_wire.c) without BPF:
 * a request held until its operations arrive, the innermost open span as
 * parent, the attributes, the text cut, and every operation outside a
 * request counted (thread mismatch, before a later request, at the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/span_wire.h"

#define MS 1000000ull

struct seen {
	int requests;
	struct span_request last; /* shallow: valid inside emit only */
	char dump[4096];
};

static const char *attr(const struct span_rec *r, const char *name)
{
	for (int i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].name, name))
			return r->attrs[i].value;
	return NULL;
}

/* "probe:parent:depth:sql-or-keys:hits;" per span, root last */
static int emit(void *ctx, const struct span_request *req)
{
	struct seen *s = ctx;

	s->requests++;
	s->dump[0] = 0;
	for (int i = 0; i < req->nspans; i++) {
		const struct span_rec *r = &req->spans[i];
		const char *text = attr(r, "sql") ? attr(r, "sql") : attr(r, "keys");
		const char *hits = attr(r, "hits");

		snprintf(s->dump + strlen(s->dump), sizeof(s->dump) - strlen(s->dump),
			 "%u:%llu:%u:%s:%s;", r->ev.probe,
			 (unsigned long long)(r->ev.parent_id & 0xffff), r->ev.depth,
			 text ? text : "-", hits ? hits : "-");
	}
	return 0;
}

static struct span_rec span(uint32_t probe, uint64_t id, uint64_t parent, uint32_t depth,
			    uint64_t start_ms, uint64_t end_ms)
{
	struct span_rec r = { 0 };

	r.ev.probe = probe;
	r.ev.pid = 10;
	r.ev.tid = 11;
	r.ev.span_id = id;
	r.ev.parent_id = parent;
	r.ev.root_id = 1;
	r.ev.depth = depth;
	r.ev.start_ns = start_ms * MS;
	r.ev.end_ns = end_ms * MS;
	return r;
}

static struct wire_op mysql(uint64_t start_ms, uint64_t end_ms, const char *sql)
{
	struct wire_op op = { .proto = WIRE_PROTO_MYSQL, .rows = 3, .affected = -1 };

	op.start_ns = start_ms * MS;
	op.end_ns = end_ms * MS;
	strcpy(op.cmd, "COM_QUERY");
	snprintf(op.text, sizeof(op.text), "%s", sql);
	return op;
}

static struct wire_op mc_get(uint64_t start_ms, uint64_t end_ms, const char *keys)
{
	struct wire_op op = { .proto = WIRE_PROTO_MEMCACHE, .rows = -1, .affected = -1 };

	op.start_ns = start_ms * MS;
	op.end_ns = end_ms * MS;
	strcpy(op.cmd, "get");
	snprintf(op.text, sizeof(op.text), "%s", keys);
	op.keys = 2;
	op.hits = 1;
	op.misses = 1;
	return op;
}

static void test_join(void **state)
{
	struct seen seen = { 0 };
	struct span_wire *w = span_wire__new(5, 10, emit, &seen);
	/* root 1 [100, 200] with child 2 [110, 150] (depth 1) */
	struct span_rec spans[2] = { span(1, 2, 1, 1, 110, 150), span(0, 1, 0, 0, 100, 200) };
	struct span_request req = { .root_id = 1, .spans = spans, .nspans = 2 };
	struct wire_op in_child = mysql(120, 140, "SELECT 1 FROM a_rather_long_table");
	struct wire_op in_root = mc_get(160, 170, "k1 k2");
	struct wire_op before = mc_get(50, 60, "old");
	struct span_wire_stats st;

	(void)state;
	span_wire__op(w, 10, 11, "127.0.0.1:3306", &before);
	span_wire__op(w, 10, 12, "127.0.0.1:3306", &in_child); /* other thread: not joined */
	assert_int_equal(span_wire__hold(w, &req, 1000 * MS), 0);
	span_wire__op(w, 10, 11, "127.0.0.1:3306", &in_child); /* arrives after the root */
	span_wire__op(w, 10, 11, "127.0.0.1:11211", &in_root);
	assert_int_equal(span_wire__release(w, 1000 * MS + SPAN_WIRE_HOLD_NS - 1, 60000 * MS), 0);
	assert_int_equal(seen.requests, 0); /* still held */
	assert_int_equal(span_wire__release(w, 1000 * MS + SPAN_WIRE_HOLD_NS, 60000 * MS), 0);
	assert_int_equal(seen.requests, 1);
	/* the child, the two wire spans (memcache 6 under the root, mysql 5 under
	 * span 2, its text cut at 10), the root last */
	assert_string_equal(seen.dump, "1:1:1:-:-;6:1:1:k1 k2:1;5:2:2:SELECT 1 F...:-;0:0:0:-:-;");
	span_wire__stats(w, &st);
	assert_int_equal(st.ops, 4);
	assert_int_equal(st.attached, 2);
	assert_int_equal(st.outside, 1); /* 'old' ended before the request began */
	assert_int_equal(span_wire__release(w, UINT64_MAX, 0), 0);
	span_wire__stats(w, &st);
	assert_int_equal(st.outside, 2); /* the other thread's, at the end */
	span_wire__free(w);
}

static void test_free_while_held(void **state)
{
	struct seen seen = { 0 };
	struct span_wire *w = span_wire__new(5, 200, emit, &seen);
	struct span_rec spans[1] = { span(0, 1, 0, 0, 100, 200) };
	struct span_request req = { .root_id = 1, .spans = spans, .nspans = 1 };
	struct wire_op op = mc_get(120, 130, "k");

	(void)state;
	spans[0].attrs = (struct span_attr[]){ { "path", "/x" } };
	spans[0].nattrs = 1;
	span_wire__op(w, 10, 11, "p", &op);
	assert_int_equal(span_wire__hold(w, &req, 0), 0);
	span_wire__free(w); /* copies and operations freed (ASan checks) */
	assert_int_equal(seen.requests, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_free_while_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
