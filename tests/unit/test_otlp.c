/* OTLP encoding and ids: hex ids of the right length, both directions of a
 * flow give one trace id, times as decimal strings, attributes as
 * KeyValue/AnyValue, one resourceSpans per process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/otlp.h"

static void test_flow_ids_symmetric(void **state)
{
	struct otlp_flow ab = {.sport = 40000, .dport = 11211, .proto = 6}, ba;
	uint8_t id1[16], id2[16], id3[16];
	char hex[33];

	(void)state;
	ab.saddr[0] = 10, ab.saddr[3] = 1;
	ab.daddr[0] = 10, ab.daddr[3] = 2;
	ba = ab;
	memcpy(ba.saddr, ab.daddr, 16);
	memcpy(ba.daddr, ab.saddr, 16);
	ba.sport = ab.dport;
	ba.dport = ab.sport;
	otlp_trace_id_flow(&ab, 12345, id1);
	otlp_trace_id_flow(&ba, 12345, id2);
	otlp_trace_id_flow(&ab, 12346, id3);
	assert_memory_equal(id1, id2, 16);
	assert_memory_not_equal(id1, id3, 16);
	otlp_hex(id1, 16, hex);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 32);
}

static void test_call_ids_differ(void **state)
{
	uint8_t a[16], b[16], s1[8], s2[8];

	(void)state;
	otlp_trace_id_call(100, 101, 5000, a);
	otlp_trace_id_call(100, 101, 5001, b);
	assert_memory_not_equal(a, b, 16);
	otlp_span_id(a, 0, 5000, 101, s1);
	otlp_span_id(a, 1, 5000, 101, s2);
	assert_memory_not_equal(s1, s2, 8);
}

static const char *str_at(struct json_object *o, const char *path0, const char *path1)
{
	struct json_object *v = json_object_object_get(o, path0);

	if (path1)
		v = json_object_object_get(v, path1);
	return json_object_get_string(v);
}

static void test_encode(void **state)
{
	struct otlp_span spans[3];
	struct json_object *doc, *rs, *span, *attr;

	(void)state;
	memset(spans, 0, sizeof(spans));
	for (int i = 0; i < 3; i++) {
		otlp_trace_id_call(7, 7, 1000 + i, spans[i].trace_id);
		otlp_span_id(spans[i].trace_id, 0, 1000 + i, 7, spans[i].span_id);
		snprintf(spans[i].name, sizeof(spans[i].name), "f%d", i);
		spans[i].start_unix_ns = 1700000000123456789ULL;
		spans[i].end_unix_ns = 1700000000123459999ULL;
		spans[i].pid = i == 2 ? 8 : 7;
		snprintf(spans[i].comm, sizeof(spans[i].comm), "srv");
		otlp_attr_str(spans[i].attrs, &spans[i].nattrs, OTLP_MAX_ATTRS, "server.address",
			      "127.0.0.1");
		otlp_attr_int(spans[i].attrs, &spans[i].nattrs, OTLP_MAX_ATTRS, "server.port",
			      11211);
	}
	memcpy(spans[1].parent_span_id, spans[0].span_id, 8);
	doc = otlp_encode(spans, 3);
	rs = json_object_object_get(doc, "resourceSpans");
	assert_int_equal(json_object_array_length(rs), 2); /* pid 7 and pid 8 */
	span = json_object_array_get_idx(
	    json_object_object_get(
		json_object_array_get_idx(
		    json_object_object_get(json_object_array_get_idx(rs, 0), "scopeSpans"), 0),
		"spans"),
	    1);
	assert_int_equal(strlen(str_at(span, "traceId", NULL)), 32);
	assert_int_equal(strlen(str_at(span, "spanId", NULL)), 16);
	assert_int_equal(strlen(str_at(span, "parentSpanId", NULL)), 16);
	assert_string_equal(str_at(span, "startTimeUnixNano", NULL), "1700000000123456789");
	assert_true(json_object_is_type(json_object_object_get(span, "startTimeUnixNano"),
					json_type_string));
	attr = json_object_array_get_idx(json_object_object_get(span, "attributes"), 1);
	assert_string_equal(str_at(attr, "key", NULL), "server.port");
	assert_string_equal(str_at(attr, "value", "intValue"), "11211");
	attr = json_object_array_get_idx(json_object_object_get(span, "attributes"), 0);
	assert_string_equal(str_at(attr, "value", "stringValue"), "127.0.0.1");
	json_object_put(doc);
}

/* Protobuf: request field 1 (resource_spans, length-delimited) first; the
 * span's trace_id as 16 raw bytes after tag 0x0a; start time as fixed64
 * (tag 0x39) little-endian; a negative int64 attribute as a 10-byte varint. */
static void test_protobuf(void **state)
{
	struct otlp_span s;
	uint8_t *buf = NULL, tid[18] = { 0x0a, 16 }, start[9] = { 0x39 };
	uint8_t neg[] = { 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	size_t len = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	otlp_trace_id_call(1, 2, 3, s.trace_id);
	otlp_span_id(s.trace_id, 0, 3, 2, s.span_id);
	snprintf(s.name, sizeof(s.name), "f");
	s.start_unix_ns = 0x0102030405060708ULL;
	s.end_unix_ns = s.start_unix_ns + 1;
	otlp_attr_int(s.attrs, &s.nattrs, OTLP_MAX_ATTRS, "minus.one", -1);
	assert_int_equal(otlp_encode_protobuf(&s, 1, &buf, &len), 0);
	assert_true(len > 40);
	assert_int_equal(buf[0], 0x0a);
	memcpy(tid + 2, s.trace_id, 16);
	assert_non_null(memmem(buf, len, tid, sizeof(tid)));
	for (int i = 0; i < 8; i++)
		start[1 + i] = (uint8_t)(s.start_unix_ns >> (8 * i));
	assert_non_null(memmem(buf, len, start, sizeof(start)));
	assert_non_null(memmem(buf, len, neg, sizeof(neg)));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flow_ids_symmetric),
	    cmocka_unit_test(test_call_ids_differ),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_protobuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
